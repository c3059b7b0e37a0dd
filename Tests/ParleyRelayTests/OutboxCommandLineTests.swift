import Foundation
import ParleyTesting
import Testing

/// `parley outbox list --json`, `outbox retry`, `subscriber list --json` through the
/// executable built beside this test bundle, as an admin runs them.
@Suite("Outbox on the command line")
struct OutboxCommandLineTests {
    /// The `parley` built in the same build folder as the running tests.
    static let binary = TestServers.parleyBinary

    func parley(_ args: [String], config: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args + ["--config", config]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func json(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "not a JSON array: \(text)")
    }

    @Test("list shows each message's status and error; retry makes deferred ones due; subscriber list shows bounces")
    func listAndRetry() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness()
        let cfg = h.configPath
        let liz = h.address("liz"), ann = h.address("ann"), bad = h.address("reject-gone"), slow = h.address("defer-busy")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for r in [bad, slow] { try h.relay.subscribe(r, post: nil, conversation: "c") }
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")

        let flush = try parley(["outbox", "flush"], config: cfg)
        #expect(flush.status == 0)
        #expect(flush.stdout.contains("1 sent, 1 deferred, 1 failed"), "\(flush.stdout)\(flush.stderr)")

        let list = try parley(["outbox", "list", "--json"], config: cfg)
        #expect(list.status == 0, "\(list.stderr)")
        let rows = try json(list.stdout)
        #expect(rows.count == 3)
        for row in rows {
            for key in ["id", "recipient", "kind", "status", "attempts", "last_error"] { #expect(row.keys.contains(key), "missing \(key)") }
            #expect(row["kind"] as? String == "new-post")
            #expect(row["attempts"] as? Int == 1)
        }
        let byRecipient = Dictionary(uniqueKeysWithValues: rows.map { ($0["recipient"] as! String, $0) })
        #expect(byRecipient[ann.address]?["status"] as? String == "sent")
        #expect(byRecipient[ann.address]?["last_error"] is NSNull)
        #expect(byRecipient[bad.address]?["status"] as? String == "failed")
        #expect((byRecipient[bad.address]?["last_error"] as? String)?.contains("550") == true)
        #expect(byRecipient[slow.address]?["status"] as? String == "deferred")
        #expect((byRecipient[slow.address]?["last_error"] as? String)?.contains("451") == true)

        // Deferred for a minute; `retry --all` makes it due now, and a flush tries it again.
        #expect(try parley(["outbox", "flush"], config: cfg).stdout.contains("0 sent, 0 deferred, 0 failed"))
        let retry = try parley(["outbox", "retry", "--all"], config: cfg)
        #expect(retry.status == 0)
        #expect(retry.stdout.contains("1 message(s) due now"), "\(retry.stdout)")
        #expect(try parley(["outbox", "flush"], config: cfg).stdout.contains("0 sent, 1 deferred, 0 failed"))
        let unknown = try parley(["outbox", "retry", "999999"], config: cfg)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no outbound message 999999"))

        let subscribers = try json(try parley(["subscriber", "list", "--json"], config: cfg).stdout)
        let badRow = try #require(subscribers.first { $0["email"] as? String == bad.address })
        #expect(badRow["bounce_score"] as? Int == 1, "a 550 refusal of the address counts as a hard bounce")
        #expect(badRow["suspended"] as? Bool == false)
    }

    @Test("retry --all also makes due a send cut by a crash (queued, next attempt ahead); lists past --limit say how many more")
    func retryCutSendAndLimits() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness()
        let cfg = h.configPath
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for i in 0..<5 { try h.relay.subscribe(h.address("reader\(i)"), post: nil, conversation: "c") }
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        // What the outbox commits just before it hands a message to the server: one
        // attempt, the next one an hour ahead. A crash right then leaves it so.
        let later = Date().addingTimeInterval(3600)
        try h.relay.store.write { tx in
            for var row in try tx.outbound(limit: 100) {
                row.attempts = 1
                row.nextAttemptAt = later
                try tx.update(row)
            }
        }
        #expect(try parley(["outbox", "flush"], config: cfg).stdout.contains("0 sent"), "nothing is due before the retry")
        let retry = try parley(["outbox", "retry", "--all"], config: cfg)
        #expect(retry.stdout.contains("6 message(s) due now"), "\(retry.stdout)\(retry.stderr)")
        #expect(try parley(["outbox", "flush"], config: cfg).stdout.contains("6 sent"))

        let limited = try parley(["outbox", "list", "--limit", "4"], config: cfg)
        #expect(limited.stdout.split(separator: "\n").count == 4)
        #expect(limited.stderr.contains("2 more not shown (6 in all)"), "\(limited.stderr)")
        let whole = try parley(["outbox", "list", "--json"], config: cfg)
        #expect(try json(whole.stdout).count == 6)
        #expect(whole.stderr.isEmpty)
        let inbound = try parley(["inbound", "list", "--limit", "1"], config: cfg)
        #expect(inbound.status == 0 && inbound.stderr.isEmpty, "no inbound mail: nothing more to say")
    }
}
