import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// The life of a reply, against the real Dovecot and the real SMTP sink.
@Suite("End to end")
struct EndToEndTests {
    @Test("a reply by email becomes exactly one comment and notifies the partner")
    func replyBecomesComment() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann", "Ann Handley")
        try h.relay.addConversation(id: "liz-ann", title: "Liz & Ann", partners: [liz, ann])
        try h.relay.addPost(id: "trust", title: "On trust", url: "https://liz.example.org/trust", author: liz, conversation: "liz-ann")
        #expect(try h.relay.flushOutbox().sent == 1)

        // Ann's notification: a base32 token in Reply-To, the same token in Message-ID.
        let toAnn = h.servers.sunk(to: ann.address)
        try #require(toAnn.count == 1)
        let token = try #require(MailClient.token(in: toAnn[0]))
        #expect(token.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
        #expect(token.count >= 20)
        #expect(toAnn[0].header("Message-ID")?.contains(token) == true)
        #expect(h.servers.sunk(to: liz.address).isEmpty, "the author is not told of their own post")

        let newText = "Liz, this is the best thing you have written on trust.\nI will answer with a post of my own."
        try h.deliver(MailClient.reply(to: toAnn[0], from: "Ann Handley <\(ann.address)>", text: newText))
        let summary = try h.poll()
        #expect(summary.byStatus["published"] == 1)

        let comments = try h.relay.commentViews(post: "trust", status: nil)
        try #require(comments.count == 1)
        #expect(comments[0].body == newText)
        #expect(comments[0].status == "published")
        #expect(comments[0].authorEmail == ann.address)
        let inbound = try h.relay.store.read { try $0.inbound() }
        #expect(inbound.map(\.status) == ["published"])
        #expect(h.inboxCount() == 0)
        #expect(h.processedCount() == 1)

        // A second pass does nothing.
        #expect(try h.poll().fetched == 0)
        #expect(try h.relay.commentViews(post: "trust", status: nil).count == 1)

        #expect(try h.relay.flushOutbox().sent == 1)
        let toLiz = h.servers.sunk(to: liz.address)
        try #require(toLiz.count == 1)
        let lizMail = MailParser.parse(toLiz[0].raw)
        #expect(lizMail.text?.contains(newText) == true)
        #expect(lizMail.header("In-Reply-To")?.isEmpty == false)
        #expect(lizMail.header("References")?.isEmpty == false)
        #expect(h.servers.sunk(to: ann.address).count == 1, "Ann is not notified of her own comment")
    }

    @Test("a reply whose token was altered is not published")
    func alteredToken() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        let token = try #require(MailClient.token(in: note))
        // Change one character of the token; drop the threading headers too, so that
        // only the altered token is there to be found.
        let last = token.last!
        let altered = String(token.dropLast()) + (last == "a" ? "b" : "a")
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: "Forged words", to: "talk+\(altered)@\(h.domain)", keepThreading: false))
        _ = try h.poll()
        #expect(try h.relay.commentViews(post: "p", status: nil).isEmpty)
        let inbound = try h.relay.store.read { try $0.inbound() }
        #expect(inbound.first?.status == "rejected")
        #expect(inbound.first?.reason.contains("not valid") == true)
        #expect(h.rejectedCount() == 1)
        #expect(h.inboxCount() == 0)
    }

    @Test("a reply from another address than the token's recipient is held, not published under their name")
    func forwardedReplyHeld() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann", "Ann Handley")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        let mallory = h.address("mallory")
        try h.deliver(MailClient.reply(to: note, from: "Ann Handley <\(mallory.address)>", text: "I am Ann, honest"))
        _ = try h.poll()
        #expect(try h.relay.commentViews(post: "p", status: "published").isEmpty)
        let pending = try h.relay.commentViews(post: "p", status: "pending")
        try #require(pending.count == 1)
        #expect(pending[0].authorEmail == mallory.address, "held under the sender's own address, never Ann's")
        #expect(try h.relay.store.read { try $0.inbound() }.first?.status == "pending")
        #expect(try h.relay.flushOutbox().sent == 1, "nothing is announced for a held comment; only its post's author is asked")
        #expect(h.servers.sunk(to: liz.address).count == 1 && h.servers.sunk(to: ann.address).count == 1)
    }

    @Test("a reply whose sub-address was stripped is threaded through In-Reply-To")
    func strippedSubaddress() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: "Through References", to: "talk@\(h.domain)"))
        _ = try h.poll()
        #expect(try h.relay.commentViews(post: "p", status: "published").map(\.body) == ["Through References"])
    }
}
