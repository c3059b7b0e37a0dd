import Foundation
import GRDB
import ParleyCore
@testable import ParleyStore
import Testing

/// The outbox's rows: the envelope and delivery state in `outbound_messages`, the bytes
/// in `outbound_raw` (migration "v4-outbound-raw").
@Suite("SQLite store: outbox")
struct OutboxStoreTests {
    static func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-outbox-\(UInt64.random(in: 0...UInt64.max)).sqlite").path
    }

    static func message(_ n: Int, recipientId: Int64?, id: Int64? = nil, at date: Date) -> OutboundRecord {
        let raw = Data(("Message-ID: <m\(n)@example.org>\r\n\r\n" + String(repeating: "body \(n) ", count: 600) + "\r\n").utf8)
        return OutboundRecord(id: id, recipientId: recipientId, recipient: "r\(n)@example.org", kind: "new-comment", token: "t\(n)",
                              messageId: "m\(n)@example.org", envelopeFrom: "bounces+\(n)@example.org", raw: raw, nextAttemptAt: date,
                              postId: "p", commentId: 7, createdAt: date)
    }

    @Test("an outbox written before v4 keeps every message, its bytes and its delivery state")
    func migratesOldOutbox() throws {
        let path = Self.tempPath()
        let queued = Date(timeIntervalSince1970: 1_790_000_000)
        let old = [Self.message(1, recipientId: nil, at: queued), Self.message(2, recipientId: nil, at: queued)]
        do {
            let db = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(db, upTo: "v3-indexes")
            try db.write { db in
                for (i, m) in old.enumerated() {
                    try db.execute(sql: """
                        INSERT INTO outbound_messages (id, recipient, kind, token, messageId, envelopeFrom, raw, status, attempts,
                                                       nextAttemptAt, lastError, smtpReply, postId, commentId, createdAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [i + 10, m.recipient, m.kind, m.token, m.messageId, m.envelopeFrom, m.raw,
                                         i == 0 ? "queued" : "deferred", i, StoreDate.text(queued), i == 0 ? nil : "451 later",
                                         i == 0 ? nil : "451 4.2.0 later", m.postId, m.commentId, StoreDate.text(queued)])
                }
            }
        }
        let store = try Store(path: path)
        let rows = try store.read { try $0.outbound() }
        #expect(rows.map(\.id) == [10, 11])
        #expect(rows.map(\.raw) == old.map(\.raw))
        #expect(rows.map(\.status) == ["queued", "deferred"])
        #expect(rows.map(\.attempts) == [0, 1])
        #expect(rows[1].smtpReply == "451 4.2.0 later" && rows[1].lastError == "451 later")
        #expect(try store.read { try $0.dueOutbound(now: queued, limit: 10).map(\.id) } == [10, 11])
        let columns = try store.read { tx in try tx.db.columns(in: "outbound_messages").map(\.name) }
        #expect(!columns.contains("raw"), "the bytes left the row the sender updates")
        // A new message after the migration takes the next id.
        let next = try store.write { try $0.insertOutbound(Self.message(3, recipientId: nil, at: queued)) }
        #expect(next.id == 12)
    }

    @Test("insertOutbound keeps a preset id; every reader returns the bytes; updates keep them")
    func presetIdAndReaders() throws {
        let store = try Store(path: Self.tempPath())
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let person = try store.write { try $0.person(for: EmailAddress("r1@example.org")!, now: now) }
        let first = try store.write { try $0.insertOutbound(Self.message(1, recipientId: person.id, id: 500, at: now)) }
        #expect(first.id == 500)
        let second = try store.write { try $0.insertOutbound(Self.message(2, recipientId: person.id, at: now)) }
        #expect(second.id == 501)
        #expect(throws: (any Error).self, "an id in use is refused") {
            _ = try store.write { try $0.insertOutbound(Self.message(3, recipientId: nil, id: 500, at: now)) }
        }
        #expect(try store.read { try $0.outbound(id: 500) } == first)
        #expect(try store.read { try $0.outbound(messageId: "m2@example.org") } == second)
        #expect(try store.read { try $0.outbound(status: "queued") } == [first, second])
        #expect(try store.read { try $0.dueOutbound(now: now, limit: 1) } == [first])
        #expect(try store.read { try $0.outbound(id: 502) } == nil, "the refused insert left nothing behind")

        var sent = first
        sent.status = "sent"; sent.attempts = 1; sent.smtpReply = "250 OK"; sent.sentAt = now
        try store.write { try $0.updateDelivery(sent) }
        #expect(try store.read { try $0.outbound(id: 500) } == sent)
        #expect(try store.read { try $0.dueOutbound(now: now, limit: 10) } == [second])

        var edited = second
        edited.status = "deferred"
        edited.raw = Data("Subject: changed\r\n\r\nx\r\n".utf8)
        try store.write { try $0.update(edited) }
        #expect(try store.read { try $0.outbound(id: 501) } == edited)
    }
}
