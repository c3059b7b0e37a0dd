import Foundation
import Logging
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Posts from the blogs' own feeds (issue 14): what a sync registers, whom it notifies
/// and when, against a real HTTP server on loopback and real libcurl.
@Suite("Feed sync")
struct FeedSyncTests {
    static func dawudFeed(_ items: [TestFeed.Item]) -> String {
        TestFeed(title: "Dawud's blog", link: "https://dawud.example.com/", items: items).xml
    }

    static func item(_ n: Int, categories: [String] = ["one2one"], content: String? = nil, title: String? = nil) -> TestFeed.Item {
        TestFeed.Item(guid: "https://dawud.example.com/?p=\(100 + n)", title: title ?? "Letter \(n) to Liz",
                      link: "https://dawud.example.com/2026/12/letter-\(n)/", date: rfc822(Date().addingTimeInterval(Double(n - 10) * 60)),
                      categories: categories,
                      content: content ?? "<p>Dear Liz, this is letter number \(n) of our conversation about writing.</p>")
    }

    /// Letters are dated minutes ago: an entry dated long before the blog's first sync
    /// would register silently.
    static func rfc822(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    @Test("first sync notifies nobody; a later entry notifies partner and subscribers exactly once, across a restart and a repeated, reordered feed")
    func firstSyncSilentThenExactlyOnce() throws {
        let feeds = try FeedServer()
        let h0 = try RelayHarness(blogs: [])
        let dawud = h0.address("dawud", "Dawud Miracle"), liz = h0.address("liz", "Liz Strauss"), reader = h0.address("reader", "Rita Reader")
        let h = try RelayHarness(blogs: [(name: "dawud", url: feeds.url("dawud.xml"), author: "Dawud Miracle <\(dawud.address)>")], conversation: "one2one")
        try h.relay.addConversation(id: "one2one", title: "One to one", partners: [dawud, liz])
        try h.relay.subscribe(reader, post: nil, conversation: "one2one")
        let blog = try h.relay.blog(named: "dawud")

        // Day one: two letters and an off-topic post are already in the feed.
        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(2), Self.item(1, categories: ["cooking"]), Self.item(0)]))
        let first = try FeedSyncer(relay: h.relay).sync(blog)
        #expect(first.outcome == .updated)
        #expect(first.added == 3 && first.notified == 0 && first.silent)
        #expect(try h.outbound().isEmpty, "the first sync registers the feed silently")
        let offTopic = try #require(try h.relay.store.read { try $0.post(blog: "dawud", entryId: "https://dawud.example.com/?p=101") })
        #expect(offTopic.conversationId == nil, "an entry without the category is a post outside the conversation")
        let onTopic = try #require(try h.relay.store.read { try $0.post(blog: "dawud", entryId: "https://dawud.example.com/?p=102") })
        #expect(onTopic.conversationId == "one2one")
        #expect(onTopic.id == FeedPostID.make(blog: "dawud", entryId: "https://dawud.example.com/?p=102"))

        // A new letter: Liz and the subscriber are told, with the excerpt and the link.
        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(3), Self.item(2), Self.item(1, categories: ["cooking"]), Self.item(0)]))
        let second = try FeedSyncer(relay: h.relay).sync(blog)
        #expect(second.added == 1 && second.notified == 2)
        let queued = try h.outbound(kind: "new-post")
        #expect(Set(queued.map(\.recipient)) == [liz.address, reader.address])
        let mail = MailParser.parse(Array(try #require(queued.first { $0.recipient == liz.address }).raw))
        #expect(mail.header("Subject") == "Dawud Miracle published Letter 3 to Liz")
        #expect(mail.text?.contains("Here's an excerpt:") == true)
        #expect(mail.text?.contains("Dear Liz, this is letter number 3 of our conversation about writing.") == true)
        #expect(mail.text?.contains("https://dawud.example.com/2026/12/letter-3/") == true)

        // Restart (a new process: a new Relay and syncer on the same database), then the
        // feed repeats letter 3, reorders everything and changes no validator (new bytes).
        let again = try Relay.open(config: h.relay.config, logger: Logger(label: "test"))
        let shuffled = [Self.item(0), Self.item(3), Self.item(1, categories: ["cooking"]), Self.item(3), Self.item(2)]
        try feeds.put("dawud.xml", Self.dawudFeed(shuffled) + "<!-- regenerated -->")
        let third = try FeedSyncer(relay: again).sync(blog)
        #expect(third.outcome == .updated && third.added == 0 && third.notified == 0)
        #expect(try h.outbound().count == 2, "nobody is notified twice")

        // An edited entry updates its post silently; a vanished entry leaves its post alone.
        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(3, title: "Letter 3 to Liz (revised)"), Self.item(2)]))
        let fourth = try FeedSyncer(relay: again).sync(blog)
        #expect(fourth.changed == 1 && fourth.added == 0 && fourth.notified == 0)
        let letter3 = try #require(try again.store.read { try $0.post(blog: "dawud", entryId: "https://dawud.example.com/?p=103") })
        #expect(letter3.title == "Letter 3 to Liz (revised)")
        #expect(try again.store.read { try $0.post(blog: "dawud", entryId: "https://dawud.example.com/?p=100") } != nil)
        #expect(try h.outbound().count == 2)
    }

    @Test("an entry that links the partner's post answers it: the partner hears so, both pages link each other")
    func answerAcrossBlogs() throws {
        let feeds = try FeedServer()
        let h0 = try RelayHarness(blogs: [])
        let dawud = h0.address("dawud", "Dawud Miracle"), liz = h0.address("liz", "Liz Strauss")
        let h = try RelayHarness(blogs: [
            (name: "dawud", url: feeds.url("dawud.xml"), author: "Dawud Miracle <\(dawud.address)>"),
            (name: "liz", url: feeds.url("liz/atom.xml"), author: "Liz Strauss <\(liz.address)>"),
        ], conversation: "one2one")
        try h.relay.addConversation(id: "one2one", title: "One to one", partners: [dawud, liz])
        let syncer = try FeedSyncer(relay: h.relay)
        let lizFeed = { (entries: String) in
            """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://liz.example.org/">
            <title>Liz's letters</title><id>tag:liz.example.org,2026:feed</id><updated>2026-12-06T10:00:00Z</updated>
            \(entries)
            </feed>
            """
        }
        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(1)]))
        try feeds.put("liz/atom.xml", lizFeed(""))
        #expect(try syncer.sync(h.relay.blog(named: "dawud")).silent)
        #expect(try syncer.sync(h.relay.blog(named: "liz")).silent)

        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(2), Self.item(1)]))
        #expect(try syncer.sync(h.relay.blog(named: "dawud")).notified == 1)
        // Liz answers letter 2, linking it with another scheme, host case and no trailing slash.
        try feeds.put("liz/atom.xml", lizFeed("""
            <entry><id>tag:liz.example.org,2026:answer-2</id><title>Dear Dawud, on letter 2</title>
            <link href="/2026/12/answer-2"/><published>2026-12-06T09:30:00+01:00</published>
            <category term="one2one"/><author><name>Liz Strauss</name></author>
            <content type="html">&lt;p&gt;Your &lt;a href="http://DAWUD.example.com/2026/12/letter-2"&gt;second letter&lt;/a&gt; made me think.&lt;/p&gt;</content></entry>
            """))
        let report = try syncer.sync(h.relay.blog(named: "liz"))
        #expect(report.added == 1 && report.notified == 1)
        let answer = try #require(try h.relay.store.read { try $0.post(blog: "liz", entryId: "tag:liz.example.org,2026:answer-2") })
        let letter2 = FeedPostID.make(blog: "dawud", entryId: "https://dawud.example.com/?p=102")
        #expect(answer.answersPostId == letter2)
        #expect(answer.url == "https://liz.example.org/2026/12/answer-2")
        #expect(try h.relay.store.read { try $0.answers(to: letter2) } == [answer.id])

        let toDawud = try h.outbound(kind: "new-post").filter { $0.recipient == dawud.address }
        try #require(toDawud.count == 1)
        let mail = MailParser.parse(Array(toDawud[0].raw))
        #expect(mail.header("Subject") == "Liz Strauss answered your post “Letter 2 to Liz” with “Dear Dawud, on letter 2”")
        #expect(mail.text?.contains("Liz Strauss answered your post “Letter 2 to Liz” with a new post:") == true)
        #expect(mail.text?.contains("Your second letter made me think.") == true)

        // The comments pages link each other: previous and next in the conversation.
        let letterPage = try #require(try h.relay.renderedComments(postId: letter2)).html
        #expect(letterPage.contains("Answered by <a href=\"https://liz.example.org/2026/12/answer-2\">Dear Dawud, on letter 2</a>"))
        let answerPage = try #require(try h.relay.renderedComments(postId: answer.id)).html
        #expect(answerPage.contains("In answer to <a href=\"https://dawud.example.com/2026/12/letter-2/\">Letter 2 to Liz</a>"))
    }

    @Test("a 304 costs no parse and no write; the validators kept are sent back")
    func notModifiedCostsNothing() throws {
        let feeds = try FeedServer()
        let h = try RelayHarness(blogs: [(name: "dawud", url: feeds.url("dawud.xml"), author: "Dawud <dawud@example.com>")])
        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(1)]))
        let syncer = try FeedSyncer(relay: h.relay)
        let blog = try h.relay.blog(named: "dawud")
        #expect(try syncer.sync(blog).outcome == .updated)
        let parses = syncer.parses, commits = h.relay.store.commits
        for _ in 0..<3 {
            let r = try syncer.sync(blog, force: true)
            #expect(r.outcome == .notModified && r.status == 304 && !r.parsed)
        }
        #expect(syncer.parses == parses, "a 304 is not parsed")
        #expect(h.relay.store.commits == commits, "a 304 writes nothing")
        #expect(feeds.count("dawud.xml", "304") == 3)
        #expect((feeds.stats("dawud.xml")["if_none_match"] as? String)?.hasPrefix("\"") == true)
        #expect((feeds.stats("dawud.xml")["user_agent"] as? String)?.hasPrefix("Parley/\(ParleyVersion.current)") == true)
        try feeds.put("dawud.xml", Self.dawudFeed([Self.item(2), Self.item(1)]))
        let r = try syncer.sync(blog, force: true)
        #expect(r.outcome == .updated && r.added == 1 && syncer.parses == parses + 1)
    }

    @Test("gzip, redirects (5 followed, a 6th refused), 500 then recovery with backoff, a slow server, an oversize feed")
    func fetchFaults() throws {
        let feeds = try FeedServer()
        try feeds.put("f.xml", Self.dawudFeed([Self.item(1)]))
        let paths = ["f.xml", "redirect/5/f.xml", "redirect/6/f.xml", "flaky/2/f.xml", "slow/5/f.xml", "big/12", "drip/f.xml"]
        let h = try RelayHarness(blogs: paths.enumerated().map { (name: "b\($0.offset)", url: feeds.url($0.element), author: "B <b@example.com>") })
        let syncer = try FeedSyncer(relay: h.relay)
        func sync(_ i: Int, force: Bool = false) throws -> FeedSyncReport { try syncer.sync(h.relay.blog(named: "b\(i)"), force: force) }

        #expect(try sync(0).added == 1)
        #expect(feeds.count("f.xml", "gzip") == 1, "libcurl asked for gzip and decoded it")
        #expect(try sync(1).added == 1, "five redirects are followed")
        let six = try sync(2)
        #expect(six.outcome == .failed && six.problem?.contains("more than 5 redirects") == true)

        // 500, 500, then the feed: failures back off and are recorded; recovery clears them.
        let f1 = try sync(3)
        #expect(f1.outcome == .failed && f1.status == 500)
        let waiting = try sync(3)
        #expect(waiting.outcome == .waiting, "not fetched again before the backoff is over")
        #expect(feeds.count("flaky/2/f.xml", "requests") == 1)
        let f2 = try sync(3, force: true)
        #expect(f2.outcome == .failed)
        var state = try #require(try h.relay.store.read { try $0.blog(name: "b3") })
        #expect(state.state == .failing && state.failures == 2 && state.lastStatus == 500)
        #expect(state.nextAttemptAt! > h.relay.now())
        #expect(try sync(3, force: true).added == 1)
        state = try #require(try h.relay.store.read { try $0.blog(name: "b3") })
        #expect(state.state == .ok && state.failures == 0 && state.lastError == nil)

        let started = Date()
        let slow = try sync(4)
        #expect(slow.outcome == .failed && slow.problem?.contains("within 3 s") == true)
        #expect(Date().timeIntervalSince(started) < 4.5, "the total timeout holds")
        let drip = try sync(6)
        #expect(drip.outcome == .failed && drip.problem?.contains("within 3 s") == true)
        let big = try sync(5)
        #expect(big.outcome == .failed && big.problem?.contains("larger than 10 MB") == true)
    }

    @Test("410 Gone stops the blog's polling and says so in feed list --json")
    func goneStopsPolling() throws {
        let feeds = try FeedServer()
        try feeds.put("f.xml", Self.dawudFeed([Self.item(1)]))
        let h = try RelayHarness(blogs: [(name: "old", url: feeds.url("gone/f.xml"), author: "B <b@example.com>")])
        let syncer = try FeedSyncer(relay: h.relay)
        let blog = try h.relay.blog(named: "old")
        #expect(try syncer.sync(blog).outcome == .gone)
        #expect(try syncer.sync(blog, force: true).outcome == .gone, "a forced sync of every blog leaves a gone feed alone")
        #expect(feeds.count("gone/f.xml", "requests") == 1)

        let list = try ParleyProcess(["feed", "list", "--json"], config: h.configPath, logPath: h.dir + "/list.log")
        #expect(list.waitExit(30) == 0)
        let views = try JSONSerialization.jsonObject(with: Data(list.log.utf8)) as? [[String: Any]]
        #expect(views?.first?["state"] as? String == "gone")
        #expect(views?.first?["last_status"] as? Int == 410)

        // Named, it is tried again.
        #expect(try syncer.sync(blog, force: true, retryGone: true).outcome == .gone)
        #expect(feeds.count("gone/f.xml", "requests") == 2)
    }

    @Test("parley feed inspect prints each fixture's expected JSON")
    func inspectEveryFixture() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let dir = TestServers.repoRoot + "/Tests/ParleyFeedTests/Fixtures"
        let urls = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/urls.json"))) as! [String: String]
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".expected.json") }
            .map { String($0.dropLast(".expected.json".count)) }.sorted()
        #expect(names.count >= 16)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("parley-inspect-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for name in names {
            let file = ["xml", "json"].map { "\(dir)/\(name).\($0)" }.first { FileManager.default.fileExists(atPath: $0) }!
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestServers.parleyBinary)
            p.arguments = ["feed", "inspect", file, "--url", urls[name]!]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(name)")
            let got = try JSONSerialization.jsonObject(with: data) as? NSDictionary
            let want = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).expected.json"))) as? NSDictionary
            #expect(got != nil && got == want, "\(name): parley feed inspect differs from \(name).expected.json")
        }
        // A document that is not a feed: a clear refusal, exit 1.
        let html = out + "/page.html"
        try "<!DOCTYPE html><html><body>a blog</body></html>".write(toFile: html, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestServers.parleyBinary)
        p.arguments = ["feed", "inspect", html]
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(said.contains("not a feed: the document is an HTML page"), "\(said)")
    }

    @Test("parley check reads each feed (format, entries, newest) and names what is wrong: a missing conversation, a 410")
    func checkReportsFeeds() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let feeds = try FeedServer()
        try feeds.put("f.xml", Self.dawudFeed([Self.item(2), Self.item(1, categories: ["cooking"])]))
        let h = try RelayHarness(blogs: [(name: "dawud", url: feeds.url("f.xml"), author: "Dawud <dawud@example.com>"),
                                         (name: "old", url: feeds.url("gone/f.xml"), author: "Old <old@example.com>")],
                                 conversation: "one2one")
        // No conversation yet: check says so, and a sync refuses to register posts outside it.
        let before = try ParleyProcess(["check"], config: h.configPath, logPath: h.dir + "/check1.log")
        #expect(before.waitExit(60) != 0)
        #expect(before.log.contains("blog dawud: conversation \"one2one\" does not exist"), "\(before.log)")
        let refused = try FeedSyncer(relay: h.relay).sync(h.relay.blog(named: "dawud"))
        #expect(refused.outcome == .failed && refused.problem?.contains("does not exist") == true)
        #expect(try h.relay.store.read { try $0.postCount(blog: "dawud") } == 0)

        try h.relay.addConversation(id: "one2one", title: "One to one", partners: [h.address("dawud"), h.address("liz")])
        let after = try ParleyProcess(["check"], config: h.configPath, logPath: h.dir + "/check2.log")
        #expect(after.waitExit(60) != 0, "the 410 blog still fails the check")
        #expect(after.log.contains("ok    blog dawud: RSS 2.0 feed at \(feeds.url("f.xml")), 2 entries, 1 in category \"one2one\"; newest: “Letter 2 to Liz”"), "\(after.log)")
        #expect(after.log.contains("FAIL  blog old: \(feeds.url("gone/f.xml")) answered HTTP 410 Gone"), "\(after.log)")
    }
}
