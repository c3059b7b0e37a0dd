import Foundation
import Logging
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyTesting

/// A throw-away Parley installation on private test servers, for benchmarks.
struct BenchEnvironment {
    let servers: TestServers
    let user: String
    let domain: String
    let dir: String
    let configPath: String
    let relay: Relay

    init(servers: TestServers, idle: Bool = true, pollInterval: String = "60s") throws {
        self.servers = servers
        user = TestServers.uniqueName("bench")
        domain = "\(user).test"
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(user)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        configPath = dir + "/parley.toml"
        let toml = servers.installationConfig(user: user, domain: domain, dir: dir, pollInterval: pollInterval, idle: idle)
        try toml.write(toFile: configPath, atomically: true, encoding: .utf8)
        var logger = Logger(label: "bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = ProcessInfo.processInfo.environment["PARLEY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        relay = try Relay.open(config: try ParleyConfig.load(path: configPath, environment: [:]), logger: logger)
    }

    /// A conversation and a post; returns Ann's notification (what she replies to).
    func setUpConversation() throws -> SunkMessage {
        let liz = EmailAddress(address: "liz@\(domain)", name: "Liz")!, ann = EmailAddress(address: "ann@\(domain)", name: "Ann")!
        try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try relay.addPost(id: "p", title: "On trust", url: "https://liz.example.org/p", author: liz, conversation: "c")
        _ = try relay.flushOutbox()
        guard let note = servers.sunk(to: ann.address).first else { throw TestServerError("no notification reached the sink") }
        return note
    }

    /// A reply to `note` the way a mail client writes it: about 2–3 KB.
    func reply(to note: SunkMessage, number i: Int) -> [UInt8] {
        let parsed = MailParser.parse(note.raw)
        let quoted = (parsed.text ?? "").split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\r\n")
        let text = "Thank you, Liz. This is reply \(i).\r\nI have been thinking about what you wrote on trust, and I agree with most of it.\r\n"
            + String(repeating: "Trust is built slowly and lost quickly; that is why it matters so much to write honestly. ", count: 12)
        return Array(("""
        From: Ann <ann@\(domain)>\r
        To: \(parsed.header("Reply-To") ?? "")\r
        Subject: Re: \(parsed.header("Subject") ?? "")\r
        Date: Thu, 26 Nov 2026 10:00:00 +0000\r
        Message-ID: <bench\(i).\(user)@client.example>\r
        In-Reply-To: \(parsed.header("Message-ID") ?? "")\r
        References: \(parsed.header("Message-ID") ?? "")\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        \(text)\r
        On Thu, Nov 26, 2026 at 9:00 AM one2one <talk@\(domain)> wrote:\r
        \(quoted)\r

        """).utf8)
    }
}

/// Prints a line at once (stdout is block-buffered when it is not a terminal).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
