import Foundation
import Logging
import ParleyCore
import ParleyMail
import ParleyStore

/// Everything the stages share: configuration, database, token codec, templates, clock.
public final class Relay: Sendable {
    public let config: ParleyConfig
    public let store: Store
    public let codec: ReplyTokenCodec
    public let templates: MailTemplates
    public let logger: Logger
    /// The clock, passed in so tests can move time.
    public let now: @Sendable () -> Date
    /// The first mailbox's reply address pattern, parsed once (it was parsed for every
    /// token looked for: 3% of an ingest's decisions).
    private let firstReplyPattern: ReplyAddressPattern?

    public init(config: ParleyConfig, store: Store, templates: MailTemplates, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.store = store
        self.codec = ReplyTokenCodec(
            secret: config.site.secret,
            previous: config.site.previousSecrets.map { .init(secret: $0, acceptedThroughDay: config.site.previousSecretsThroughDay) },
            maxAgeDays: config.site.tokenMaxAgeDays)
        self.templates = templates
        self.logger = logger
        self.now = now
        self.firstReplyPattern = config.mailboxes.first.flatMap { ReplyAddressPattern($0.replyAddress) }
    }

    /// Opens the database and loads the templates named by the config.
    public static func open(config: ParleyConfig, logger: Logger) throws -> Relay {
        let store = try Store(path: config.databasePath)
        let templates = try MailTemplates(directory: config.publish.templatesDir)
        return Relay(config: config, store: store, templates: templates, logger: logger)
    }

    /// Days since 1970-01-01 UTC, for token issue dates.
    var today: Int64 { Int64(now().timeIntervalSince1970 / 86400) }

    /// The domain Parley's Message-IDs are made in.
    var messageIDDomain: String { config.smtp.from.domain }

    /// The reply address pattern of the first mailbox: where replies are sent.
    var replyPattern: ReplyAddressPattern { firstReplyPattern! }

    /// Every address Parley sends from or receives at, for loop detection.
    var ownAddresses: [String] {
        var list = [config.smtp.from.address]
        for box in config.mailboxes {
            list.append(box.replyAddress.replacingOccurrences(of: "{token}", with: "").replacingOccurrences(of: "+@", with: "@"))
            if let user = box.server.username, user.contains("@") { list.append(user) }
        }
        return list
    }
}
