import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyWeb
import Testing

/// The routes in process (HummingbirdTesting's router framework), on a real SQLite file.
@Suite("Web routes")
struct WebRouterTests {
    static func app(_ h: WebHarness, health: HealthBoard = HealthBoard()) -> some ApplicationProtocol {
        Application(router: WebRoutes(relay: h.relay, health: health, metrics: WebMetrics()).router())
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test("comments as HTML, JSON and Atom: nested thread, non-ASCII and markup escaped; the Atom feed parses")
    func comments() async throws {
        let h = try WebHarness()
        let (liz, ann) = try h.conversationAndPost()
        let first = try h.comment(post: "p", by: ann, "Grüße aus Köln — 你好 🌍\n<script>alert(1)</script> & \"quotes\"")
        let reply = try h.comment(post: "p", by: liz, "Antwort: ça va? https://example.org/a?b=1&c=2", parent: first)
        try h.comment(post: "p", by: ann, "Nested twice: ευχαριστώ", parent: reply)
        try h.comment(post: "p", by: ann, "held, not shown", status: "pending")

        try await Self.app(h).test(.router) { client in
            try await client.execute(uri: "/posts/p/comments", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains("name=\"viewport\""))
                #expect(html.contains("Grüße aus Köln — 你好 🌍"))
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
                #expect(!html.contains("<script>"))
                #expect(html.contains("class=\"comment depth-1\""))
                #expect(html.contains("class=\"comment depth-2\""))
                #expect(html.contains("Über Vertrauen"))
                #expect(!html.contains("held, not shown"))
            }
            try await client.execute(uri: "/posts/p/comments.json", method: .get) { response in
                #expect(response.status == .ok)
                // Public comment objects: no address.
                let views = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                #expect(views.count == 3)
                #expect(views.map { $0["parent"] as? Int64 } == [nil, first, reply])
                #expect(views[2]["body"] as? String == "Nested twice: ευχαριστώ")
                #expect(views.allSatisfy { $0["author_email"] == nil && $0["kind"] as? String == "comment" })
            }
            try await client.execute(uri: "/posts/p/comments.atom", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/atom+xml; charset=utf-8")
                let feed = try AtomFeed.parse(Data(buffer: response.body))
                #expect(feed.entries == 3)
                #expect(feed.title.contains("Über Vertrauen — «trust» 信頼"))
                #expect(feed.contents.contains { $0.contains("<script>alert(1)</script>") == false && $0.contains("&lt;script&gt;") })
            }
            try await client.execute(uri: "/posts/nope/comments.json", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("a post id with spaces and non-ASCII letters, percent-encoded in the URL as the views link it")
    func encodedPostID() async throws {
        let h = try WebHarness()
        let liz = h.address("liz")
        _ = try h.relay.addPost(id: "été 2026", title: "Sommer", url: "https://liz.example.org/ete", author: liz, conversation: nil)
        try h.comment(post: "été 2026", by: h.address("ann"), "Très bien")
        try await Self.app(h).test(.router) { client in
            try await client.execute(uri: "/posts/%C3%A9t%C3%A9%202026/comments", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("Très bien"))
            }
            try await client.execute(uri: "/posts/%C3%A9t%C3%A9%202026/comments.atom", method: .get) { response in
                let feed = try AtomFeed.parse(Data(buffer: response.body))
                #expect(feed.entries == 1)
                #expect(String(buffer: response.body).contains("https://talk.example.org/posts/%C3%A9t%C3%A9%202026/comments"))
            }
        }
    }

    @Test("unsubscribe: GET shows what and changes nothing; a one-click POST unsubscribes; an altered token changes nothing")
    func unsubscribe() async throws {
        let h = try WebHarness()
        let (_, ann) = try h.conversationAndPost()
        let c = try h.comment(post: "p", by: ann, "first")
        let bob = h.address("bob", "Bob")
        try h.relay.subscribe(bob, post: "p", conversation: nil)
        let bobId = try h.person(bob)
        let token = h.token(.comment, c, for: bobId)
        @Sendable func active() throws -> Int { try h.relay.store.read { try $0.subscriptions(personId: bobId) }.filter(\.active).count }
        #expect(try active() == 1)

        try await Self.app(h).test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/unsubscribe/\(token)", method: .get) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(html.contains("bob@\(h.domain)"))
                    #expect(html.contains("new comments on “Über Vertrauen"))
                    #expect(html.contains("method=\"post\""))
                    #expect(response.headers[HTTPFields.Element.Name("Referrer-Policy")!] == "no-referrer")
                }
            }
            #expect(try active() == 1, "a GET changes nothing")
            var altered = Array(token)
            altered[altered.count - 3] = altered[altered.count - 3] == "a" ? "b" : "a"
            try await client.execute(uri: "/unsubscribe/\(String(altered))", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try active() == 1, "an altered token changes nothing")
            try await client.execute(uri: "/unsubscribe/\(token)", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("will get no more emails"))
            }
            #expect(try active() == 0, "the one-click POST unsubscribes")
            // Twice is harmless.
            try await client.execute(uri: "/unsubscribe/\(token)", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("moderation: GET shows the held comment and changes nothing; POST approve publishes; only the post's author's token works")
    func moderation() async throws {
        let h = try WebHarness()
        let (liz, ann) = try h.conversationAndPost()
        let lizId = try h.person(liz), annId = try h.person(ann)
        let held = try h.comment(post: "p", by: ann, "Wait for me <b>bold</b> — ñ", status: "pending", holdReason: "first comment")
        let other = try h.comment(post: "p", by: ann, "Reject me", status: "pending", holdReason: "first comment")
        let token = h.token(.moderation, held, for: lizId)
        @Sendable func status(_ id: Int64) throws -> String? { try h.relay.store.read { try $0.comment(id: id)?.status } }

        try await Self.app(h).test(.router) { client in
            try await client.execute(uri: "/moderate/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("Wait for me &lt;b&gt;bold&lt;/b&gt; — ñ"))
                #expect(html.contains("value=\"approve\""))
            }
            #expect(try status(held) == "pending", "a GET changes nothing")
            try await client.execute(uri: "/moderate/\(token)", method: .post, headers: Self.form, body: ByteBuffer(string: "")) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try status(held) == "pending", "a POST without a decision changes nothing")
            // The comment's writer holds a token of the same kind (confirmation) but may not approve.
            let writers = h.token(.moderation, held, for: annId)
            try await client.execute(uri: "/moderate/\(writers)", method: .post, headers: Self.form, body: ByteBuffer(string: "action=approve")) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try status(held) == "pending")
            try await client.execute(uri: "/moderate/\(token)", method: .post, headers: Self.form, body: ByteBuffer(string: "action=approve")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("published"))
            }
            #expect(try status(held) == "published")
            try await client.execute(uri: "/moderate/\(token)", method: .post, headers: Self.form, body: ByteBuffer(string: "action=reject")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Already decided"))
            }
            #expect(try status(held) == "published", "a decision is not undone by a second click")
            let otherToken = h.token(.moderation, other, for: lizId)
            try await client.execute(uri: "/moderate/\(otherToken)", method: .post, headers: Self.form, body: ByteBuffer(string: "action=reject")) { response in
                #expect(response.status == .ok)
            }
            #expect(try status(other) == "rejected")
            // An unsubscribe token is not a moderation token.
            try await client.execute(uri: "/moderate/\(h.token(.comment, held, for: lizId))", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("/healthz: each mailbox's state as JSON; 503 once the database file is damaged")
    func healthz() async throws {
        let h = try WebHarness()
        let health = HealthBoard()
        health.set("talk", MailboxHealth(state: "ok", lastError: nil, lastSuccess: Date(timeIntervalSince1970: 1_800_000_000)))
        health.set("other", MailboxHealth(state: "failing", lastError: "the server refused the login", lastSuccess: nil))
        try await Self.app(h, health: health).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["status"] as? String == "ok")
                let boxes = try #require(json["mailboxes"] as? [String: [String: Any]])
                #expect(boxes["talk"]?["state"] as? String == "ok")
                #expect(boxes["talk"]?["last_success"] as? String == "2027-01-15T08:00:00Z")
                #expect(boxes["other"]?["state"] as? String == "failing")
                #expect(boxes["other"]?["last_error"] as? String == "the server refused the login")
            }
            // Damage the files under the open database (the main file and its write-ahead
            // log, where recent pages live): nothing in them is SQLite's any more.
            for suffix in ["", "-wal"] {
                let path = h.relay.config.databasePath + suffix
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try file.write(contentsOf: Data(repeating: 0x5A, count: max(size, 4096)))
                try file.close()
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["status"] as? String == "unhealthy")
                #expect((json["database"] as? String ?? "").contains("not"))
                #expect((json["mailboxes"] as? [String: Any])?["talk"] != nil)
            }
            try FileManager.default.removeItem(atPath: h.relay.config.databasePath)
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test("/metrics: outbox depth and last successful poll as Prometheus gauges")
    func metrics() async throws {
        let h = try WebHarness()
        _ = try h.conversationAndPost()  // queues one notification to ann
        let health = HealthBoard()
        health.set("talk", MailboxHealth(state: "ok", lastError: nil, lastSuccess: Date(timeIntervalSince1970: 1_800_000_000)))
        try await Self.app(h, health: health).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE parley_outbox_depth gauge"))
                #expect(text.contains("parley_outbox_depth 1"))
                #expect(text.contains("parley_last_successful_poll_timestamp_seconds{mailbox=\"talk\"} 1800000000"))
                #expect(text.contains("parley_mailbox_up{mailbox=\"talk\"} 1"))
            }
        }
    }
}

/// What a test needs of an Atom feed, read with Foundation's XMLParser (libxml2 under
/// it on Linux): parsing fails on any well-formedness error.
struct AtomFeed {
    var title = ""
    var entries = 0
    var contents: [String] = []

    struct NotWellFormed: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ data: Data) throws -> AtomFeed {
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.delegate = delegate
        guard parser.parse() else {
            throw NotWellFormed(description: "line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "parse error")")
        }
        guard delegate.root == "feed", delegate.rootNamespace == "http://www.w3.org/2005/Atom" else {
            throw NotWellFormed(description: "root element \(delegate.root) in \(delegate.rootNamespace)")
        }
        return delegate.feed
    }

    final class Delegate: NSObject, XMLParserDelegate {
        var feed = AtomFeed()
        var root = ""
        var rootNamespace = ""
        var path: [String] = []
        var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if path.isEmpty { root = name; rootNamespace = namespaceURI ?? "" }
            path.append(name)
            text = ""
            if name == "entry" { feed.entries += 1 }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if path == ["feed", "title"] { feed.title = text }
            if path.suffix(2) == ["entry", "content"] { feed.contents.append(text) }
            path.removeLast()
        }
    }
}
