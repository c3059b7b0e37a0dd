import Foundation
import ParleyCore
import ParleyCurl
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Webmention receiving and sending (issue 15), against a real HTTP server on loopback
/// (`scripts/feedserver.py`) through libcurl: the source pages and the linked pages live
/// there.
@Suite("Webmention")
struct WebmentionTests {
    /// A harness with one post whose permalink is a page of `pages`.
    static func setUp(_ pages: FeedServer, moderation: String = "none") throws -> (RelayHarness, String) {
        let h = try RelayHarness(moderation: moderation)
        let permalink = pages.url("liz/2026/12/on-letters/")
        _ = try h.relay.addPost(id: "on-letters", title: "On letters", url: permalink, author: h.address("liz", "Liz Strauss"), conversation: nil)
        return (h, permalink)
    }

    static func note(author: String = "Zoë Ångström", text: String, linking target: String?) -> String {
        """
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>A note</title></head><body>
        <article class="h-entry">
          <a class="p-author h-card" href="/"><span class="p-name">\(author)</span></a>
          <time class="dt-published" datetime="2026-12-06T18:30:00Z">yesterday</time>
          <div class="e-content"><p>\(text)\(target.map { " <a href=\"\($0)\">Liz's post</a>" } ?? "")</p></div>
        </article></body></html>
        """
    }

