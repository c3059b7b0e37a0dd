import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Threading, trust and moderation by email, against the real Dovecot and SMTP sink.
@Suite("Threading and trust")
struct TrustTests {
    /// A conversation liz–ann with a post by Liz; Bob follows the conversation.
    func setUp(_ h: RelayHarness, subscribers: [EmailAddress] = []) throws -> (liz: EmailAddress, ann: EmailAddress) {
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann", "Ann Handley")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for s in subscribers { try h.relay.subscribe(s, post: nil, conversation: "c") }
        try h.relay.addPost(id: "trust", title: "On trust", url: "https://liz.example.org/trust", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        return (liz, ann)
    }

    @Test("a reply to a comment notification nests under that comment")
    func replyToCommentNests() throws {
        let h = try RelayHarness()
        let (liz, ann) = try setUp(h)
        let toAnn = try #require(h.servers.sunk(to: ann.address).first)
        try h.deliver(MailClient.reply(to: toAnn, from: ann.description, text: "Ann's top-level comment."))
        #expect(try h.poll().byStatus["published"] == 1)
        _ = try h.relay.flushOutbox()
        // Liz answers the notification of Ann's comment.
        let toLiz = try #require(h.servers.sunk(to: liz.address).last)
        try h.deliver(MailClient.reply(to: toLiz, from: liz.description, text: "Liz answers Ann."))
        #expect(try h.poll().byStatus["published"] == 1)
        let comments = try h.relay.commentViews(post: "trust", status: "published")
        try #require(comments.count == 2)
        #expect(comments[1].body == "Liz answers Ann.")
        #expect(comments[1].parent == comments[0].id, "nested under Ann's comment")
        #expect(comments[0].parent == nil)
        // And Ann is told that Liz replied to her.
        _ = try h.relay.flushOutbox()
        let reply = try #require(h.servers.sunk(to: ann.address).last)
        #expect(MailParser.parse(reply.raw).text?.contains("Liz answers Ann.") == true)
    }

    @Test("a sender whose address a server changed in case is still the token's recipient")
    func caseFoldedSender() throws {
        let h = try RelayHarness(moderation: "all")
        let (_, ann) = try setUp(h)
        let note = try #require(h.servers.sunk(to: ann.address).first)
        try h.deliver(MailClient.reply(to: note, from: "Ann <\(ann.address.uppercased())>", text: "Shouting address, same person."))
        #expect(try h.poll().byStatus["published"] == 1, "a partner is never held, and ANN@… is ann@…")
        #expect(try h.relay.commentViews(post: "trust", status: "published").map(\.authorEmail) == [ann.address])
    }

    @Test("a forwarded notification answered by someone else is held and its post's author is asked")
    func forwardedHeldAndModerationRequested() throws {
        let h = try RelayHarness()
        let (liz, ann) = try setUp(h)
        let note = try #require(h.servers.sunk(to: ann.address).first)
        let mallory = h.address("mallory")
        try h.deliver(MailClient.reply(to: note, from: "Ann Handley <\(mallory.address)>", text: "I am Ann, honest"))
        #expect(try h.poll().byStatus["pending"] == 1)
        #expect(try h.relay.commentViews(post: "trust", status: "published").isEmpty)
        #expect(try h.relay.commentViews(post: "trust", status: "pending").map(\.authorEmail) == [mallory.address])
        #expect(try h.relay.flushOutbox().sent == 1)
        let request = try #require(h.servers.sunk(to: liz.address).last)
        #expect(request.header("Subject")?.hasPrefix("Moderate:") == true)
        #expect(MailParser.parse(request.raw).text?.contains("I am Ann, honest") == true)
        #expect(h.servers.sunk(to: ann.address).count == 1, "Ann is told nothing: nothing was published")
    }

    @Test("moderation by email under first-time: held, the author asked, approve publishes and notifies, reject does not")
    func moderationByEmail() throws {
        let h = try RelayHarness(moderation: "first-time")
        let bob = h.address("bob", "Bob Reader"), carol = h.address("carol", "Carol Reader")
        let (liz, ann) = try setUp(h, subscribers: [bob, carol])

        // Bob's first comment is held; Liz (the post's author) gets a moderation request.
        let toBob = try #require(h.servers.sunk(to: bob.address).first)
        try h.deliver(MailClient.reply(to: toBob, from: bob.description, text: "Bob's first words here."))
        #expect(try h.poll().byStatus["pending"] == 1)
        #expect(try h.relay.flushOutbox().sent == 1)
        let request = try #require(h.servers.sunk(to: liz.address).last)
        #expect(request.header("Subject")?.contains("Moderate") == true)
        let requestText = MailParser.parse(request.raw).text ?? ""
        #expect(requestText.contains("Bob's first words here."))
        #expect(requestText.contains("approve") && requestText.contains("reject"))
        #expect(h.view("trust", "comments.html")?.contains("Bob") != true, "nothing of Bob's is published yet")

        // Someone else than Liz cannot approve with Liz's request (Ann got it forwarded).
        try h.deliver(MailClient.reply(to: request, from: ann.description, text: "approve"))
        _ = try h.poll()
        #expect(try h.relay.commentViews(post: "trust", status: "pending").count == 1)

        // Liz approves by replying "approve": published, notified, the word is no comment.
        try h.deliver(MailClient.reply(to: request, from: liz.description, text: "Approve"))
        #expect(try h.poll().byStatus["command"] == 1)
        let published = try h.relay.commentViews(post: "trust", status: "published")
        #expect(published.map(\.body) == ["Bob's first words here."])
        #expect(published.map(\.authorEmail) == [bob.address])
        let annBefore = h.servers.sunk(to: ann.address).count
        #expect(try h.relay.flushOutbox().sent >= 1)
        let toAnn = h.servers.sunk(to: ann.address)
        #expect(toAnn.count == annBefore + 1, "the approved comment's notification goes out")
        #expect(MailParser.parse(toAnn.last!.raw).text?.contains("Bob's first words here.") == true)
        #expect(h.view("trust", "comments.html")?.contains("Bob&#39;s first words here.") == true)

        // Carol's first comment is held, and Liz rejects it.
        let toCarol = try #require(h.servers.sunk(to: carol.address).first)
        try h.deliver(MailClient.reply(to: toCarol, from: carol.description, text: "Carol's spammy words."))
        #expect(try h.poll().byStatus["pending"] == 1)
        _ = try h.relay.flushOutbox()
        let second = try #require(h.servers.sunk(to: liz.address).last { $0.header("Subject")?.contains("Moderate") == true && MailParser.parse($0.raw).text?.contains("Carol") == true })
        let sentBefore = h.sunkHere().count
        try h.deliver(MailClient.reply(to: second, from: liz.address, text: "reject"))
        #expect(try h.poll().byStatus["command"] == 1)
        #expect(try h.relay.commentViews(post: "trust", status: "rejected").map(\.body) == ["Carol's spammy words."])
        _ = try h.relay.flushOutbox()
        #expect(h.sunkHere().count == sentBefore, "a rejected comment notifies nobody")
        #expect(h.view("trust", "comments.html")?.contains("Carol") != true)

        // Neither command word ever became a comment.
        let bodies = try h.relay.commentViews(post: nil, status: nil).map { $0.body.lowercased() }
        #expect(!bodies.contains { $0.contains("approve") || $0 == "reject" })
        #expect(bodies.count == 2)
    }

    @Test("a reply to a post's public address waits until its sender confirms by replying")
    func doubleOptIn() throws {
        let h = try RelayHarness(moderation: "none")
        let (liz, _) = try setUp(h)
        let dave = h.address("dave", "Dave Stranger"), mallory = h.address("mallory")
        let address = try h.relay.publicAddress(postId: "trust")
        #expect(address.hasPrefix("talk+") && address.hasSuffix("@\(h.domain)"))

        let first = """
        From: Dave Stranger <\(dave.address)>\r
        To: \(address)\r
        Subject: My thoughts\r
        Message-ID: <dave-1@client.example>\r
        Date: Thu, 26 Nov 2026 10:00:00 +0000\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        Dave's comment through the public address.\r

        """
        try h.deliver(Array(first.utf8))
        #expect(try h.poll().byStatus["pending"] == 1)
        #expect(try h.relay.commentViews(post: "trust", status: "published").isEmpty)
        #expect(try h.relay.commentViews(post: "trust", status: "unconfirmed").map(\.body) == ["Dave's comment through the public address."])
        #expect(try h.relay.store.read { try $0.subscriptions(personId: $0.person(address: dave)!.id!) }.isEmpty, "not subscribed before confirming")
        _ = try h.relay.flushOutbox()
        let confirmation = try #require(h.servers.sunk(to: dave.address).last)
        #expect(confirmation.header("Subject")?.contains("confirm") == true)
        #expect(h.servers.sunk(to: liz.address).count == 0, "nobody hears of an unconfirmed comment")

        // Someone else answering Dave's confirmation changes nothing.
        try h.deliver(MailClient.reply(to: confirmation, from: mallory.address, text: ""))
        _ = try h.poll()
        #expect(try h.relay.commentViews(post: "trust", status: "published").isEmpty)

        // Dave replies without a word: confirmed, published, notified, subscribed to replies.
        try h.deliver(MailClient.reply(to: confirmation, from: dave.address, text: ""))
        #expect(try h.poll().byStatus["command"] == 1)
        #expect(try h.relay.commentViews(post: "trust", status: "published").map(\.authorEmail) == [dave.address])
        _ = try h.relay.flushOutbox()
        #expect(MailParser.parse(try #require(h.servers.sunk(to: liz.address).last).raw).text?.contains("Dave's comment") == true)
        #expect(try h.relay.store.read { try $0.wantsReplies(personId: $0.person(address: dave)!.id!) })
        // The comment still names the email it came from, not the confirmation (whose
        // inbound record names the comment it confirmed).
        let comment = try #require(try h.relay.store.read { try $0.comments(post: "trust", status: "published") }.first)
        let source = try #require(try h.relay.store.read { tx in try comment.inboundId.flatMap { try tx.inbound(id: $0) } })
        #expect(source.messageId == "dave-1@client.example")
        let confirming = try h.relay.store.read { try $0.inbound(status: "command") }
        #expect(confirming.count == 1 && confirming[0].commentId == comment.id)
    }
}
