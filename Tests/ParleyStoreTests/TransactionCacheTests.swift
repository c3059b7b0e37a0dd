import Foundation
import GRDB
import ParleyCore
@testable import ParleyStore
import Testing

/// What one transaction remembers of rows it read (`TransactionCache`) never differs from
/// the database, and the write-ahead log is copied into the database file by the
/// checkpoint thread rather than by the writer.
@Suite("SQLite store: transaction cache and checkpoints")
struct TransactionCacheTests {
    static func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-cache-\(UInt64.random(in: 0...UInt64.max)).sqlite").path
    }

    @Test("a person read, updated, or created in a rolled-back savepoint reads as the database has it")
    func persons() throws {
        let store = try Store(path: Self.tempPath())
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try store.write { tx in
            let ann = try tx.person(for: EmailAddress("Ann <ann@example.org>")!, now: now)
            #expect(try tx.person(id: ann.id!)?.trusted == false)
            var changed = ann
            changed.trusted = true
            changed.bounceScore = 3
            try tx.update(changed)
            #expect(try tx.person(id: ann.id!) == changed)
            // A person created inside a savepoint that rolls back does not exist afterwards.
            var ghost: Int64?
            do {
                _ = try tx.savepoint { () throws -> Int in
                    ghost = try tx.person(for: EmailAddress("bob@example.org")!, now: now).id
                    #expect(try tx.person(id: ghost!) != nil)
                    throw StoreError("undo")
                }
            } catch {}
            #expect(try tx.person(id: ghost!) == nil)
            #expect(try tx.person(id: ann.id!) == changed)
        }
        // A later transaction reads what was committed.
        try store.read { tx in
            let ann = try tx.person(address: EmailAddress("ann@example.org")!)
            #expect(ann?.trusted == true && ann?.bounceScore == 3)
        }
    }

    @Test("partners and view requests: repeated in one transaction, written once, and still right after changes")
    func partnersAndViews() throws {
        let store = try Store(path: Self.tempPath())
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try store.write { tx in
            #expect(try tx.partners(of: "c1").isEmpty)
            let a = try tx.person(for: EmailAddress("a@example.org")!, now: now)
            let b = try tx.person(for: EmailAddress("b@example.org")!, now: now)
            try tx.insertConversation(ConversationRecord(id: "c1", title: "C", createdAt: now), partners: [b.id!, a.id!])
            #expect(try tx.partners(of: "c1") == [a.id!, b.id!].sorted())
            _ = try tx.insertPost(PostRecord(id: "p1", title: "P", url: "https://example.org/p1", authorId: a.id!, conversationId: "c1", createdAt: now))

            try tx.requestViewUpdate(postId: "p1", now: now)
            try tx.requestViewUpdate(postId: "p1", now: now)
            #expect(try tx.pendingViewUpdates().map(\.postId) == ["p1"])
            try tx.clearViewUpdate(try #require(tx.pendingViewUpdates().first))
            #expect(try tx.pendingViewUpdates().isEmpty)
            try tx.requestViewUpdate(postId: "p1", now: now)
            #expect(try tx.pendingViewUpdates().map(\.postId) == ["p1"], "a request after the rewrite must be written again")
        }
    }

    @Test("subscribers, opt-outs, reply wishes and posts read twice in one transaction follow the writes made between the reads")
    func subscriptionsAndPosts() throws {
        let store = try Store(path: Self.tempPath())
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try store.write { tx in
            let a = try tx.person(for: EmailAddress("a@example.org")!, now: now)
            let b = try tx.person(for: EmailAddress("b@example.org")!, now: now)
            try tx.insertConversation(ConversationRecord(id: "c1", title: "C", createdAt: now), partners: [a.id!, b.id!])
            let post = try tx.insertPost(PostRecord(id: "p1", title: "P", url: "https://example.org/p1", authorId: a.id!, conversationId: "c1", createdAt: now))

            // Each read twice (the second from the cache), then a write, then again.
            for _ in 0..<2 { #expect(try tx.subscribers(postId: "p1", conversationId: "c1").isEmpty) }
            try tx.subscribe(personId: b.id!, scope: "post", postId: "p1", conversationId: nil, now: now)
            for _ in 0..<2 { #expect(try tx.subscribers(postId: "p1", conversationId: "c1").map(\.personId) == [b.id!]) }
            try tx.unsubscribe(personId: b.id!, postId: "p1")
            #expect(try tx.subscribers(postId: "p1", conversationId: "c1").isEmpty)

            for _ in 0..<2 { #expect(try tx.optOuts(personIds: [a.id!]).isEmpty) }
            try tx.optOut(personId: a.id!, scope: "all", postId: nil, conversationId: nil, now: now)
            for _ in 0..<2 { #expect(try tx.optOuts(personIds: [a.id!, b.id!]).mapValues { $0.map(\.scope) } == [a.id!: ["all"], b.id!: ["post"]]) }

            for _ in 0..<2 { #expect(try !tx.wantsReplies(personId: a.id!) && !tx.hasSubscription(personId: a.id!, scope: "replies")) }
            try tx.subscribe(personId: a.id!, scope: "replies", postId: nil, conversationId: nil, now: now)
            #expect(try tx.wantsReplies(personId: a.id!) && tx.hasSubscription(personId: a.id!, scope: "replies"))

            for _ in 0..<2 { #expect(try tx.post(number: post.number!)?.closed == false && tx.post(id: "p1")?.closed == false) }
            var closed = post
            closed.closed = true
            try tx.update(closed)
            #expect(try tx.post(number: post.number!)?.closed == true && tx.post(id: "p1")?.closed == true)
        }
    }

    @Test("the write-ahead log reaches the database file without the writer checkpointing")
    func backgroundCheckpoint() throws {
        let path = Self.tempPath()
        let store = try Store(path: path)
        let before = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        // About 100 pages: far below the writer's own checkpoint threshold (8,000 pages),
        // so only the checkpoint thread can have copied them.
        for i in 0..<20 {
            try store.write { tx in
                for j in 0..<10 {
                    _ = try tx.insertInbound(InboundRecord(
                        mailbox: "INBOX", uidValidity: 1, uid: Int64(i * 10 + j), messageId: nil, hash: "h\(i)-\(j)", status: "rejected",
                        reason: "test", fromAddress: nil, subject: nil, size: 2_000, raw: Data(repeating: UInt8(i), count: 2_000),
                        commentId: nil, receivedAt: now))
                }
            }
        }
        var after = before
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            after = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if after >= before + 200 * 2_000 { break }
            usleep(50_000)
        }
        #expect(after >= before + 200 * 2_000, "the database file grew from \(before) to \(after) bytes only")
        withExtendedLifetime(store) {}
    }

    @Test("a view request committed after a rewrite read the requests survives that rewrite's clear, whatever its clock said (race a)")
    func viewRequestCommittedDuringRewrite() throws {
        let store = try Store(path: Self.tempPath())
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        try store.write { tx in
            let a = try tx.person(for: EmailAddress("a@example.org")!, now: now)
            _ = try tx.insertPost(PostRecord(id: "p1", title: "P", url: "https://example.org/p1", authorId: a.id!, conversationId: nil, createdAt: now))
            try tx.requestViewUpdate(postId: "p1", now: now)
        }
        // The rewrite reads the requests, then renders (a second passes) ...
        let read = try store.read { try $0.pendingViewUpdates() }
        #expect(read.map(\.postId) == ["p1"])
        // ... meanwhile an ingest transaction that began before the rewrite (its clock
        // says `now`, earlier than the rewrite's start) commits a new comment's request.
        try store.write { try $0.requestViewUpdate(postId: "p1", now: now) }
        // The rewrite, done, clears what it read: the newer request must stay.
        try store.write { tx in for request in read { try tx.clearViewUpdate(request) } }
        #expect(try store.read { try $0.pendingViewUpdates() }.map(\.postId) == ["p1"], "the comment committed during the rewrite still gets its view written")
        let again = try store.read { try $0.pendingViewUpdates() }
        try store.write { tx in for request in again { try tx.clearViewUpdate(request) } }
        #expect(try store.read { try $0.pendingViewUpdates() }.isEmpty)
    }
}
