import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// IMAP ingestion against the real Dovecot: exactly once, nothing lost.
@Suite("Ingestion")
struct IngestTests {
    /// A post in a conversation, and the notification Ann received for it.
    static func setUp(_ h: RelayHarness) throws -> SunkMessage {
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://x.example/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        return try #require(h.servers.sunk(to: ann.address).first)
    }

    @Test("a backlog of 2,000 replies is ingested exactly once; an oversized message is rejected with its reason")
    func backlog() throws {
        let h = try RelayHarness()
        let note = try Self.setUp(h)
        let ann = h.address("ann").address
        for i in 0..<2000 {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Reply number \(i).", messageID: "r\(i)@client.example"))
        }
        // 1.5 MB, over the harness's 1MB max_message_size.
        var big = MailClient.reply(to: note, from: ann, text: "A very large reply.", messageID: "big@client.example")
        big += Array(String(repeating: "filler line of text to make the message large\r\n", count: 32_000).utf8)
        try h.deliver(big)

        let first = try h.poll()
        #expect(first.fetched == 2001)
        #expect(first.byStatus["published"] == 2000)
        #expect(first.byStatus["rejected"] == 1)
        #expect(h.inboxCount() == 0)
        #expect(h.processedCount() == 2000)
        #expect(h.rejectedCount() == 1)

        let comments = try h.relay.commentViews(post: "p", status: "published")
        #expect(comments.count == 2000)
        #expect(Set(comments.map(\.body)).count == 2000, "each reply is exactly one comment")
        let rejected = try h.relay.store.read { try $0.inbound(status: "rejected") }
        #expect(rejected.count == 1)
        #expect(rejected.first?.reason.contains("max_message_size") == true)

        let second = try h.poll()
        #expect(second.fetched == 0)
        #expect(try h.relay.commentViews(post: "p", status: nil).count == 2000)
        let queued = try h.relay.store.read { try $0.outbound(status: "queued", limit: 10_000) }
        #expect(queued.count == 2000, "one notification to Liz per comment")
    }

    @Test("the same message delivered twice becomes one comment")
    func duplicate() throws {
        let h = try RelayHarness()
        let note = try Self.setUp(h)
        let reply = MailClient.reply(to: note, from: h.address("ann").address, text: "Once only.", messageID: "same@client.example")
        try h.deliver(reply)
        try h.deliver(reply)
        let summary = try h.poll()
        #expect(summary.byStatus["published"] == 1)
        #expect(summary.byStatus["duplicate"] == 1)
        #expect(try h.relay.commentViews(post: "p", status: nil).count == 1)
    }
}
