import Foundation
import ParleyRelay
import ParleyTesting
import Testing

/// The daemon, its faults and its crashes, through the real binary.
@Suite("Daemon", .serialized)
struct DaemonTests {
    @Test("Dovecot stopped mid-ingest and started again: the running daemon recovers by itself, nothing lost")
    func dovecotRestart() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let servers = try TestServers.startPrivate()
        defer { servers.stopAll() }
        let h = try RelayHarness(servers: servers, pollInterval: "1s", idle: false)
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        var count = 1500
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Reply \(i) across a restart.", messageID: "restart\(i)@client.example"))
        }
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        // Let it start, then pull the server away in the middle; mail keeps arriving
        // while it is down (the MTA writes to the maildir), and the daemon polls every
        // second, so it must meet the outage.
        _ = TestServers.eventually(timeout: 30) { (try? h.relay.commentViews(post: "p", status: nil).count) ?? 0 > 0 }
        servers.stopIMAP()
        for i in count..<(count + 50) {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Reply \(i) across a restart.", messageID: "restart\(i)@client.example"))
        }
        _ = TestServers.eventually(timeout: 20) { daemon.log.contains("retrying with backoff") }
        usleep(2_000_000)
        servers.startIMAP()
        count += 50
        let done = TestServers.eventually(timeout: 90) { (try? h.relay.commentViews(post: "p", status: nil).count) == count && h.inboxCount() == 0 }
        #expect(done, "not all ingested after the restart: \(daemon.log.suffix(2000))")
        #expect(daemon.log.contains("retrying with backoff"), "the outage was seen")
        #expect(daemon.log.contains("reachable again"), "and the recovery logged")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(comments.count == count)
        #expect(Set(comments.map(\.body)).count == count)
        #expect(daemon.process.isRunning, "the daemon never exits for an unreachable server")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }

    @Test("a second serve or poll on the same database refuses to start and says why; the lock goes with the process, even after SIGKILL")
    func oneDaemonPerDatabase() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness(pollInterval: "1s")
        let first = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve1.log")
        defer { if first.process.isRunning { first.signal(SIGKILL) } }
        #expect(TestServers.eventually(timeout: 30) { first.log.contains("parley serve:") }, "\(first.log)")
        for args in [["serve"], ["poll", "--once"], ["outbox", "flush"]] {
            let second = try ParleyProcess(args, config: h.configPath, logPath: h.dir + "/second-\(args[0]).log")
            #expect(second.waitExit(30) == 1, "\(args) must refuse while serve runs")
            #expect(second.log.contains("already using the database"), "\(second.log)")
            #expect(second.log.contains("pid \(first.process.processIdentifier)"), "names the process holding it: \(second.log)")
        }
        #expect(first.process.isRunning)
        first.signal(SIGKILL)
        _ = first.waitExit(10)
        let after = try ParleyProcess(["poll", "--once"], config: h.configPath, logPath: h.dir + "/after.log")
        #expect(after.waitExit(60) == 0, "a killed daemon leaves no stale lock: \(after.log)")
    }

    @Test("a wrong password: a clear message from `parley check` and in the log, and the daemon keeps retrying")
    func wrongPassword() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness(password: "not-the-password", pollInterval: "1s")
        let check = try ParleyProcess(["check"], config: h.configPath, logPath: h.dir + "/check.log")
        #expect(check.waitExit(30) == 1)
        #expect(check.log.contains("refused the login"))
        #expect(!check.log.contains("not-the-password"), "secrets are never printed")
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        // Dovecot delays each failed login by a few seconds, as real servers do: wait for
        // at least two attempts.
        _ = TestServers.eventually(timeout: 30) { daemon.log.contains("refused the login") }
        usleep(8_000_000)
        #expect(daemon.process.isRunning)
        let log = daemon.log
        #expect(log.contains("refused the login"))
        #expect(log.components(separatedBy: "refused the login").count - 1 == 1, "logged once per change of state, not per retry")
        #expect(!log.contains("not-the-password"))
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }

    @Test("SIGTERM in the middle of a backlog: exit 0 within 10 s; a restart finishes with nothing lost or doubled")
    func sigterm() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness(pollInterval: "1s")
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        let count = 600
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Term reply \(i).", messageID: "term\(i)@client.example"))
        }
        let first = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve1.log")
        _ = TestServers.eventually(timeout: 30) { (try? h.relay.commentViews(post: "p", status: nil).count) ?? 0 > 0 }
        first.signal(SIGTERM)
        let start = Date()
        let status = first.waitExit(10)
        #expect(status == 0, "\(first.log.suffix(1500))")
        #expect(Date().timeIntervalSince(start) < 10)
        let second = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve2.log")
        let done = TestServers.eventually(timeout: 90) { (try? h.relay.commentViews(post: "p", status: nil).count) == count && h.inboxCount() == 0 }
        second.signal(SIGTERM)
        #expect(second.waitExit(10) == 0)
        #expect(done)
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(comments.count == count)
        #expect(Set(comments.map(\.body)).count == count)
    }
}
