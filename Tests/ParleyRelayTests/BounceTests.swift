import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Bounces and unsubscribe requests arriving in the mailbox (Dovecot), matched to the
/// notifications Parley sent (SMTP sink).
@Suite("Bounces and unsubscribing by mail")
struct BounceTests {
    /// Liz's post `p` in a conversation with Ann; `reader` subscribed to the post. Each
    /// call of `comment()` has Ann comment and sends the notifications.
    struct Scene {
        let h: RelayHarness
        let relay: Relay
        let liz: EmailAddress, ann: EmailAddress, reader: EmailAddress
        let postNote: SunkMessage

        init(threshold: Int = 2) throws {
            h = try RelayHarness()
            relay = h.variant { $0.bounceThreshold = threshold }
            liz = h.address("liz"); ann = h.address("ann"); reader = h.address("reader", "Rea Der")
            try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
            try relay.addPost(id: "p", title: "On trust", url: "https://liz.example.org/p", author: liz, conversation: "c")
            try relay.subscribe(reader, post: "p", conversation: nil)
            _ = try relay.flushOutbox()
            postNote = try #require(h.servers.sunk(to: ann.address).first)
        }

        /// Ann comments; returns what the reader received for it, if anything.
        @discardableResult
        func comment(_ text: String) throws -> SunkMessage? {
            let before = h.servers.sunk(to: reader.address).count
            try h.deliver(MailClient.reply(to: postNote, from: ann.address, text: text))
            let pass = try relay.pollOnce()["talk"]!
            #expect(pass.byStatus["published"] == 1)
            _ = try relay.flushOutbox()
            let after = h.servers.sunk(to: reader.address)
            return after.count > before ? after.last : nil
        }

        /// Delivers a report to the mailbox and polls; returns the inbound record's reason.
        func bounce(_ bytes: [UInt8]) throws -> InboundRecord {
            try h.deliver(bytes)
            _ = try relay.pollOnce()
            return try #require(try relay.store.read { try $0.inbound(limit: 1).first })
        }

        func readerView() throws -> SubscriberView {
            try #require(try relay.subscriberViews().first { $0.email == reader.address })
        }
    }

    @Test("hard-bounce DSNs raise the score; past the threshold the address gets no more notifications")
    func hardBounces() throws {
        let s = try Scene(threshold: 2)
        let first = try #require(try s.comment("One."))
        let r1 = try s.bounce(BounceFixture.hard.report(for: first))
        #expect(r1.status == "bounce")
        #expect(r1.reason.contains("hard bounce (5.1.1)") && r1.reason.contains("VERP"), "\(r1.reason)")
        #expect(try s.readerView().bounce_score == 1)
        #expect(try s.readerView().suspended == false)

        let second = try #require(try s.comment("Two."), "below the threshold notifications go on")
        // The same report delivered again for the same message counts once.
        _ = try s.bounce(BounceFixture.hard.report(for: first))
        #expect(try s.readerView().bounce_score == 1)
        let r2 = try s.bounce(BounceFixture.hard.report(for: second))
        #expect(r2.reason.contains("suspended"), "\(r2.reason)")
        #expect(try s.readerView().bounce_score == 2)
        #expect(try s.readerView().suspended == true)

        let lizBefore = s.h.servers.sunk(to: s.liz.address).count
        #expect(try s.comment("Three.") == nil, "a suspended address is not mailed")
        #expect(s.h.servers.sunk(to: s.liz.address).count == lizBefore + 1, "everyone else still is")
        #expect(try s.h.outbox().filter { $0.recipient == s.reader.address }.count == 2)
        #expect(try s.h.outbox().first { $0.recipient == s.reader.address }?.lastError?.contains("bounced (5.1.1)") == true)
    }

    @Test("a suspension ends after the quiet period, and the score starts again")
    func suspensionEnds() throws {
        let h = try RelayHarness()
        let clock = TestClock()
        let relay = h.variant(clock: clock) { $0.bounceThreshold = 1; $0.bounceResetAfter = .seconds(86400) }
        let liz = h.address("liz"), ann = h.address("ann")
        try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        _ = try relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        try h.deliver(BounceFixture.hard.report(for: note))
        _ = try relay.pollOnce()
        #expect(try h.person(ann)?.suspendedUntil == clock.now.addingTimeInterval(86400))
        #expect(try relay.addPost(id: "p2", title: "P2", url: "https://liz.example.org/p2", author: liz, conversation: "c").isEmpty)
        clock.advance(86401)
        #expect(try relay.addPost(id: "p3", title: "P3", url: "https://liz.example.org/p3", author: liz, conversation: "c").count == 1)
    }