    /// The post's public JSON (the static file) and its embed view.
    static func publicViews(_ h: RelayHarness) throws -> (json: String, embed: String) {
        _ = try h.relay.publishPending()
        let json = String(decoding: try #require(try h.relay.publishedView(postId: "on-letters", .json)).bytes, as: UTF8.self)
        let embed = String(decoding: try #require(try h.relay.embedThread(postId: "on-letters", url: nil)).json(), as: UTF8.self)
        return (json, embed)
    }

    @Test("a mention that links the post is verified and shown with its h-entry's author and text; a re-send updates it; 404 and a removed link take it away")
    func verifiedUpdatedRemoved() throws {
        let pages = try FeedServer()
        let (h, permalink) = try Self.setUp(pages)
        try pages.put("zoe/notes/1.html", Self.note(text: "Letters are the best way to think aloud.", linking: permalink))
        let source = pages.url("zoe/notes/1.html")

        #expect(try h.relay.receiveWebmention(source: source, target: permalink) == .accepted(id: 1))
        #expect(try Self.publicViews(h).json.contains("think aloud") == false, "nothing is shown before verification")
        let fetcher = try CurlFeedFetcher()
        #expect(try h.relay.verifyWebmentions(fetcher: fetcher) == 1)
        var m = try #require(try h.relay.webmentions(status: nil).first)
        #expect(m.status == "published")
        #expect(m.authorName == "Zoë Ångström")
        var views = try Self.publicViews(h)
        for view in [views.json, views.embed] {
            #expect(view.contains("\"kind\" : \"mention\""))
            #expect(view.contains("Zoë Ångström"))
            #expect(view.contains("Letters are the best way to think aloud. Liz's post"))
            #expect(view.contains("\"url\" : \"\(source)\""))
        }
        let html = String(decoding: try #require(try h.relay.publishedView(postId: "on-letters", .html)).bytes, as: UTF8.self)
        #expect(try String(contentsOfFile: h.dir + "/public/on-letters/comments.json", encoding: .utf8).contains("Zoë Ångström"),
                "the static file is rewritten when a mention is published")
        #expect(html.contains("mentioned this post on"))
        #expect(html.contains(#"<link rel="webmention" href="#))

        // Re-sent after an edit: the thread shows the new text.
        try pages.put("zoe/notes/1.html", Self.note(text: "Edited: letters beat tweets.", linking: permalink))
        #expect(try h.relay.receiveWebmention(source: source, target: permalink) == .accepted(id: 1))
        try h.relay.verifyWebmentions(fetcher: fetcher)
        views = try Self.publicViews(h)
        #expect(views.json.contains("Edited: letters beat tweets.") && !views.json.contains("think aloud"))

        // The link removed: re-sent, it disappears.
        try pages.put("zoe/notes/1.html", Self.note(text: "Never mind.", linking: nil))
        _ = try h.relay.receiveWebmention(source: source, target: permalink)
        try h.relay.verifyWebmentions(fetcher: fetcher)
        m = try #require(try h.relay.webmentions(status: nil).first)
        #expect(m.status == "removed" && m.reason.contains("does not link"))
        #expect(!(try Self.publicViews(h).json.contains("\"mention\"")))

        // Back, then the page deleted (404): removed again.
        try pages.put("zoe/notes/1.html", Self.note(text: "Back again.", linking: permalink))
        _ = try h.relay.receiveWebmention(source: source, target: permalink)
        try h.relay.verifyWebmentions(fetcher: fetcher)
        #expect(try Self.publicViews(h).json.contains("Back again."))
        pages.remove("zoe/notes/1.html")
        _ = try h.relay.receiveWebmention(source: source, target: permalink)
        try h.relay.verifyWebmentions(fetcher: fetcher)
        m = try #require(try h.relay.webmentions(status: nil).first)
        #expect(m.status == "removed" && m.reason == "the source answered 404")
        #expect(!(try Self.publicViews(h).json.contains("Back again.")))
    }

    @Test("refused: a source that does not link the target, a target that is no post, a 20 MB source, a source that never answers; nothing is published")
    func refusals() throws {
        let pages = try FeedServer()
        let (h, permalink) = try Self.setUp(pages)
        let fetcher = try CurlFeedFetcher()

        // Spoofed: the source exists but never links the post (a mere mention of the URL as text is no link).
        try pages.put("spam/1.html", Self.note(author: "Spammer", text: "Buy now! \(permalink)", linking: nil))
        #expect(try h.relay.receiveWebmention(source: pages.url("spam/1.html"), target: permalink) == .accepted(id: 1))
        // Not a post of this site: refused at once, nothing queued.
        guard case .refused(400, let why) = try h.relay.receiveWebmention(source: pages.url("spam/1.html"), target: pages.url("liz/unknown/")) else {
            Issue.record("a target that is no post must be refused with 400"); return
        }
        #expect(why.contains("not a post"))
        guard case .refused(400, _) = try h.relay.receiveWebmention(source: "javascript:alert(1)", target: permalink) else {
            Issue.record("a non-http source must be refused"); return
        }
        // 20 MB: refused as soon as 1 MB has arrived.
        #expect(try h.relay.receiveWebmention(source: pages.url("big/20"), target: permalink) == .accepted(id: 2))
        // A server that accepts the connection and never answers: given up after 10 s, retried later.
        #expect(try h.relay.receiveWebmention(source: pages.url("hang/never.html"), target: permalink) == .accepted(id: 3))

        let started = Date()
        #expect(try h.relay.verifyWebmentions(fetcher: fetcher) == 3)
        let took = Date().timeIntervalSince(started)
        #expect(took < 14, "the three checks took \(took) s: at most 10 s for the silent server, little for the others")
        let byID = Dictionary(uniqueKeysWithValues: try h.relay.webmentions(status: nil).map { ($0.id!, $0) })
        #expect(byID[1]?.status == "refused" && byID[1]?.reason == "the source does not link the target")
        #expect(byID[2]?.status == "refused" && byID[2]?.reason.contains("larger than 1 MB") == true)
        #expect(byID[3]?.status == "new" && byID[3]?.reason.contains("attempt 1 failed: no whole answer within 10 s") == true)
        #expect(byID[3]?.verifyAt.map { $0 > Date().addingTimeInterval(30) } == true, "retried a minute later, not at once")
        #expect(try h.relay.verifyWebmentions(fetcher: fetcher) == 0, "nothing else is due")
        let views = try Self.publicViews(h)
        #expect(!views.json.contains("mention") && !views.embed.contains("mention"), "nothing published")
    }

    @Test("sources that never answer hold up only as many others as there are fetchers: with serve's four, three silent sources and a good one are all settled within one timeout")
    func silentSourcesInParallel() throws {
        let pages = try FeedServer()
        let (h, permalink) = try Self.setUp(pages)
        for n in 1...3 { _ = try h.relay.receiveWebmention(source: pages.url("hang/silent-\(n).html"), target: permalink) }
        try pages.put("zoe/good.html", Self.note(text: "Not held up.", linking: permalink))
        _ = try h.relay.receiveWebmention(source: pages.url("zoe/good.html"), target: permalink)
        let fetchers = try (0..<Relay.webmentionFetchers).map { _ in try CurlFeedFetcher() }
        let started = Date()
        #expect(try h.relay.verifyWebmentions(fetchers: fetchers) == 4)
        let took = Date().timeIntervalSince(started)
        // One at a time this takes three timeouts (30 s) before the good one is even asked;
        // two at a time (as many as there are cores here), two.
        #expect(took < 1.8 * Double(Relay.webmentionTimeoutSeconds), "took \(took) s")
        let byStatus = Dictionary(grouping: try h.relay.webmentions(status: nil), by: \.status).mapValues(\.count)
        #expect(byStatus["published"] == 1 && byStatus["new"] == 3, "\(byStatus)")
        #expect(try Self.publicViews(h).json.contains("Not held up."))
    }

    @Test("bounded per source host: the 21st waiting verification from one host is answered 429")
    func perHostBound() throws {
        let pages = try FeedServer()
        let (h, permalink) = try Self.setUp(pages)
        for i in 1...Relay.webmentionQueuePerHost {
            #expect(try h.relay.receiveWebmention(source: pages.url("flood/\(i).html"), target: permalink) == .accepted(id: Int64(i)))
        }
        guard case .refused(429, _) = try h.relay.receiveWebmention(source: pages.url("flood/extra.html"), target: permalink) else {
            Issue.record("the 21st must be refused"); return
        }
        // Another host is not held up by this one.
        let other = pages.url("x.html").replacingOccurrences(of: "127.0.0.1", with: "localhost")
        #expect(try h.relay.receiveWebmention(source: other, target: permalink) == .accepted(id: Int64(Relay.webmentionQueuePerHost + 1)))
    }

    @Test("moderation: with moderation = all a verified mention is held until approved")
    func moderated() throws {
        let pages = try FeedServer()
        let (h, permalink) = try Self.setUp(pages, moderation: "all")
        try pages.put("zoe/2.html", Self.note(text: "Held first.", linking: permalink))
        _ = try h.relay.receiveWebmention(source: pages.url("zoe/2.html"), target: permalink)
        try h.relay.verifyWebmentions(fetcher: try CurlFeedFetcher())
        let m = try #require(try h.relay.webmentions(status: nil).first)
        #expect(m.status == "pending")
        #expect(!(try Self.publicViews(h).json.contains("Held first.")))
        _ = try h.relay.moderateWebmention(id: m.id!, approve: true)
        #expect(try Self.publicViews(h).json.contains("Held first."))
    }

    @Test("the post's author hears of each new mention by email: a held one is shown once they reply approve (a reply from anyone else is refused), a shown one is taken off by reject")
    func moderatedByEmail() throws {
        let pages = try FeedServer()
        let (h, permalink) = try Self.setUp(pages, moderation: "first-time")
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann")
        try pages.put("zoe/3.html", Self.note(text: "A first mention from this host.", linking: permalink))
        _ = try h.relay.receiveWebmention(source: pages.url("zoe/3.html"), target: permalink)
        try h.relay.verifyWebmentions(fetcher: try CurlFeedFetcher())
        let held = try #require(try h.relay.webmentions(status: "pending").first)
        #expect(try h.relay.flushOutbox().sent == 1)
        let ask = try #require(h.servers.sunk(to: liz.address).last)
        #expect(ask.header("Subject") == "Moderate: a Webmention of On letters from 127.0.0.1")
        #expect(ask.text.contains("A first mention from this host.") && ask.text.contains(pages.url("zoe/3.html")))
        #expect(ask.text.contains("approve"))

        // Someone else answering the author's notice is refused; so is a reply with words.
        try h.deliver(MailClient.reply(to: ask, from: ann.address, text: "approve"))
        try h.deliver(MailClient.reply(to: ask, from: liz.address, text: "Nice one, thanks!"))
        #expect(try h.poll().byStatus["rejected"] == 2)
        #expect(try h.relay.webmentions(status: nil).first { $0.id == held.id }?.status == "pending")
        try h.deliver(MailClient.reply(to: ask, from: liz.address, text: "approve"))
        #expect(try h.poll().byStatus["command"] == 1)
        #expect(try h.relay.webmentions(status: nil).first { $0.id == held.id }?.status == "published")
        #expect(try Self.publicViews(h).json.contains("A first mention from this host."))
        #expect(try Self.publicViews(h).json.contains("Nice one") == false, "an answer to a notice is never a comment")

        // The host is known now: the next mention is shown at once, and the author told.
        try pages.put("zoe/4.html", Self.note(text: "A second mention, shown at once.", linking: permalink))
        _ = try h.relay.receiveWebmention(source: pages.url("zoe/4.html"), target: permalink)
        try h.relay.verifyWebmentions(fetcher: try CurlFeedFetcher())
        #expect(try Self.publicViews(h).json.contains("A second mention, shown at once."))
        #expect(try h.relay.flushOutbox().sent == 1)
        let told = try #require(h.servers.sunk(to: liz.address).last)
        #expect(try StrictMailCheck.run([told]).first?.header("Subject") == "Zoë Ångström mentioned On letters")
        #expect(told.text.contains("reject"))
        try h.deliver(MailClient.reply(to: told, from: liz.address, text: "reject"))
        #expect(try h.poll().byStatus["command"] == 1)
        #expect(try Self.publicViews(h).json.contains("A second mention, shown at once.") == false)
        #expect(try h.relay.webmentions(status: "rejected").count == 1)

        // The notice's own unsubscribe link leaves the post's mail: the next mention shown
        // is not told.
        let leave = try #require(MailClient.token(in: told))
        guard case .success = try h.relay.unsubscribe(token: leave) else { Issue.record("the notice's unsubscribe link was refused"); return }
        try pages.put("zoe/5.html", Self.note(text: "A third mention.", linking: permalink))
        _ = try h.relay.receiveWebmention(source: pages.url("zoe/5.html"), target: permalink)
        try h.relay.verifyWebmentions(fetcher: try CurlFeedFetcher())
        #expect(try Self.publicViews(h).json.contains("A third mention."))
        #expect(try h.relay.flushOutbox().sent == 0)
    }

    @Test("sending: the endpoint is discovered from the Link header, else the first <link>/<a> rel=webmention, relative URLs resolved; a page without one is recorded, a failing endpoint retried")
    func sending() throws {
        let pages = try FeedServer()
        let h = try RelayHarness()
        // Four linked pages: <link> with a relative URL, a Link header (beating a body link), an <a>, none.
        try pages.put("a/post.html", #"<html><head><link rel="webmention" href="../receive/a"></head><body>A</body></html>"#)
        try pages.put("b/post.html", #"<html><head><link rel="webmention" href="/receive/wrong"></head><body>B</body></html>"#)
        try pages.put("b/post.html.headers", #"Link: </receive/b>; rel="webmention""# + "\n")
        try pages.put("c/post.html", #"<html><body><p>Talk to me: <a rel="nofollow webmention" href="/receive/c?v=1">here</a></p></body></html>"#)
        try pages.put("d/post.html", "<html><body>No endpoint here.</body></html>")
        try pages.put("e/post.html", #"<html><head><link rel="webmention" href="/status/503/receive/e"></head></html>"#)
        let links = ["a/post.html", "b/post.html", "c/post.html#comments", "d/post.html", "e/post.html"].map(pages.url)
        let source = "https://ann.example/2026/12/answer/"
        _ = try h.relay.addPost(id: "answer", title: "An answer", url: source, author: h.address("ann"), conversation: nil, links: links + [source])

        let poster = try CurlHTTPPoster(timeoutSeconds: 10)
        #expect(try h.relay.sendWebmentions(fetcher: try CurlFeedFetcher(), poster: poster) == 5, "one per linked page, never to itself")
        for name in ["a", "b", "c"] {
            let got = pages.received(name)
            #expect(got.count == 1, "endpoint \(name)")
            #expect(got.first?["source"] == source)
            #expect(got.first?["target"] == pages.url("\(name)/post.html"), "without the fragment")
        }
        #expect(pages.received("wrong").isEmpty, "the Link header wins over the body")
        let sends = Dictionary(uniqueKeysWithValues: try h.relay.webmentionSends().map { ($0.target, $0) })
        #expect(sends[pages.url("a/post.html")]?.status == "sent")
        #expect(sends[pages.url("c/post.html")]?.endpoint == pages.url("receive/c?v=1"))
        #expect(sends[pages.url("d/post.html")]?.status == "no-endpoint")
        let failing = try #require(sends[pages.url("e/post.html")])
        #expect(failing.status == "queued" && failing.reason.contains("answered 503") && failing.nextAttemptAt != nil)
    }

    @Test("a blog's new post (not its first sync) sends a Webmention to each page it links, once")
    func newFeedPostSends() throws {
        let pages = try FeedServer()
        let h = try RelayHarness(blogs: [(name: "ann", url: pages.url("ann/feed.xml"), author: "Ann <ann@ann.example>")])
        try pages.put("liz/trust/index.html", #"<html><head><link rel="webmention" href="/receive/liz"></head><body>Liz</body></html>"#)
        func item(_ n: Int) -> TestFeed.Item {
            TestFeed.Item(guid: "ann-\(n)", title: "Answer \(n)", link: "https://ann.example/answer-\(n)/",
                          date: FeedSyncTests.rfc822(Date().addingTimeInterval(Double(n) * 60)),
                          content: #"<p>Replying to <a href="\#(pages.url("liz/trust/"))">Liz on trust</a> and <a href="/about">me</a>.</p>"#)
        }
        try pages.put("ann/feed.xml", TestFeed(title: "Ann", link: "https://ann.example/", items: [item(1)]).xml)
        let blog = try h.relay.blog(named: "ann")
        let first = try FeedSyncer(relay: h.relay).sync(blog)
        #expect(first.silent && first.webmentions == 0, "the first sync sends nothing: those posts are old news")
        try pages.put("ann/feed.xml", TestFeed(title: "Ann", link: "https://ann.example/", items: [item(2), item(1)]).xml)
        let second = try FeedSyncer(relay: h.relay).sync(blog)
        #expect(second.added == 1 && second.webmentions == 2, "the linked page and the blog's own about page: \(second.line)")
        #expect(try FeedSyncer(relay: h.relay).sync(blog, force: true).webmentions == 0)
        try h.relay.sendWebmentions(fetcher: try CurlFeedFetcher(), poster: try CurlHTTPPoster())
        #expect(pages.received("liz") == [["source": "https://ann.example/answer-2/", "target": pages.url("liz/trust/")]])
    }

    @Test("a post edited in its feed tells its linked pages again: a new link is sent, a removed one re-sent (so the receiver can take it off); an unchanged feed sends nothing")
    func editedFeedPostResends() throws {
        let pages = try FeedServer()
        let h = try RelayHarness(blogs: [(name: "ann", url: pages.url("ann/feed.xml"), author: "Ann <ann@ann.example>")])
        for name in ["one", "two", "three"] {
            try pages.put("\(name)/index.html", #"<html><head><link rel="webmention" href="/receive/\#(name)"></head><body>x</body></html>"#)
        }
        func feed(_ content: String) -> String {
            TestFeed(title: "Ann", link: "https://ann.example/", items: [
                TestFeed.Item(guid: "ann-1", title: "Answer", link: "https://ann.example/answer/",
                              date: FeedSyncTests.rfc822(Date()), content: content),
            ]).xml
        }
        try pages.put("ann/feed.xml", TestFeed(title: "Ann", link: "https://ann.example/", items: []).xml)
        let blog = try h.relay.blog(named: "ann")
        _ = try FeedSyncer(relay: h.relay).sync(blog)
        let linking = { (names: [String]) in names.map { name in "<a href=\"" + pages.url(name + "/") + "\">" + name + "</a>" }.joined(separator: " ") }
        try pages.put("ann/feed.xml", feed("<p>Replying to " + linking(["one", "two"]) + ".</p>"))
        #expect(try FeedSyncer(relay: h.relay).sync(blog, force: true).webmentions == 2)
        try h.relay.sendWebmentions(fetcher: try CurlFeedFetcher(), poster: try CurlHTTPPoster())
        #expect(pages.received("one").count == 1 && pages.received("two").count == 1)
        #expect(try FeedSyncer(relay: h.relay).sync(blog, force: true).webmentions == 0, "nothing changed, nothing sent")

        // Edited: "two" is gone, "three" is new.
        try pages.put("ann/feed.xml", feed("<p>Replying to " + linking(["one", "three"]) + ", and more.</p>"))
        #expect(try FeedSyncer(relay: h.relay).sync(blog, force: true).webmentions == 3)
        try h.relay.sendWebmentions(fetcher: try CurlFeedFetcher(), poster: try CurlHTTPPoster())
        #expect(pages.received("one").count == 2)
        #expect(pages.received("two").count == 2, "the page no longer linked is told, so it can remove the mention")
        #expect(pages.received("three") == [["source": "https://ann.example/answer/", "target": pages.url("three/")]])
        let reasons = try h.relay.webmentionSends().map(\.reason)
        #expect(reasons.allSatisfy { $0.hasPrefix("the endpoint answered 2") }, "\(reasons)")
    }

    @Test("server-side request forgery: by default a source or a linked page on a loopback address (by number or by name) is never fetched and an endpoint there never posted to; each is refused with the address named")
    func privateAddressesRefused() throws {
        let pages = try FeedServer()
        let h = try RelayHarness(edit: { $0.replacingOccurrences(of: "allow_private_addresses = true", with: "allow_private_addresses = false") })
        #expect(h.relay.config.webmentionAllowPrivateAddresses == false)
        let permalink = "https://liz.example.org/2026/12/on-letters/"
        _ = try h.relay.addPost(id: "on-letters", title: "On letters", url: permalink, author: h.address("liz", "Liz Strauss"), conversation: nil)
        try pages.put("inside/admin.html", Self.note(text: "Internal page.", linking: permalink))
        let byNumber = pages.url("inside/admin.html")
        let byName = byNumber.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        #expect(try h.relay.receiveWebmention(source: byNumber, target: permalink) == .accepted(id: 1))
        #expect(try h.relay.receiveWebmention(source: byName, target: permalink) == .accepted(id: 2))
        #expect(try h.relay.verifyWebmentions(fetcher: try CurlFeedFetcher()) == 2)
        let mentions = try h.relay.webmentions(status: nil)
        #expect(mentions.count == 2)
        for m in mentions {
            #expect(m.status == "refused", "\(m.source): \(m.status) \(m.reason)")
            #expect(m.reason.contains("not a public internet address"), "\(m.reason)")
        }
        #expect(mentions.contains { $0.reason.contains("127.0.0.1") })
        #expect(pages.count("inside/admin.html", "requests") == 0, "the page was never requested")
        #expect(try h.relay.verifyWebmentions(fetcher: try CurlFeedFetcher()) == 0, "a refusal is final, not retried")

        // Sending: a linked page on loopback is not fetched, its endpoint not posted to.
        try pages.put("inside/post.html", #"<html><head><link rel="webmention" href="/receive/inside"></head><body>x</body></html>"#)
        let source = "https://ann.example/2026/12/answer/"
        _ = try h.relay.addPost(id: "answer", title: "An answer", url: source, author: h.address("ann"), conversation: nil, links: [pages.url("inside/post.html")])
        #expect(try h.relay.sendWebmentions(fetcher: try CurlFeedFetcher(), poster: try h.relay.webmentionPoster()) == 1)
        let send = try #require(try h.relay.webmentionSends().first)
        #expect(send.status == "failed" && send.reason.contains("not a public internet address"), "\(send.status): \(send.reason)")
        #expect(pages.count("inside/post.html", "requests") == 0)
        #expect(pages.received("inside").isEmpty)
    }
}
