import Foundation
import ParleyMail
import ParleyTesting
import Testing

/// The same flow through the `parley` executable and a config file, as an admin runs it.
@Suite("Command line")
struct CommandLineTests {
    static let binary = TestServers.parleyBinary

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func parley(_ args: [String], config: String, stdin: [UInt8]? = nil) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args + ["--config", config]
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test("post add --links, mention run, mention sent --json, mention list: Webmentions from the command line")
    func mentionsThroughBinary() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let pages = try FeedServer()
        let h = try RelayHarness()
        try pages.put("liz/index.html", #"<html><head><link rel="webmention" href="/receive/liz"></head></html>"#)
        let add = try parley(["post", "add", "--id", "a1", "--title", "Answer", "--url", "https://ann.example/a1/", "--author", "ann@ann.example",
                              "--links", pages.url("liz/"), pages.url("nothing/")], config: h.configPath)
        #expect(add.status == 0 && add.stdout.contains("Webmentions queued to 2 page(s)"), "\(add.stderr)")
        let bad = try parley(["post", "add", "--id", "a2", "--title", "A", "--url", "https://ann.example/a2/", "--author", "ann@ann.example",
                              "--links", "javascript:alert(1)"], config: h.configPath)
        #expect(bad.status != 0 && bad.stderr.contains("is not an http(s) URL"))
        let run = try parley(["mention", "run"], config: h.configPath)
        #expect(run.status == 0 && run.stdout.contains("0 Webmention(s) verified, 2 sent or tried"), "\(run.stdout)\(run.stderr)")
        #expect(pages.received("liz").first?["source"] == "https://ann.example/a1/")
        let sent = try parley(["mention", "sent", "--json"], config: h.configPath)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["status"] as? String }) == ["sent", "failed"], "the missing page answered 404: \(sent.stdout)")
        let list = try parley(["mention", "list"], config: h.configPath)
        #expect(list.status == 0 && list.stdout.contains("no Webmentions"))
    }

    @Test("conversation add, post add, outbox flush, poll --once, comment list --json")
    func flowThroughBinary() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness()
        let cfg = h.configPath
        let liz = h.address("liz").address, ann = h.address("ann").address
        #expect(try parley(["conversation", "add", "--id", "la", "--title", "Liz & Ann", "--partner", "Liz <\(liz)>", "--partner", "Ann <\(ann)>"], config: cfg).status == 0)
        let post = try parley(["post", "add", "--id", "p1", "--title", "Trust", "--url", "https://liz.example.org/p1", "--author", liz, "--conversation", "la"], config: cfg)
        #expect(post.status == 0, "\(post.stderr)")
        let flush = try parley(["outbox", "flush"], config: cfg)
        #expect(flush.stdout.contains("1 sent"), "\(flush.stdout) \(flush.stderr)")
        let note = try #require(h.servers.sunk(to: ann).first)

        try h.deliver(MailClient.reply(to: note, from: "Ann <\(ann)>", text: "Replying from my phone."))
        let poll = try parley(["poll", "--once"], config: cfg)
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(poll.stdout.contains("1 published"))

        let list = try parley(["comment", "list", "--post", "p1", "--json"], config: cfg)
        #expect(list.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        try #require(json.count == 1)
        #expect(json[0]["body"] as? String == "Replying from my phone.")
        #expect(json[0]["author_email"] as? String == ann)
        #expect(json[0]["post"] as? String == "p1")
        #expect(json[0]["status"] as? String == "published")
        #expect(json[0]["parent"] is NSNull)
        for key in ["id", "author_name", "created_at"] { #expect(json[0][key] != nil, "missing \(key)") }
    }

    @Test("errors name the problem and exit non-zero")
    func errors() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness()
        let bad = try parley(["post", "add", "--id", "p", "--title", "T", "--url", "u", "--author", "not an address"], config: h.configPath)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not an address like"))
        let missing = try parley(["post", "add", "--id", "p", "--title", "T", "--url", "u", "--author", "a@b.example", "--conversation", "nope"], config: h.configPath)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("conversation nope does not exist"))
        let noConfig = try parley(["outbox", "flush"], config: h.dir + "/absent.toml")
        #expect(noConfig.status != 0)
        #expect(noConfig.stderr.contains("absent.toml"))
    }
}
