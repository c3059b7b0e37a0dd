import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Replies read against the notification they answer (issue 18), through `poll --once`
/// against Dovecot: where the heuristic reading and the original-based one differ, the
/// original-based one is published, and `message inspect --config` reports both.
@Suite("Reading replies against the original")
struct OriginalReadingFlowTests {
    @Test("an inline answer below the headline, and alpine's signature above the attribution: the answers are published, and message inspect --config shows both readings")
    func inlineAndAlpine() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann", "Ann Reader")
        try h.relay.addConversation(id: "la", title: "Liz & Ann", partners: [liz, ann])
        _ = try h.relay.addPost(id: "p1", title: "On letters", url: "https://liz.example.org/letters", author: liz, conversation: "la")
        _ = try h.relay.flushOutbox()
        let postNote = try #require(h.servers.sunk(to: ann.address).first)

        // Ann answers inline, right below Parley's headline.
        let annReply = MailClient.reply(to: postNote, from: "Ann Reader <\(ann.address)>") { text in
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            return MailClient.quote(String(lines[0])) + "\nSlow letters are the best letters, Liz.\n\n"
                + MailClient.quote(lines.dropFirst().joined(separator: "\n")) + "\n"
        }
        #expect(ReplyExtractor.extract(MailParser.parse(annReply).text ?? "").text.contains("published a new post"),
                "the heuristic alone keeps the quoted headline")
        try h.deliver(annReply)
        #expect(try h.poll().byStatus["published"] == 1)
        let first = try #require(try h.relay.commentViews(post: "p1", status: "published").first)
        #expect(first.body == "Slow letters are the best letters, Liz.")

        // Liz answers Ann from alpine: signature first, then the attribution and the quote, her answer below.
        _ = try h.relay.flushOutbox()
        let commentNote = try #require(h.servers.sunk(to: liz.address).first { $0.text.contains("Slow letters") })
        let lizReply = MailClient.reply(to: commentNote, from: "Liz Strauss <\(liz.address)>") { text in
            "\n-- \nLiz Strauss\nhttps://liz.example.org\n\nOn Mon, 7 Dec 2026, Ann Reader wrote:\n\n" + MailClient.quote(text)
                + "\n\nThey are. I copy every one into a notebook first.\n"
        }
        #expect(ReplyExtractor.extract(MailParser.parse(lizReply).text ?? "").text.isEmpty, "the heuristic alone finds no new text")
        try h.deliver(lizReply)
        let pass = try h.poll()
        #expect(pass.byStatus["published"] == 1, "\(pass)")
        let second = try #require(try h.relay.commentViews(post: "p1", status: "published").first { $0.id != first.id })
        #expect(second.body == "They are. I copy every one into a notebook first.")
        #expect(second.parent == first.id)

        // message inspect --config: both readings, and which one won.
        let report = try h.relay.inspectMessage(lizReply)
        #expect(report.trimmedBy == "original")
        #expect(report.trimmed == "They are. I copy every one into a notebook first.")
        #expect(report.heuristic?.text == "")
        #expect(report.originalReading?.text == report.trimmed)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"trimmed_by\":\"original\"") && json.contains("\"original_reading\""))

        // Once the outbox has pruned the notification's bytes, only the heuristic is left, and says why.
        _ = try h.relay.pruneOutbox(olderThan: .seconds(-60))
        let pruned = try h.relay.inspectMessage(lizReply)
        #expect(pruned.trimmedBy == "heuristic" && pruned.originalReading == nil)
        #expect(pruned.originalNote?.contains("pruned") == true)
    }
}
