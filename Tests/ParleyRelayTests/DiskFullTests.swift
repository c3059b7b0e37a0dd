import Foundation
import ParleyRelay
import ParleyTesting
import Testing

/// The database on a small filesystem that fills up while `serve` ingests and sends.
@Suite("Disk full", .serialized)
struct DiskFullTests {
    /// A tmpfs of `megabytes` mounted at `path` (needs root, as `make test` runs).
    static func mountSmall(_ path: String, megabytes: Int) -> Bool {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return TestServers.run(["-c", "mount -t tmpfs -o size=\(megabytes)m parley-test \"$0\"", path]) == 0
    }

    static func free(_ path: String) -> Int {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    static func get(_ url: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--max-time", "5", url]
        let pipe = Pipe()
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("SQLITE_FULL: nothing uncommitted moved or sent, logged once, shown in /healthz, and all done once space is freed")
    func diskFull() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build`: \(CommandLineTests.binary)")
        try #require(getuid() == 0, "mounting a small filesystem needs root (make test runs as root)")
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("parley-full-\(UInt32.random(in: 0...UInt32.max))").path
        try #require(Self.mountSmall(mountPoint, megabytes: 16), "could not mount a tmpfs at \(mountPoint)")
        defer { TestServers.run(["-c", "umount -l \"$0\"", mountPoint]) }
        let database = mountPoint + "/parley.sqlite"
        let h = try RelayHarness(pollInterval: "1s", idle: false) { toml in
            toml.replacingOccurrences(of: #"(?m)^path = ".*parley\.sqlite"$"#, with: "path = \"\(database)\"", options: .regularExpression)
        }
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address, liz = h.address("liz").address
        let count = 400
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Reply \(i) to a full disk.", messageID: "full\(i)@client.example"))
        }
        // Leave room for a few dozen replies, then the disk is full.
        let ballast = mountPoint + "/ballast"
        let room = 500_000
        #expect(TestServers.run(["-c", "fallocate -l \(max(0, Self.free(mountPoint) - room)) \"$0\"", ballast]) == 0)
        let port = try #require(try String(contentsOfFile: h.configPath, encoding: .utf8)
            .firstMatch(of: #/listen = "127\.0\.0\.1:(\d+)"/#).map { String($0.1) })

        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(TestServers.eventually(timeout: 60) { daemon.log.contains("full") }, "the disk never filled: \(daemon.log.suffix(1500))")
        func committed() -> Int { (try? h.relay.store.read { try $0.inboundCount() }) ?? -1 }
        // While full: what left the inbox is committed; what the sink got was recorded as tried.
        for _ in 0..<3 {
            #expect(TestServers.eventually(timeout: 10) { Self.get("http://127.0.0.1:\(port)/healthz").contains("full") },
                    "/healthz says so: \(Self.get("http://127.0.0.1:\(port)/healthz"))")
            let moved = h.processedCount() + h.rejectedCount()
            #expect(moved <= committed(), "moved \(moved) but only \(committed()) committed")
            #expect(h.inboxCount() + moved == count)
            #expect(committed() < count, "the disk filled before the end")
            usleep(1_000_000)
        }
        let fullLines = daemon.log.split(separator: "\n").filter { $0.contains("mailbox=talk") && $0.contains("full") && $0.contains("retrying") }
        #expect(fullLines.count == 1, "the mailbox loop logs the full disk once, not per retry: \(fullLines)")
        #expect(daemon.process.isRunning)

        // Space is freed: everything goes through, nothing lost, nothing twice.
        try FileManager.default.removeItem(atPath: ballast)
        let done = TestServers.eventually(timeout: 120) {
            committed() == count && h.inboxCount() == 0
                && ((try? h.relay.store.read { try $0.outboundCount(status: "sent") }) ?? 0) == count + 1
        }
        #expect(done, "not all done after freeing space: \(daemon.log.suffix(2000))")
        #expect(TestServers.eventually(timeout: 10) { Self.get("http://127.0.0.1:\(port)/healthz").contains("\"ok\"") })
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(comments.count == count && Set(comments.map(\.body)).count == count)
        var copies: [String: Int] = [:]
        for m in h.servers.sunk(to: liz) { copies[m.header("Message-ID") ?? "", default: 0] += 1 }
        #expect(copies.count == count, "every notification delivered")
        #expect(copies.values.allSatisfy { $0 == 1 }, "none twice")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)
    }
}
