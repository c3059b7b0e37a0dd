import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// The static views and the webhook, against the real servers, Chromium and a real
/// HTTP receiver.
@Suite("Publishing")
struct PublishingTests {
    static let webhookSecret = "webhook-secret-for-tests-0123456789"

    /// The JSON `comment list --json` prints (sorted keys, ISO 8601 dates).
    static func cliJSON<T: Encodable>(_ views: [T]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(views)
    }

    /// The HMAC-SHA256 signature of a body, computed by Python (not by Parley's code).
    static func expectedSignature(_ body: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestServers.uniqueName("body")).path
        try body.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try runTool(["python3", "-c", "import hmac, hashlib, sys; print('sha256=' + hmac.new(sys.argv[1].encode(), open(sys.argv[2], 'rb').read(), hashlib.sha256).hexdigest())",
                                  webhookSecret, file])
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func webhookEvents(_ receiver: WebhookReceiver) throws -> [(event: String, body: String, status: String)] {
        try receiver.requests().map { r in
            #expect(r.headers["x-parley-signature"] == (try Self.expectedSignature(r.body)), "signed with the webhook secret")
            #expect(r.headers["content-type"] == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
            let comment = try #require(object["comment"] as? [String: Any])
            return (object["event"] as? String ?? "", comment["body"] as? String ?? "", comment["status"] as? String ?? "")
        }
    }

