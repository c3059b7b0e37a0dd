import Foundation
import ParleyRelay
import ParleyTesting
import Testing

/// A network that cuts connections halfway, resets them or stops answering, between
/// `parley serve` and Dovecot or the SMTP sink (scripts/faultproxy.py). Each case waits
/// until the fault has landed (the proxy's count), then for everything to be done:
/// recovered unattended, nothing lost, at most one duplicate per cut after delivery.
@Suite("Network faults", .serialized)
struct NetworkFaultTests {
    /// (case, rule): faults between Parley and Dovecot.
    static let imapFaults: [(String, String)] = [
        ("cut mid-FETCH", #"{"id":"f","direction":"server","after_client":"UID FETCH [^\\r\\n]*BODY","match":"\\{\\d+\\}\\r\\n","action":"cut_at_offset","offset":700,"times":2}"#),
        ("cut after the server did a MOVE, before its answer", #"{"id":"f","direction":"client","match":"UID MOVE [^\\r\\n]*\\r\\n","action":"cut_after","times":1}"#),
        ("server stops answering mid-FETCH", #"{"id":"f","direction":"client","match":"UID FETCH [^\\r\\n]*BODY","action":"stall","times":1}"#),
        ("resets in a loop at connect", #"{"id":"f","direction":"server","match":"","action":"reset","times":4}"#),
    ]

    @Test("IMAP faults: serve recovers by itself, every reply once", arguments: imapFaults)
    func imap(name: String, rule: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build`: \(CommandLineTests.binary)")
        let proxy = try FaultProxy(targetPort: TestServers.shared.imapPort)
        defer { proxy.stop() }
        try proxy.setRules("[\(rule)]")
        let h = try RelayHarness(pollInterval: "1s", idle: false) { toml in
            toml.replacingOccurrences(of: "imap://127.0.0.1:\(TestServers.shared.imapPort)/", with: "imap://127.0.0.1:\(proxy.port)/")
                .replacingOccurrences(of: "poll_interval", with: "timeout = \"3s\"\npoll_interval")
        }
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        let count = 300
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Reply \(i) over a bad network.", messageID: "net\(i)@client.example"))
        }
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(TestServers.eventually(timeout: 30) { proxy.fired("f") >= 1 }, "the fault never landed: \(proxy.events.suffix(1500))")
        // A stalled connection stays stalled (the rule stays); it fired once, so new ones pass.
        let done = TestServers.eventually(timeout: 90) {
            (try? h.relay.commentViews(post: "p", status: nil).count) == count && h.inboxCount() == 0 && h.processedCount() == count
        }
        #expect(done, "\(name): not all ingested and moved: \(daemon.log.suffix(2000))")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(Set(comments.map(\.body)).count == count, "no reply lost or published twice")
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)
    }

    /// (case, rule, duplicates it may cause): faults between Parley and the SMTP server.
    static let smtpFaults: [(String, String, Int)] = [
        ("cut mid-DATA", #"{"id":"f","direction":"client","after_client":"DATA\\r\\n","match":"\\r\\n\\r\\n","action":"cut_at_offset","offset":200,"times":1}"#, 0),
        ("cut after the server's final 250, before Parley reads it", #"{"id":"f","direction":"server","after_client":"\\r\\n\\.\\r\\n","match":"250","action":"cut_before","times":1}"#, 1),
        ("server stops answering after MAIL FROM", #"{"id":"f","direction":"client","match":"MAIL FROM","action":"stall","times":1}"#, 0),
        ("resets in a loop at connect", #"{"id":"f","direction":"server","match":"","action":"reset","times":4}"#, 0),
    ]

    @Test("SMTP faults: serve recovers by itself within seconds, every notification delivered, duplicates only where the 250 was lost", arguments: smtpFaults)
    func smtp(name: String, rule: String, allowedDuplicates: Int) throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build`: \(CommandLineTests.binary)")
        let servers = TestServers.shared
        let proxy = try FaultProxy(targetPort: servers.smtpPort)
        defer { proxy.stop() }
        try proxy.setRules("[\(rule)]")
        let h = try RelayHarness(pollInterval: "1s", idle: false) { toml in
            toml.replacingOccurrences(of: "smtp://127.0.0.1:\(servers.smtpPort)", with: "smtp://127.0.0.1:\(proxy.port)")
                .replacingOccurrences(of: "from = \"one2one", with: "timeout = \"3s\"\nfrom = \"one2one")
        }
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        let readers = (0..<30).map { h.address("reader\($0)") }
        for r in readers { try h.relay.subscribe(r, post: nil, conversation: "c") }
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        let queued = try h.relay.store.read { try $0.outbound(limit: 1000) }
        #expect(queued.count == 31)
        let started = Date()
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(TestServers.eventually(timeout: 30) { proxy.fired("f") >= 1 }, "the fault never landed: \(proxy.events.suffix(1500))")
        let done = TestServers.eventually(timeout: 60) {
            ((try? h.relay.store.read { try $0.outboundCount(status: "sent") }) ?? 0) == queued.count
        }
        #expect(done, "\(name): not all sent: \(daemon.log.suffix(2000))")
        print("\(name): all \(queued.count) sent \(String(format: "%.1f", Date().timeIntervalSince(started))) s after start")
        var copies: [String: Int] = [:]
        for message in servers.sunk() where message.recipients.contains(where: { $0.hasSuffix("@" + h.domain) }) {
            if let id = message.header("Message-ID") { copies[id, default: 0] += 1 }
        }
        let lost = queued.filter { copies["<\($0.messageId)>"] == nil }
        let duplicates = copies.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(lost.isEmpty, "\(name): lost \(lost.map(\.recipient))")
        #expect(duplicates <= allowedDuplicates, "\(name): \(duplicates) duplicates")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)
    }
}
