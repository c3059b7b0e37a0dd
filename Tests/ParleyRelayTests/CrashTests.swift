import Foundation
import ParleyRelay
import ParleyTesting
import Testing

/// Crashes aimed by progress, not by sleeps: each SIGKILL lands after a seeded random
/// amount of committed work (read from the database and counted at the SMTP sink) and
/// before the end, so every kill in the count provably interrupted a live process.
/// `PARLEY_TEST_SEED` replays a run; the seed is printed.
@Suite("Crashes aimed by progress", .serialized)
struct CrashTests {
    /// Kills that must land between the first commit and the end.
    static let wantedKills = 20

    @Test("poll --once killed after a random number of commits, ≥ 20 times: every reply one comment, one notification each")
    func pollKills() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build` (make test does it): \(CommandLineTests.binary)")
        var rng = SplitMix64(seed: TestSeed.make("pollKills"))
        let h = try RelayHarness()
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        let count = 6000
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Crash-safe reply \(i).", messageID: "crash\(i)@client.example"))
        }
        func committed() -> Int { (try? h.relay.store.read { try $0.inboundCount() }) ?? 0 }
        var landed = 0
        var runs = 0
        while landed < Self.wantedKills && runs < 80 {
            runs += 1
            let before = committed()
            guard before < count else { break }
            // A batch of 100 replies commits at once: aiming at 1…250 more messages
            // kills after one, two or three commits.
            let target = before + Int.random(in: 1...250, using: &rng)
            let p = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/poll-\(runs).log")
            while p.process.isRunning && committed() < target { usleep(2_000) }
            let killed = p.process.isRunning
            if killed { p.signal(SIGKILL) }
            _ = p.waitExit(10)
            let after = committed()
            if killed && after > before && after < count { landed += 1 }
        }
        print("pollKills: \(landed) kills landed between commits in \(runs) runs")
        #expect(landed >= Self.wantedKills, "only \(landed) kills landed after a commit and before the end")

        let last = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/poll-final.log")
        #expect(last.waitExit(120) == 0, "\(last.log)")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(comments.count == count)
        #expect(Set(comments.map(\.body)).count == count, "no reply published twice")
        let outbound = try h.relay.store.read { try $0.outbound(limit: 100_000) }.filter { $0.kind == "new-comment" }
        #expect(outbound.count == count, "one notification per comment")
        #expect(Set(outbound.compactMap(\.commentId)).count == count, "no comment notified twice")
        #expect(h.inboxCount() == 0)
        #expect(h.processedCount() == count)
    }

    @Test("serve killed while ingesting and while sending, ≥ 20 times: every notification delivered, at most one duplicate per kill (counted at the sink)")
    func serveKills() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build` (make test does it): \(CommandLineTests.binary)")
        var rng = SplitMix64(seed: TestSeed.make("serveKills"))
        // Servers of its own: the sink's file count is this test's delivery count.
        let servers = try TestServers.startPrivate()
        defer { servers.stopAll() }
        let h = try RelayHarness(servers: servers, pollInterval: "1s", idle: false)
        let note = try IngestTests.setUp(h)
        let liz = h.address("liz").address, ann = h.address("ann").address
        let count = 1500
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Served reply \(i).", messageID: "served\(i)@client.example"))
        }
        func committed() -> Int { (try? h.relay.store.read { try $0.inboundCount() }) ?? 0 }
        func delivered() -> Int { servers.sunkCount() }
        let baseline = delivered()
        func progress() -> Int { committed() + delivered() - baseline }
        let end = 2 * count  // every reply committed and its notification delivered once
        var landed = 0, landedSending = 0, runs = 0
        while landed < Self.wantedKills && runs < 80 {
            runs += 1
            let before = progress()
            guard before < end else { break }
            let target = before + Int.random(in: 1...120, using: &rng)
            let p = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve-\(runs).log")
            while p.process.isRunning && progress() < target { usleep(2_000) }
            let killed = p.process.isRunning
            if killed { p.signal(SIGKILL) }
            _ = p.waitExit(10)
            let after = progress()
            if killed && after > before && after < end {
                landed += 1
                if committed() == count { landedSending += 1 }
            }
        }
        print("serveKills: \(landed) kills landed mid-work in \(runs) runs (\(landedSending) after ingest had finished, while sending)")
        #expect(landed >= Self.wantedKills, "only \(landed) kills landed between the first commit and the end")

        let last = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve-final.log")
        let done = TestServers.eventually(timeout: 120) {
            committed() == count && ((try? h.relay.store.read { try $0.outboundCount(status: "sent") }) ?? 0) == count + 1
        }
        last.signal(SIGTERM)
        #expect(last.waitExit(15) == 0)
        #expect(done, "not everything was ingested and sent: \(last.log.suffix(1500))")

        let outbound = try h.relay.store.read { try $0.outbound(limit: 100_000) }.filter { $0.kind == "new-comment" }
        #expect(outbound.count == count, "one notification per reply")
        var copies: [String: Int] = [:]
        for message in servers.sunk(to: liz) {
            if let id = message.header("Message-ID") { copies[id, default: 0] += 1 }
        }
        let lost = outbound.filter { copies["<\($0.messageId)>"] == nil && copies[$0.messageId] == nil }
        let duplicates = copies.values.reduce(0) { $0 + max(0, $1 - 1) }
        print("serveKills: \(outbound.count) notifications, \(lost.count) lost, \(duplicates) duplicates for \(landed + 1) crashes")
        #expect(lost.isEmpty, "every notification is delivered: \(lost.prefix(5).map(\.messageId))")
        #expect(duplicates <= runs, "at most one duplicate per kill (\(runs) processes killed or stopped)")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(comments.count == count)
        #expect(h.inboxCount() == 0)
    }

    /// (case, rule): where in a MOVE the kill lands. The proxy holds the bytes, so the
    /// kill provably comes while Parley waits for the MOVE to finish.
    static let moveKills: [(String, String)] = [
        ("before the server got the MOVE", #"{"id":"m","direction":"client","match":"UID MOVE [^\\r\\n]*\\r\\n","action":"stall","times":1}"#),
        ("after the server did the MOVE, before its answer", #"{"id":"m","direction":"server","after_client":"UID MOVE","match":"OK","action":"stall","times":1}"#),
    ]

    @Test("SIGKILL in the middle of a MOVE: the next pass finishes it, every reply once, the inbox empty", arguments: moveKills)
    func killDuringMove(name: String, rule: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "the parley binary is built by `swift build`: \(TestServers.parleyBinary)")
        let proxy = try FaultProxy(targetPort: TestServers.shared.imapPort)
        defer { proxy.stop() }
        try proxy.setRules("[\(rule)]")
        let h = try RelayHarness { toml in
            toml.replacingOccurrences(of: "imap://127.0.0.1:\(TestServers.shared.imapPort)/", with: "imap://127.0.0.1:\(proxy.port)/")
        }
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        let count = 250
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Moved reply \(i).", messageID: "mv\(i)@client.example"))
        }
        let p = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/poll-move.log")
        #expect(TestServers.eventually(timeout: 60) { proxy.fired("m") >= 1 }, "the MOVE never came: \(p.log.suffix(1000))")
        #expect(p.process.isRunning, "still waiting for the MOVE's answer")
        p.signal(SIGKILL)
        _ = p.waitExit(10)
        try proxy.setRules("[]")
        let committed = try h.relay.store.read { try $0.inboundCount() }
        #expect(committed > 0, "\(name): committed before the MOVE")
        let again = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/poll-after.log")
        #expect(again.waitExit(120) == 0, "\(again.log.suffix(1500))")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(comments.count == count && Set(comments.map(\.body)).count == count, "\(name): every reply once")
        #expect(h.inboxCount() == 0)
        #expect(h.processedCount() == count)
    }

    /// Whether a thread of `pid` is blocked opening a FIFO (the kernel's
    /// `wait_for_partner`): the rewrite has reached the file the test put in its way.
    static func blockedOnFIFO(_ pid: Int32) -> Bool {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.contains { tid in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/wchan", encoding: .utf8)) ?? "").contains("wait_for_partner")
        }
    }

    @Test("SIGKILL in the middle of a view rewrite: the request survives, the next run writes the whole thread and clears the leftover")
    func killDuringViewRewrite() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "the parley binary is built by `swift build`: \(TestServers.parleyBinary)")
        let h = try RelayHarness()
        let note = try IngestTests.setUp(h)
        _ = try h.relay.publishPending()
        let ann = h.address("ann").address
        let count = 120
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Viewed reply \(i).", messageID: "vw\(i)@client.example"))
        }
        let out = h.dir + "/public/p"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let p = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/poll-view.log")
        // The rewrite's temporary files are FIFOs: opening one for writing blocks until
        // a reader comes, so the process stops inside the rewrite, where it is killed.
        for name in ["comments.html", "comments.json", "comments.atom"] {
            #expect(mkfifo(out + "/\(name).tmp-\(p.process.processIdentifier)", 0o644) == 0)
        }
        #expect(TestServers.eventually(timeout: 60) { Self.blockedOnFIFO(p.process.processIdentifier) }, "the rewrite never started: \(p.log.suffix(1000))")
        #expect(try h.relay.store.read { try $0.inboundCount() } == count, "ingest committed before the rewrite")
        p.signal(SIGKILL)
        _ = p.waitExit(10)
        #expect(try h.relay.store.read { try $0.pendingViewUpdates() }.map(\.postId) == ["p"], "the killed rewrite's request is still there")

        let again = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/poll-view-2.log")
        #expect(again.waitExit(60) == 0, "\(again.log.suffix(1000))")
        #expect(try h.relay.store.read { try $0.pendingViewUpdates() }.isEmpty)
        let html = try String(contentsOfFile: out + "/comments.html", encoding: .utf8)
        #expect((0..<count).allSatisfy { html.contains("Viewed reply \($0).") }, "the whole thread is on the page")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/comments.json"))) as? [Any])
        #expect(json.count == count)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "half-written files of the killed process are removed: \(leftovers)")
    }
}