    @Test("soft bounces (delays) are recorded but never suspend")
    func softBounces() throws {
        let s = try Scene(threshold: 2)
        for i in 1...4 {
            let note = try #require(try s.comment("Comment \(i)."), "notification \(i) still goes to the reader")
            let r = try s.bounce(BounceFixture.soft.report(for: note))
            #expect(r.status == "bounce")
            #expect(r.reason.contains("soft bounce (4.4.1)"), "\(r.reason)")
        }
        #expect(try s.readerView().bounce_score == 0)
        #expect(try s.readerView().suspended == false)
        let person = try #require(try s.h.person(s.reader))
        #expect(try s.relay.store.read { try $0.bounces(personId: person.id!) }.count == 4)
    }

    @Test("a bounce whose VERP address was lost is matched by the returned Message-ID")
    func matchedByMessageID() throws {
        let s = try Scene()
        let note = try #require(try s.comment("One."))
        let r = try s.bounce(BounceFixture.hard.report(for: note, to: "talk@\(s.h.domain)"))
        #expect(r.reason.contains("returned Message-ID"), "\(r.reason)")
        #expect(try s.readerView().bounce_score == 1)
    }

    @Test("a forged bounce (no valid VERP token, unknown Message-ID) changes nothing")
    func forgedBounce() throws {
        let s = try Scene(threshold: 1)
        let note = try #require(try s.comment("One."))
        let forgedVERP = note.mailFrom.replacingOccurrences(of: "bounce-", with: "bounce-a")
        let r = try s.bounce(BounceFixture.hard.report(for: note, to: forgedVERP, messageID: "made-up@\(s.h.domain)"))
        #expect(r.reason.contains("not matched"), "\(r.reason)")
        #expect(try s.readerView().bounce_score == 0)
        #expect(try s.comment("Two.") != nil)
    }

    @Test("a message to the List-Unsubscribe mailto, whatever it says, unsubscribes the recipient it was sent to")
    func unsubscribeByMail() throws {
        let s = try Scene()
        let note = try #require(try s.comment("One."))
        let header = try #require(note.header("List-Unsubscribe"))
        let mailto = try #require(header.range(of: "<mailto:").map { header[$0.upperBound...] }?.prefix { $0 != "?" && $0 != ">" })
        let request = """
            From: Someone Else <someone@elsewhere.example>\r
            To: \(mailto)\r
            Subject: please take me off\r
            Date: Thu, 26 Nov 2026 11:00:00 +0000\r
            Message-ID: <unsub-\(UInt64.random(in: 0...UInt64.max))@elsewhere.example>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            I no longer want these, thanks.\r

            """
        let r = try s.bounce(Array(request.utf8))
        #expect(r.status == "command")
        #expect(r.reason.contains("\(s.reader.address) unsubscribed by mail from post p"), "\(r.reason)")
        #expect(try s.relay.commentViews(post: "p", status: nil).count == 1, "the request is not published as a comment")
        #expect(try s.comment("Two.") == nil, "no more notifications about the post")
        #expect(try s.readerView().active == false)

        // Ann's copy of a new-post notification: its mailto leaves the conversation.
        let annHeader = try #require(s.postNote.header("List-Unsubscribe"))
        let annMailto = try #require(annHeader.range(of: "<mailto:").map { annHeader[$0.upperBound...] }?.prefix { $0 != "?" && $0 != ">" })
        let r2 = try s.bounce(Array(request.replacingOccurrences(of: String(mailto), with: String(annMailto))
            .replacingOccurrences(of: "<unsub-", with: "<unsub2-").utf8))
        #expect(r2.reason.contains("\(s.ann.address) unsubscribed by mail from conversation c"), "\(r2.reason)")
        #expect(try s.relay.addPost(id: "p2", title: "P2", url: "https://liz.example.org/p2", author: s.liz, conversation: "c").isEmpty)
    }
}