    @Test("the views and the webhook follow each publication and each moderation decision")
    func viewsAndWebhookFollowEveryChange() throws {
        let h = try RelayHarness()
        let receiver = try WebhookReceiver()
        let relay = h.publishingRelay {
            $0.site.moderation = .firstTime
            $0.publish.webhookURL = receiver.url
            $0.publish.webhookSecret = Array(Self.webhookSecret.utf8)
        }
        let liz = h.address("liz", "Liz"), ann = h.address("ann", "Ann"), bob = h.address("bob", "Bob"), carol = h.address("carol", "Carol")
        try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try relay.subscribe(bob, post: nil, conversation: "c")
        try relay.subscribe(carol, post: nil, conversation: "c")
        try relay.addPost(id: "p", title: "On trust", url: "https://liz.example.org/trust", author: liz, conversation: "c")
        _ = try relay.flushOutbox()
        func pass() throws -> PassSummary { try relay.pollOnce()["talk"] ?? PassSummary() }
        func jsonBodies() throws -> [String] {
            let data = try #require(h.view("p", "comments.json")?.data(using: .utf8))
            let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            return array.compactMap { $0["body"] as? String }
        }

        // 1. A partner's comment is published: all three views and one webhook.
        try h.deliver(MailClient.reply(to: try #require(h.servers.sunk(to: ann.address).first), from: ann.description, text: "Ann was here."))
        #expect(try pass().byStatus["published"] == 1)
        #expect(h.view("p", "comments.html")?.contains("Ann was here.") == true)
        #expect(try jsonBodies() == ["Ann was here."])
        #expect(try atomEntryContents("\(h.dir)/public/p/comments.atom") == ["<p>Ann was here.</p>"])
        #expect(try webhookEvents(receiver).map(\.event) == ["comment.published"])

        // 2. Bob's first comment is held: the views and the webhook do not show it.
        try h.deliver(MailClient.reply(to: try #require(h.servers.sunk(to: bob.address).first), from: bob.description, text: "Bob's held words."))
        #expect(try pass().byStatus["pending"] == 1)
        #expect(try jsonBodies() == ["Ann was here."])
        #expect(try webhookEvents(receiver).count == 1)

        // 3. Approved by CLI: published, views rewritten, webhook sent.
        let bobsComment = try #require(try relay.commentViews(post: "p", status: "pending").first)
        try relay.moderate(commentId: bobsComment.id, approve: true)
        #expect(try jsonBodies() == ["Ann was here.", "Bob's held words."])
        #expect(h.view("p", "comments.html")?.contains("Bob&#39;s held words.") == true)
        #expect(try atomEntryContents("\(h.dir)/public/p/comments.atom").count == 2)
        #expect(try webhookEvents(receiver).map(\.event) == ["comment.published", "comment.published"])
        #expect(try webhookEvents(receiver).last?.body == "Bob's held words.")

        // 4. Carol's comment is held, then rejected: the webhook says so, the views stay.
        try h.deliver(MailClient.reply(to: try #require(h.servers.sunk(to: carol.address).first), from: carol.description, text: "Carol's rejected words."))
        #expect(try pass().byStatus["pending"] == 1)
        let carolsComment = try #require(try relay.commentViews(post: "p", status: "pending").first)
        try relay.moderate(commentId: carolsComment.id, approve: false)
        let events = try webhookEvents(receiver)
        #expect(events.map(\.event) == ["comment.published", "comment.published", "comment.rejected"])
        #expect(events.last?.body == "Carol's rejected words." && events.last?.status == "rejected")
        #expect(try jsonBodies() == ["Ann was here.", "Bob's held words."])
        #expect(h.view("p", "comments.html")?.contains("Carol") == false)

        // The JSON view holds the public objects of what `comment list --json` prints:
        // the same comments, without the addresses.
        let json = try #require(h.view("p", "comments.json"))
        #expect(json.data(using: .utf8) == (try Self.cliJSON(relay.commentViews(post: "p", status: "published").map { PublicComment($0) })))
        #expect(!json.contains("author_email") && !json.contains("@"))
        #expect(try relay.store.read { try $0.webhooks() }.allSatisfy { $0.status == "delivered" })
    }

    @Test("a webhook the receiver refuses is retried later with the same body and signature")
    func webhookRetried() throws {
        let h = try RelayHarness()
        let receiver = try WebhookReceiver()
        try receiver.answer(503)
        let clock = TestClock(Date())
        let relay = h.publishingRelay(clock: clock) {
            $0.publish.webhookURL = receiver.url
            $0.publish.webhookSecret = Array(Self.webhookSecret.utf8)
        }
        let liz = h.address("liz"), ann = h.address("ann")
        try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try relay.addPost(id: "p", title: "P", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try relay.flushOutbox()
        try h.deliver(MailClient.reply(to: try #require(h.servers.sunk(to: ann.address).first), from: ann.address, text: "Hello hook."))
        _ = try relay.pollOnce()
        #expect(receiver.requests().map(\.status) == [503])
        #expect(try relay.store.read { try $0.webhooks() }.map(\.status) == ["deferred"])
        // Not due yet: nothing is sent.
        try relay.publishPending()
        #expect(receiver.requests().count == 1)
        clock.advance(61)
        try receiver.answer(200)
        let summary = try relay.publishPending()
        #expect(summary.webhooks.delivered == 1)
        let requests = receiver.requests()
        #expect(requests.map(\.status) == [503, 200])
        #expect(requests[0].body == requests[1].body)
        #expect(requests[0].headers["x-parley-delivery"] == requests[1].headers["x-parley-delivery"])
        #expect(requests[1].headers["x-parley-signature"] == (try Self.expectedSignature(requests[1].body)))
    }

    @Test("injection payloads in replies are inert text in Chromium's DOM; the Atom is well-formed, the JSON valid")
    func injectionPayloadsAreInert() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/publishing/injection-payloads", withExtension: "json"))
        let payloads = try JSONDecoder().decode([String].self, from: Data(contentsOf: url))
        #expect(payloads.count >= 30)
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann", "Ann <b>\"Bold\"</b> Handley")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P <i>&amp;</i>", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        for payload in payloads {
            try h.deliver(MailClient.reply(to: note, from: ann.address, text: payload))
        }
        #expect(try h.poll().byStatus["published"] == payloads.count)
        let stored = try h.relay.commentViews(post: "p", status: "published")
        #expect(Set(stored.map(\.body)) == Set(payloads.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
                "each payload is stored as the plain text that was sent")

        let report = try chromiumDOMReport(page: "\(h.dir)/public/p/comments.html")
        #expect(report["error"] == nil)
        #expect((report["pwned"] as? [Any])?.isEmpty == true, "no payload ran script")
        #expect(report["scripts"] as? Int == 0)
        #expect((report["handlers"] as? [Any])?.isEmpty == true, "no event handler attribute anywhere")
        #expect(report["title"] as? String == "Comments on P <i>&amp;</i> · one2one")
        // The template's own elements, with its follow-by-email form (the comments are
        // checked one by one below).
        let allowedPageTags: Set<String> = ["h1", "a", "p", "ol", "li", "div", "bdi", "time", "br", "form", "label", "input", "button"]
        let pageTags = Set(report["bodyTags"] as? [String] ?? [])
        #expect(pageTags.isSubset(of: allowedPageTags), "injected elements: \(pageTags.subtracting(allowedPageTags))")

        let comments = try #require(report["comments"] as? [[String: Any]])
        #expect(comments.count == payloads.count)
        let byID = Dictionary(uniqueKeysWithValues: stored.map { ("comment-\($0.id)", $0.body) })
        func squeeze(_ s: String) -> String { s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ") }
        for comment in comments {
            let id = comment["id"] as? String ?? ""
            let body = try #require(byID[id], "a comment element \(id) that was never stored")
            #expect(squeeze(comment["text"] as? String ?? "") == squeeze(body), "the text of \(id) is shown as written")
            #expect(comment["author"] as? String == "Ann <b>\"Bold\"</b> Handley")
            for element in comment["elements"] as? [[String: Any]] ?? [] {
                let tag = element["tag"] as? String ?? ""
                let attrs = (element["attrs"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
                switch tag {
                case "p", "br":
                    #expect(attrs.isEmpty, "\(tag) with attributes in \(id)")
                case "a":
                    #expect(attrs.map(\.0).sorted() == ["href", "rel"], "link attributes in \(id): \(attrs)")
                    let href = attrs.first { $0.0 == "href" }?.1 ?? ""
                    #expect(href.hasPrefix("https://") || href.hasPrefix("http://"), "link to \(href) in \(id)")
                    #expect(attrs.first { $0.0 == "rel" }?.1 == "nofollow ugc")
                default:
                    Issue.record("element <\(tag)> injected into \(id)")
                }
            }
        }

        // The Atom feed parses as XML, and each entry carries the escaped HTML of a comment.
        let contents = try atomEntryContents("\(h.dir)/public/p/comments.atom")
        #expect(Set(contents) == Set(stored.map { CommentHTML.render($0.body) }))
        // The JSON parses, and holds every payload as plain text.
        let json = try #require(h.view("p", "comments.json")?.data(using: .utf8))
        let array = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
        #expect(Set(array.compactMap { $0["body"] as? String }) == Set(stored.map(\.body)))
    }
}
