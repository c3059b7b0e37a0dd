import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Rejection notices at the SMTP sink.
@Suite("Rejection notices")
struct RejectionNoticeTests {
    @Test("one notice per address, reason and day; none for a bounce or an auto-reply")
    func rateLimitedNotices() throws {
        let h = try RelayHarness()
        let clock = TestClock(Date())
        let relay = h.publishingRelay(clock: clock)
        let liz = h.address("liz"), ann = h.address("ann", "Ann Handley")
        try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try relay.addPost(id: "p", title: "On trust", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        let token = try #require(MailClient.token(in: note))
        let altered = String(token.dropLast()) + (token.last == "a" ? "b" : "a")
        let alteredAddress = "talk+\(altered)@\(h.domain)"
        func notices() -> [SunkMessage] {
            h.servers.sunk(to: ann.address).filter { $0.header("Subject")?.contains("could not be used") == true }
        }
        func pass() throws -> PassSummary { try relay.pollOnce()["talk"] ?? PassSummary() }

        // An altered token: rejected, and Ann is told once.
        try h.deliver(MailClient.reply(to: note, from: ann.description, text: "Forged?", to: alteredAddress, keepThreading: false))
        #expect(try pass().byStatus["rejected"] == 1)
        _ = try relay.flushOutbox()
        try #require(notices().count == 1)
        let text = MailParser.parse(notices()[0].raw).text ?? ""
        #expect(text.contains("not one Parley gave out"))
        #expect(notices()[0].header("Auto-Submitted") == "auto-generated")

        // The same problem again the same day: rejected, no second notice.
        try h.deliver(MailClient.reply(to: note, from: ann.description, text: "Forged again?", to: alteredAddress, keepThreading: false))
        #expect(try pass().byStatus["rejected"] == 1)
        _ = try relay.flushOutbox()
        #expect(notices().count == 1)

        // Another reason the same day (an empty reply): one notice for it.
        try h.deliver(MailClient.reply(to: note, from: ann.description, text: ""))
        #expect(try pass().byStatus["rejected"] == 1)
        _ = try relay.flushOutbox()
        #expect(notices().count == 2)
        #expect(MailParser.parse(notices()[1].raw).text?.contains("no new text") == true)

        // An auto-reply from Ann's own address and a bounce, both to the altered address:
        // never answered, whatever the day.
        clock.advance(86400)
        let before = h.sunkHere().count
        try h.deliver(h.fixture("autoreply-to-token.eml", ["FROM": ann.description, "TO": alteredAddress]))
        try h.deliver(h.fixture("bounce-to-token.eml", ["TO": alteredAddress]))
        let summary = try pass()
        #expect(summary.byStatus["auto-reply"] == 1)
        #expect(summary.byStatus["bounce"] == 1)
        _ = try relay.flushOutbox()
        #expect(h.sunkHere().count == before, "nothing is sent for a bounce or an auto-reply")
        #expect(try relay.store.read { try $0.outbound() }.filter { $0.kind == "rejection" }.count == 2)

        // A new day: the altered token earns Ann one more notice.
        try h.deliver(MailClient.reply(to: note, from: ann.description, text: "Next day", to: alteredAddress, keepThreading: false))
        #expect(try pass().byStatus["rejected"] == 1)
        _ = try relay.flushOutbox()
        #expect(notices().count == 3)
    }

    @Test("a reply to a closed post is refused with a notice")
    func closedPost() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: ann.address).first)
        try h.relay.store.write { tx in
            guard var post = try tx.post(id: "p") else { return }
            post.closed = true
            try tx.update(post)
        }
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: "Too late?"))
        #expect(try h.poll().byStatus["rejected"] == 1)
        _ = try h.relay.flushOutbox()
        let notice = try #require(h.servers.sunk(to: ann.address).last)
        #expect(notice.header("Subject")?.contains("could not be used") == true)
        #expect(MailParser.parse(notice.raw).text?.contains("closed") == true)
    }
}
