import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Synchronization

/// A clock the test moves by hand (the relay takes its time from it).
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension RelayHarness {
    /// Another relay over the same database and templates: with a test clock, or a
    /// changed configuration (e.g. a bounce threshold, an unreachable SMTP server).
    func variant(clock: TestClock? = nil, _ change: (inout ParleyConfig) -> Void = { _ in }) -> Relay {
        var config = relay.config
        change(&config)
        if let clock {
            return Relay(config: config, store: relay.store, templates: relay.templates, logger: relay.logger, now: { clock.now })
        }
        return Relay(config: config, store: relay.store, templates: relay.templates, logger: relay.logger)
    }

    /// Makes the SMTP sink answer 421 to every MAIL FROM of this harness's domain (its
    /// envelope senders), or stops doing so; other tests' mail goes through meanwhile.
    func smtpDown(_ down: Bool) {
        let path = servers.sinkDir + "/DOWN@" + domain
        if down {
            _ = FileManager.default.createFile(atPath: path, contents: Data())
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Every outbound message, oldest first.
    func outbox() throws -> [OutboundRecord] { try relay.store.read { try $0.outbound() } }

    /// The person with this address.
    func person(_ address: EmailAddress) throws -> PersonRecord? { try relay.store.read { try $0.person(address: address) } }
}

/// Delivery reports as mail servers send them, from `Fixtures/bounces/`.
enum BounceFixture: String {
    case hard = "hard-bounce-postfix"
    case soft = "soft-bounce-delayed"

    /// The report for a notification as the sink received it, addressed to its envelope
    /// sender (`to`, the VERP address unless given) and quoting its Message-ID.
    func report(for notification: SunkMessage, to: String? = nil, messageID: String? = nil) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Fixtures/bounces/\(rawValue)", withExtension: "eml") else {
            throw TestServerError("fixture bounces/\(rawValue).eml is missing")
        }
        var text = try String(contentsOf: url, encoding: .utf8)
        let id = messageID ?? MessageID.strip(notification.header("Message-ID") ?? "")
        let values = [
            "to": to ?? notification.mailFrom,
            "recipient": notification.recipients.first ?? "",
            "message_id": id,
            "dsn_id": "dsn\(UInt64.random(in: 0...UInt64.max))",
        ]
        for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
        return Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }
}

enum MessageID {
    /// `<a@b>` → `a@b`.
    static func strip(_ value: String) -> String {
        value.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
    }

    /// The ids of a References or In-Reply-To value, in order, without brackets.
    static func list(_ value: String?) -> [String] {
        (value ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map { strip(String($0)) }.filter { !$0.isEmpty }
    }
}
