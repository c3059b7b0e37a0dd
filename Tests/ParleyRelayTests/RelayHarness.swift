import Foundation
import Logging
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting

/// One isolated Parley installation against the shared test servers: its own IMAP
/// user, its own address domain, its own SQLite file and config file.
struct RelayHarness {
    let servers: TestServers
    let user: String
    let domain: String
    let dir: String
    let configPath: String
    let relay: Relay

    /// `edit` changes the generated config text before it is written (ports, timeouts).
    init(moderation: String = "none", servers: TestServers = .shared, password: String = "secret", pollInterval: String = "60s", idle: Bool = true,
         edit: (String) -> String = { $0 }) throws {
        self.servers = servers
        user = TestServers.uniqueName("talk")
        domain = "\(user).test"
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(user)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        configPath = dir + "/parley.toml"
        let toml = servers.installationConfig(user: user, domain: domain, dir: dir, moderation: moderation, password: password,
                                              pollInterval: pollInterval, idle: idle, maxMessageSize: "1MB")
        try edit(toml).write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ParleyConfig.load(path: configPath, environment: [:])
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        relay = try Relay.open(config: config, logger: logger)
    }

    /// An address in this harness's own domain.
    func address(_ local: String, _ name: String? = nil) -> EmailAddress {
        EmailAddress(address: "\(local)@\(domain)", name: name)!
    }

    func deliver(_ bytes: [UInt8]) throws { try servers.deliver(bytes, to: user) }

    func poll() throws -> PassSummary { try relay.pollOnce()["talk"] ?? PassSummary() }

    func inboxCount() -> Int { servers.messageCount(user: user) }
    func processedCount() -> Int { servers.messageCount(user: user, folder: "Parley/Processed") }
    func rejectedCount() -> Int { servers.messageCount(user: user, folder: "Parley/Rejected") }
}

/// Writes replies the way mail clients do: new text on top, an attribution line and
/// the quoted original below.
enum MailClient {
    /// A reply to a received notification.
    static func reply(to notification: SunkMessage, from: String, text: String,
                      to overrideTo: String? = nil, keepThreading: Bool = true, messageID: String? = nil) -> [UInt8] {
        let parsed = MailParser.parse(notification.raw)
        let quoted = (parsed.text ?? "").split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
        let originalFrom = parsed.header("From") ?? "one2one"
        let to = overrideTo ?? parsed.header("Reply-To") ?? ""
        var headers = [
            "From: \(from)",
            "To: \(to)",
            "Subject: Re: \(parsed.header("Subject") ?? "")",
            "Date: Thu, 26 Nov 2026 10:00:00 +0000",
            "Message-ID: <\(messageID ?? "reply-\(UInt64.random(in: 0...UInt64.max))@client.example")>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        if keepThreading, let id = parsed.header("Message-ID") {
            headers.append("In-Reply-To: \(id)")
            headers.append("References: \(parsed.header("References").map { $0 + " " } ?? "")\(id)")
        }
        let body = "\(text)\n\nOn Thu, Nov 26, 2026 at 9:00 AM \(originalFrom) wrote:\n\(quoted)\n"
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
    }

    /// A reply to a received notification whose body `write` makes from the
    /// notification's text (to place answers inline, signatures anywhere).
    static func reply(to notification: SunkMessage, from: String, body write: (String) -> String) -> [UInt8] {
        let parsed = MailParser.parse(notification.raw)
        let headers = [
            "From: \(from)",
            "To: \(parsed.header("Reply-To") ?? "")",
            "Subject: Re: \(parsed.header("Subject") ?? "")",
            "Date: Thu, 26 Nov 2026 10:00:00 +0000",
            "Message-ID: <reply-\(UInt64.random(in: 0...UInt64.max))@client.example>",
            "In-Reply-To: \(parsed.header("Message-ID") ?? "")",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = write(parsed.text ?? "")
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
    }

    /// `text` with `> ` before each line (`>` alone before an empty one), as clients quote.
    static func quote(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n")
    }

    /// The reply token inside a notification's Reply-To.
    static func token(in notification: SunkMessage) -> String? {
        guard let replyTo = MailParser.parse(notification.raw).header("Reply-To"),
              let plus = replyTo.firstIndex(of: "+"), let at = replyTo.lastIndex(of: "@") else { return nil }
        return String(replyTo[replyTo.index(after: plus)..<at])
    }
}
