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
        // Fetched with BODY.PEEK[], then marked read with the move: read mail reads as
        // read in the admin's client.
        #expect(h.servers.seenCount(user: h.user, folder: "Parley/Processed") == 2000)

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

    @Test("a reply to a comment made in the same batch threads under that comment's notification, not a stand-in id (race b)")
    func replyInSameBatch() throws {
        let h = try RelayHarness()
        let note = try Self.setUp(h)
        let ann = h.address("ann"), liz = h.address("liz"), bob = h.address("bob")
        try h.relay.subscribe(bob, post: "p", conversation: nil)
        // Ann's reply becomes comment 1 (a fresh database); Liz's answer to it, with the
        // token of comment 1's notification to her, arrives before that batch commits.
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: "Ann's comment.", messageID: "ann1@client.example"))
        let lizId = try #require(try h.relay.store.read { try $0.person(address: liz) }?.id)
        let token = h.relay.codec.encode(ReplyToken(target: .comment, targetID: 1, recipientID: lizId, issuedDay: Int64(Date().timeIntervalSince1970 / 86400)))
        try h.deliver(MailClient.reply(to: note, from: liz.address, text: "Liz answers Ann.", to: "talk+\(token)@\(h.domain)",
                                       keepThreading: false, messageID: "liz1@client.example"))
        let summary = try h.poll()
        #expect(summary.byStatus["published"] == 2, "\(summary.line)")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        let answer = try #require(comments.first { $0.body == "Liz answers Ann." })
        #expect(answer.parent == 1)
        let outbound = try h.relay.store.read { try $0.outbound(limit: 100) }
        let bobId = try #require(try h.relay.store.read { try $0.person(address: bob) }?.id)
        let aboutAnn = try #require(outbound.first { $0.recipientId == bobId && $0.commentId == 1 })
        let aboutLiz = try #require(outbound.first { $0.recipientId == bobId && $0.commentId == answer.id })
        let references = MailParser.parse([UInt8](aboutLiz.raw)).header("References") ?? ""
        #expect(references.contains(aboutAnn.messageId), "Bob's mail client threads Liz's answer under the notification he got about Ann's comment: \(references)")
        #expect(!references.contains("parley.comment.1@"), "no stand-in for a notification Bob has: \(references)")
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

extension IngestTests {
    @Test("a UIDVALIDITY change (mailbox recreated with the same messages) creates no duplicate comments")
    func uidValidityChange() throws {
        let h = try RelayHarness()
        let note = try Self.setUp(h)
        let ann = h.address("ann").address
        for i in 0..<5 {
            try h.deliver(MailClient.reply(to: note, from: ann, text: "Before the change \(i).", messageID: "uv\(i)@client.example"))
        }
        _ = try h.poll()
        #expect(try h.relay.commentViews(post: "p", status: nil).count == 5)
        let before = try h.relay.store.read { try $0.checkpoint(mailbox: "talk") }

        // Recreate the inbox: its index and UID list gone, the same messages back in it.
        let inbox = h.servers.maildirPath(user: h.user, folder: "INBOX")
        let processed = h.servers.maildirPath(user: h.user, folder: "Parley/Processed")
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: inbox) where name.hasPrefix("dovecot") {
            try fm.removeItem(atPath: inbox + "/" + name)
        }
        usleep(1_100_000)  // UIDVALIDITY is time-based
        for sub in ["cur", "new"] {
            for name in try fm.contentsOfDirectory(atPath: processed + "/" + sub) {
                try h.deliver([UInt8](try Data(contentsOf: URL(fileURLWithPath: processed + "/" + sub + "/" + name))))
            }
        }
        let summary = try h.poll()
        let after = try h.relay.store.read { try $0.checkpoint(mailbox: "talk") }
        #expect(before?.uidValidity != after?.uidValidity, "the test must really change UIDVALIDITY")
        #expect(summary.byStatus["duplicate"] == 5)
        #expect(try h.relay.commentViews(post: "p", status: nil).count == 5)
        #expect(h.inboxCount() == 0)
    }
}

extension IngestTests {
    @Test("inbound replay: a message rejected for a closed post is published once the post reopens")
    func replay() throws {
        let h = try RelayHarness()
        let note = try Self.setUp(h)
        try h.relay.store.write { tx in
            var post = try #require(try tx.post(id: "p"))
            post.closed = true
            try tx.update(post)
        }
        try h.deliver(MailClient.reply(to: note, from: h.address("ann").address, text: "Late words.", messageID: "late@client.example"))
        _ = try h.poll()
        let rejected = try #require(try h.relay.store.read { try $0.inbound(status: "rejected") }.first)
        #expect(rejected.reason.contains("closed"))
        #expect(throws: AdminError.self) { try h.relay.replay(inboundId: rejected.id! + 1000) }

        try h.relay.store.write { tx in
            var post = try #require(try tx.post(id: "p"))
            post.closed = false
            try tx.update(post)
        }
        let outcome = try h.relay.replay(inboundId: rejected.id!)
        #expect(outcome.status == .published)
        #expect(try h.relay.commentViews(post: "p", status: "published").map(\.body) == ["Late words."])
        #expect(throws: AdminError.self, "a published message is not replayed twice") { try h.relay.replay(inboundId: rejected.id!) }
    }
}
