import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Notifications as received at the SMTP sink, read by a strict parser (Python's `email`
/// with `policy.strict`, scripts/check_mail.py).
@Suite("Notification mail")
struct NotificationMailTests {
    @Test("every header SPEC.md lists is present and right, non-ASCII names and titles survive, the mail parses strictly")
    func headersAndStrictParse() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz Strauß"), ann = h.address("ann", "Ann Håndley-Ōno")
        let title = "Über Vertrauen — 信頼について, a long title that will need folding in the Subject header"
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "trust", title: title, url: "https://liz.example.org/trust", author: liz, conversation: "c")
        #expect(try h.relay.flushOutbox().sent == 1)
        let toAnn = try #require(h.servers.sunk(to: ann.address).first)
        try h.deliver(MailClient.reply(to: toAnn, from: "Ann Håndley-Ōno <\(ann.address)>", text: "Ja — genau so. 🙂"))
        #expect(try h.poll().byStatus["published"] == 1)
        #expect(try h.relay.flushOutbox().sent == 1)
        let toLiz = try #require(h.servers.sunk(to: liz.address).first)

        let checks = try StrictMailCheck.run([toAnn, toLiz])
        for (sunk, check) in zip([toAnn, toLiz], checks) {
            #expect(check.defects.isEmpty, "\(check.defects)")
            let token = try #require(MailClient.token(in: sunk))
            let messageID = try #require(check.header("Message-ID"))
            #expect(messageID.hasPrefix("<\(token)."), "Message-ID carries the reply token")
            #expect(messageID.hasSuffix("@\(h.domain)>"))
            #expect(check.addresses["Reply-To"]?.first?[1] == "talk+\(token)@\(h.domain)")
            #expect(check.addresses["From"]?.first == ["one2one", "talk@\(h.domain)"])
            #expect(check.header("List-Id") == "one2one <one2one.\(h.domain)>")
            let unsubscribe = try #require(check.header("List-Unsubscribe"))
            #expect(unsubscribe.contains("<https://talk.example.org/unsubscribe/\(token)>"))
            #expect(unsubscribe.contains("<mailto:talk+unsubscribe-\(token)@\(h.domain)?subject=unsubscribe>"))
            #expect(check.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
            #expect(check.header("Auto-Submitted") == "auto-generated")
            #expect(check.header("X-Auto-Response-Suppress") == "All")
            #expect(check.header("MIME-Version") == "1.0")
            #expect(check.header("Date") != nil)
            #expect(check.header("Content-Type")?.hasPrefix("multipart/alternative") == true)
            let references = MessageID.list(check.header("References"))
            #expect(references.first == "parley.post.1@\(h.domain)", "every notification of the post shares one thread root")
            #expect(MessageID.list(check.header("In-Reply-To")) == [references.last!])
            // The footer comes after a signature delimiter, in both parts.
            #expect(check.text?.contains("\n-- \n") == true)
            #expect(check.html?.contains("-- <br>") == true)
            // The envelope sender is a VERP address naming this outbound message.
            #expect(sunk.mailFrom.hasPrefix("talk+bounce-") && sunk.mailFrom.hasSuffix("@\(h.domain)"))
            // Quoted-printable bodies, RFC 2047 headers: nothing 8-bit on the wire.
            #expect(sunk.raw.allSatisfy { $0 < 128 })
            #expect(sunk.text.contains("Content-Transfer-Encoding: quoted-printable"))
        }
        #expect(checks[0].header("Subject") == "Liz Strauß published \(title)")
        #expect(checks[0].addresses["To"]?.first == ["Ann Håndley-Ōno", ann.address])
        #expect(checks[0].text?.contains(title) == true)
        #expect(checks[1].header("Subject") == "Re: \(title)")
        #expect(checks[1].addresses["To"]?.first == ["Liz Strauß", liz.address])
        #expect(checks[1].text?.contains("Ja — genau so. 🙂") == true)
        #expect(checks[1].text?.contains("Ann Håndley-Ōno commented on") == true)
        let outbound = try h.outbox()
        #expect(Set(outbound.map(\.envelopeFrom)) == Set([toAnn.mailFrom, toLiz.mailFrom]))
    }

    @Test("the comment's paragraphs are paragraphs in the HTML part (a client quoting from the HTML keeps them apart); its links are links; markup in it is text")
    func htmlParagraphs() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz"), ann = h.address("ann", "Ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        #expect(try h.relay.flushOutbox().sent == 1)
        let toAnn = try #require(h.servers.sunk(to: ann.address).first)
        let text = "First paragraph, <b>not bold</b>.\n\nSecond paragraph,\nwith a second line and https://example.org/x."
        try h.deliver(MailClient.reply(to: toAnn, from: ann.address, text: text))
        #expect(try h.poll().byStatus["published"] == 1)
        #expect(try h.relay.flushOutbox().sent == 1)
        let toLiz = try #require(h.servers.sunk(to: liz.address).first)
        let html = try #require(try StrictMailCheck.run([toLiz]).first?.html)
        #expect(!html.contains("pre-wrap"))
        #expect(html.contains("<p>First paragraph, &lt;b&gt;not bold&lt;/b&gt;.</p>\n<p>Second paragraph,<br>\nwith a second line and <a href=\"https://example.org/x\" rel=\"nofollow ugc\">https://example.org/x</a>.</p>"), "\(html)")
    }

    @Test("every notification's List-Unsubscribe works: a moderation request's link and mailto leave that post, never the person's other subscriptions")
    func unsubscribeFromEveryKind() throws {
        let h = try RelayHarness(moderation: "all")
        let liz = h.address("liz", "Liz"), ann = h.address("ann", "Ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addConversation(id: "d", title: "D", partners: [liz, h.address("bea")])
        let reader = h.address("reader", "Rea")
        try h.relay.subscribe(reader, post: nil, conversation: "c")
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        try h.relay.subscribe(liz, post: nil, conversation: "d")
        _ = try h.relay.flushOutbox()
        let toReader = try #require(h.servers.sunk(to: reader.address).first)
        for n in 1...2 {
            try h.deliver(MailClient.reply(to: toReader, from: reader.address, text: "Held comment \(n).", messageID: "held-\(n)@client.example"))
        }
        #expect(try h.poll().byStatus["published"] == nil, "a reader's comments are held")
        #expect(try h.relay.flushOutbox().sent == 2)
        let asks = h.servers.sunk(to: liz.address)
        #expect(asks.count == 2)
        let lizId = try #require(try h.relay.store.read { try $0.person(for: liz, now: Date()) }.id)
        func active() throws -> [String] {
            try h.relay.store.read { try $0.subscriptions(personId: lizId) }.filter(\.active).map { $0.conversationId ?? $0.postId ?? "?" }.sorted()
        }
        #expect(try active() == ["d"])

        // The HTTPS link (RFC 8058 one-click) of the first request.
        let linkToken = try #require(MailClient.token(in: asks[0]))
        guard case .success(let scope) = try h.relay.unsubscribe(token: linkToken) else {
            Issue.record("a moderation request's unsubscribe link was refused")
            return
        }
        #expect(scope.target == .post(id: "p", title: "P"))
        // The mailto of the second: before, it left every subscription.
        let mailToken = try #require(MailClient.token(in: asks[1]))
        var unsubscribeMail = Array("From: \(liz.address)\r\nTo: talk+unsubscribe-\(mailToken)@\(h.domain)\r\nSubject: unsubscribe\r\nMessage-ID: <u1@client.example>\r\nDate: Mon, 07 Dec 2026 06:00:00 +0000\r\n\r\nunsubscribe\r\n".utf8)
        try h.deliver(unsubscribeMail)
        unsubscribeMail = []
        #expect(try h.poll().byStatus["command"] == 1)
        #expect(try active() == ["d"], "the other conversation's subscription stays")
    }

    @Test("a three-deep exchange: each recipient's References chain runs through the mail they have, so it threads")
    func threeDeepThreading() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz"), ann = h.address("ann", "Ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "Threads", url: "https://liz.example.org/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        // M0 to Ann; Ann answers (R1) → M1 to Liz; Liz answers M1 (R2) → M2 to Ann; Ann answers M2 (R3) → M3 to Liz.
        let m0 = try #require(h.servers.sunk(to: ann.address).first)
        let r1 = MailClient.reply(to: m0, from: "Ann <\(ann.address)>", text: "First answer.", messageID: "r1.\(h.user)@ann.example")
        try h.deliver(r1); _ = try h.poll(); _ = try h.relay.flushOutbox()
        let m1 = try #require(h.servers.sunk(to: liz.address).last)
        try h.deliver(MailClient.reply(to: m1, from: "Liz <\(liz.address)>", text: "Second.", messageID: "r2.\(h.user)@liz.example"))
        _ = try h.poll(); _ = try h.relay.flushOutbox()
        let m2 = try #require(h.servers.sunk(to: ann.address).last)
        try h.deliver(MailClient.reply(to: m2, from: "Ann <\(ann.address)>", text: "Third.", messageID: "r3.\(h.user)@ann.example"))
        _ = try h.poll(); _ = try h.relay.flushOutbox()
        let m3 = try #require(h.servers.sunk(to: liz.address).last)
        #expect(h.servers.sunk(to: ann.address).count == 2 && h.servers.sunk(to: liz.address).count == 2)

        let comments = try h.relay.commentViews(post: "p", status: "published")
        #expect(comments.map(\.body) == ["First answer.", "Second.", "Third."])
        #expect(comments.map(\.parent) == [nil, comments[0].id, comments[1].id], "each reply nests under the one it answers")

        let root = "parley.post.1@\(h.domain)"
        func id(_ m: SunkMessage) -> String { MessageID.strip(m.header("Message-ID") ?? "") }
        // Ann's mailbox: M0, her R1 (answering M0), M2 — which answers R1.
        #expect(MessageID.list(m2.header("References")) == [root, id(m0), "r1.\(h.user)@ann.example"])
        #expect(MessageID.list(m2.header("In-Reply-To")) == ["r1.\(h.user)@ann.example"])
        // Liz's mailbox: M1, her R2 (answering M1), M3 — which answers R2.
        #expect(MessageID.list(m1.header("References")) == [root])
        #expect(MessageID.list(m3.header("References")) == [root, id(m1), "r2.\(h.user)@liz.example"])
        #expect(MessageID.list(m3.header("In-Reply-To")) == ["r2.\(h.user)@liz.example"])
        for check in try StrictMailCheck.run([m0, m1, m2, m3]) { #expect(check.defects.isEmpty, "\(check.defects)") }
    }

    @Test("a CR/LF in a commenter's display name or a post's title injects no header and no recipient")
    func noHeaderInjection() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz"), ann = h.address("ann", "Ann"), eve = h.address("eve")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.subscribe(eve, post: nil, conversation: "c")
        try h.relay.addPost(id: "p", title: "Fine\r\nBcc: victim@evil.example\r\nX-Injected: yes", url: "https://liz.example.org/p",
                            author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let toEve = try #require(h.servers.sunk(to: eve.address).first)
        // RFC 2047 lets a name carry encoded CR LF: "Eve\r\nBcc: victim@evil.example".
        let from = "=?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample=0D=0AX-Injected=3A_yes?= <\(eve.address)>"
        try h.deliver(MailClient.reply(to: toEve, from: from, text: "Hello from Eve."))
        #expect(try h.poll().byStatus["published"] == 1)
        _ = try h.relay.flushOutbox()
        let toLiz = try #require(h.servers.sunk(to: liz.address).last)
        try h.deliver(MailClient.reply(to: toLiz, from: "Liz <\(liz.address)>", text: "Welcome, Eve."))
        _ = try h.poll()
        _ = try h.relay.flushOutbox()
        let replyToEve = try #require(h.servers.sunk(to: eve.address).last)
        #expect(h.servers.sunk(to: eve.address).count == 2)

        let all = h.servers.sunk().filter { $0.recipients.allSatisfy { $0.hasSuffix("@\(h.domain)") } }
        #expect(h.servers.sunk(to: "victim@evil.example").isEmpty)
        for m in all { #expect(m.recipients.count == 1, "one envelope recipient per message") }
        for (m, check) in zip(all, try StrictMailCheck.run(all)) {
            #expect(check.defects.isEmpty, "\(check.defects)")
            #expect(check.headers["Bcc"] == nil && check.headers["X-Injected"] == nil, "\(m.text)")
            let head = m.text.components(separatedBy: "\r\n\r\n")[0]
            #expect(!head.components(separatedBy: "\r\n").contains { $0.lowercased().hasPrefix("bcc:") || $0.lowercased().hasPrefix("x-injected:") })
        }
        let eveCheck = try #require(try StrictMailCheck.run([replyToEve]).first)
        let name = try #require(eveCheck.addresses["To"]?.first?.first)
        #expect(!name.contains("\r") && !name.contains("\n"))
        #expect(name.contains("Eve"))
    }
}
