import Foundation
import ParleyRelay
import ParleyTesting
import Testing

/// `parley backup FILE` while `serve` ingests, and the README's restore procedure.
@Suite("Backup and restore", .serialized)
struct BackupTests {
    func run(_ args: [String], config: String, dir: String, name: String) throws -> (status: Int32?, out: String) {
        let p = try ParleyProcess(args, config: config, logPath: dir + "/\(name).log")
        let status = p.waitExit(60)
        return (status, p.log)
    }

    func rows(_ args: [String], config: String, dir: String, name: String) throws -> [[String: String]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = args + ["--json", "--limit", "1000000", "--config", config]
        let out = Pipe()
        p.standardOutput = out
        let errPath = dir + "/\(name).stderr"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let parsed = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        let array = try #require(parsed, "\(args) on \(config) exited \(p.terminationStatus) with \(data.count) bytes of output: \(stderr.suffix(800))")
        return array.map { row in row.mapValues { "\($0)" } }
    }

    @Test("a backup taken under load restores to a database whose inbound and outbound lists match what was committed when it was taken")
    func backupUnderLoad() throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build`: \(CommandLineTests.binary)")
        let h = try RelayHarness(pollInterval: "1s", idle: false)
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        let count = 1500
        for i in 0..<count {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Backed-up reply \(i).", messageID: "bk\(i)@client.example"))
        }
        func committed() -> Int { (try? h.relay.store.read { try $0.inboundCount() }) ?? 0 }
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        // Under load: once some replies are committed and before all are.
        #expect(TestServers.eventually(timeout: 60) { committed() >= 100 })
        let file = h.dir + "/backup-1.sqlite"
        let backup = try run(["backup", file], config: h.configPath, dir: h.dir, name: "backup1")
        let atBackup = committed()
        #expect(backup.status == 0, "\(backup.out)")
        #expect(backup.out.contains("integrity ok"))
        #expect(TestServers.eventually(timeout: 90) { committed() == count && h.inboxCount() == 0 })
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)
        #expect(try run(["backup", file], config: h.configPath, dir: h.dir, name: "backup-again").status == 1, "never overwrites")

        // Restore as README says: the copy becomes the database of an installation.
        let restoredDir = h.dir + "/restored"
        try FileManager.default.createDirectory(atPath: restoredDir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: restoredDir + "/parley.sqlite")
        let restoredConfig = restoredDir + "/parley.toml"
        try String(contentsOfFile: h.configPath, encoding: .utf8)
            .replacingOccurrences(of: "path = \"\(h.dir)/parley.sqlite\"", with: "path = \"\(restoredDir)/parley.sqlite\"")
            .write(toFile: restoredConfig, atomically: true, encoding: .utf8)
        let restoredInbound = try rows(["inbound", "list"], config: restoredConfig, dir: restoredDir, name: "in")
        let liveInbound = Dictionary(uniqueKeysWithValues: try rows(["inbound", "list"], config: h.configPath, dir: h.dir, name: "in").map { ($0["id"]!, $0) })
        print("backupUnderLoad: backup holds \(restoredInbound.count) of \(count) inbound messages (\(atBackup) committed right after it)")
        #expect(restoredInbound.count > 0 && restoredInbound.count < count, "taken mid-ingest")
        #expect(restoredInbound.count <= atBackup)
        for row in restoredInbound { #expect(liveInbound[row["id"]!] == row, "inbound \(row["id"]!) as committed") }
        let restoredOutbound = try rows(["outbox", "list"], config: restoredConfig, dir: restoredDir, name: "out")
        let liveOutbound = Dictionary(uniqueKeysWithValues: try rows(["outbox", "list"], config: h.configPath, dir: h.dir, name: "out").map { ($0["id"]!, $0) })
        #expect(restoredOutbound.count >= restoredInbound.count, "each published reply's notification is in the same snapshot")
        for row in restoredOutbound {
            let live = liveOutbound[row["id"]!]
            #expect(live?["message_id"] == row["message_id"] && live?["recipient"] == row["recipient"] && live?["kind"] == row["kind"])
        }

        // A backup of the quiet database lists exactly what the live one does.
        let quiet = h.dir + "/backup-2.sqlite"
        #expect(try run(["backup", quiet], config: h.configPath, dir: h.dir, name: "backup2").status == 0)
        // As README says: the database file and its -wal/-shm go aside together. A stale
        // log left beside a restored file is replayed into it by SQLite and corrupts it
        // (seen here once: "database disk image is malformed").
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: restoredDir + "/parley.sqlite" + suffix) }
        try FileManager.default.copyItem(atPath: quiet, toPath: restoredDir + "/parley.sqlite")
        #expect(try rows(["inbound", "list"], config: restoredConfig, dir: restoredDir, name: "in2") == rows(["inbound", "list"], config: h.configPath, dir: h.dir, name: "in2"))
        #expect(try rows(["outbox", "list"], config: restoredConfig, dir: restoredDir, name: "out2") == rows(["outbox", "list"], config: h.configPath, dir: h.dir, name: "out2"))
    }
}
