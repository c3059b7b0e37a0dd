import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyTesting
import Testing

/// The conversation across two blogs, end to end through `parley serve` (issue 14,
/// acceptance 2): real Dovecot, the SMTP sink, a loopback HTTP server for the feeds.
@Suite("Two-blog conversation", .serialized)
struct FeedConversationTests {
    static func lizAtom(_ entries: String) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://liz.example.org/">
        <title>Liz's letters</title><id>tag:liz.example.org,2026:feed</id><updated>2026-12-06T10:00:00Z</updated>
        <link rel="alternate" href="/"/>
        \(entries)
        </feed>
        """
    }

    @Test("Dawud's new entry → Liz notified with the excerpt → Liz's answer → Dawud told “answered” → a reader's reply lands on Liz's post")
    func twoBlogs() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let feeds = try FeedServer()
        let tag = TestServers.uniqueName("blogs")
        let dawud = EmailAddress(address: "dawud@\(tag).test", name: "Dawud Miracle")!
        let liz = EmailAddress(address: "liz@\(tag).test", name: "Liz Strauss")!
        let rita = EmailAddress(address: "rita@\(tag).test", name: "Rita Reader")!
        let h = try RelayHarness(blogs: [
            (name: "dawud", url: feeds.url("dawud/feed.xml"), author: "Dawud Miracle <\(dawud.address)>"),
            (name: "liz", url: feeds.url("liz/atom.xml"), author: "Liz Strauss <\(liz.address)>"),
            (name: "old", url: feeds.url("gone/old.xml"), author: "Liz Strauss <\(liz.address)>"),
        ], conversation: "one2one")
        try h.relay.addConversation(id: "one2one", title: "One to one", partners: [dawud, liz])
        try h.relay.subscribe(rita, post: nil, conversation: "one2one")
        try feeds.put("dawud/feed.xml", FeedSyncTests.dawudFeed([FeedSyncTests.item(1)]))
        try feeds.put("liz/atom.xml", Self.lizAtom(""))

        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        let synced = TestServers.eventually(timeout: 30) {
            ((try? h.relay.blogViews()) ?? []).allSatisfy { $0.firstSync != nil || $0.state == "gone" }
        }
        try #require(synced, "the first syncs did not happen: \(daemon.log.suffix(2000))")
        #expect(h.servers.sunk(to: liz.address).isEmpty && h.servers.sunk(to: rita.address).isEmpty, "the first sync notifies nobody")

        // Dawud publishes letter 2: Liz hears of it, with the excerpt and the link.
        try feeds.put("dawud/feed.xml", FeedSyncTests.dawudFeed([FeedSyncTests.item(2), FeedSyncTests.item(1)]))
        try #require(TestServers.eventually(timeout: 30) { h.servers.sunk(to: liz.address).count == 1 }, "Liz was not notified: \(daemon.log.suffix(2000))")
        let toLiz = MailParser.parse(h.servers.sunk(to: liz.address)[0].raw)
        #expect(toLiz.header("Subject") == "Dawud Miracle published Letter 2 to Liz")
        #expect(toLiz.text?.contains("Here's an excerpt:") == true)
        #expect(toLiz.text?.contains("this is letter number 2 of our conversation") == true)

        // Liz answers on her blog, linking letter 2.
        try feeds.put("liz/atom.xml", Self.lizAtom("""
            <entry><id>tag:liz.example.org,2026:answer-2</id><title>Dear Dawud: what I learnt from letter 2</title>
            <link rel="alternate" type="text/html" href="/2026/12/answer-2/"/><updated>\(ISO8601DateFormatter().string(from: Date()))</updated>
            <category term="one2one"/>
            <content type="html">&lt;p&gt;Your &lt;a href="https://dawud.example.com/2026/12/letter-2"&gt;letter&lt;/a&gt; asked how we start. I start with the reader.&lt;/p&gt;</content></entry>
            """))
        try #require(TestServers.eventually(timeout: 30) { h.servers.sunk(to: dawud.address).count == 1 }, "Dawud was not notified: \(daemon.log.suffix(2000))")
        let toDawud = MailParser.parse(h.servers.sunk(to: dawud.address)[0].raw)
        #expect(toDawud.header("Subject") == "Liz Strauss answered your post “Letter 2 to Liz” with “Dear Dawud: what I learnt from letter 2”")

        // post show --json, through the binary.
        let answer = try #require(try h.relay.store.read { try $0.post(blog: "liz", entryId: "tag:liz.example.org,2026:answer-2") })
        let show = try ParleyProcess(["post", "show", answer.id, "--json"], config: h.configPath, logPath: h.dir + "/show.log")
        #expect(show.waitExit(30) == 0)
        let shown = try JSONSerialization.jsonObject(with: Data(show.log.utf8)) as? [String: Any]
        #expect(shown?["answers"] as? String == FeedPostID.make(blog: "dawud", entryId: "https://dawud.example.com/?p=102"))

        // Rita, who follows the conversation, replies to her notification of Liz's answer.
        try #require(TestServers.eventually(timeout: 30) { h.servers.sunk(to: rita.address).count == 2 })
        let ritaNote = try #require(h.servers.sunk(to: rita.address).first { (MailParser.parse($0.raw).header("Subject") ?? "").contains("answered") })
        #expect(MailParser.parse(ritaNote.raw).header("Subject") == "Liz Strauss answered “Letter 2 to Liz” with “Dear Dawud: what I learnt from letter 2”")
        try h.deliver(MailClient.reply(to: ritaNote, from: "Rita Reader <\(rita.address)>", text: "Starting with the reader: yes. Thank you both."))
        let landed = TestServers.eventually(timeout: 30) { ((try? h.relay.commentViews(post: answer.id, status: "published")) ?? []).count == 1 }
        #expect(landed, "the reply did not land on Liz's post: \(daemon.log.suffix(2000))")
        #expect(try h.relay.commentViews(post: answer.id, status: nil).first?.body == "Starting with the reader: yes. Thank you both.")

        // /healthz reports both blogs fetched fine.
        let port = h.relay.config.httpListen.split(separator: ":").last.map(String.init) ?? ""
        let curl = Process()
        let pipe = Pipe()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/healthz"]
        curl.standardOutput = pipe
        try curl.run()
        let health = try JSONSerialization.jsonObject(with: pipe.fileHandleForReading.readDataToEndOfFile()) as? [String: Any]
        curl.waitUntilExit()
        let blogs = health?["blogs"] as? [String: [String: Any]]
        #expect(blogs?["dawud"]?["state"] as? String == "ok" && blogs?["liz"]?["state"] as? String == "ok")
        #expect(blogs?["old"]?["state"] as? String == "gone" && blogs?["old"]?["last_status"] as? Int == 410, "/healthz says the 410")
        #expect(feeds.count("gone/old.xml", "requests") == 1, "a gone feed is not polled again")
        #expect(daemon.log.contains("answered 410 Gone; polling of this blog stops"))

        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)
    }
}
