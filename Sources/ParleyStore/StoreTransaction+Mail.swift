import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    // MARK: inbound

    /// Records an inbound message and returns it with its id: one kept statement, the
    /// values bound in column order (GRDB's record insert built a dictionary of them for
    /// every message of an ingest).
    public func insertInbound(_ r: InboundRecord) throws -> InboundRecord {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO inbound_messages (id, mailbox, uidValidity, uid, messageId, hash, status, reason, fromAddress,
                                          subject, size, raw, commentId, receivedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [r.id, r.mailbox, r.uidValidity, r.uid, r.messageId, r.hash, r.status, r.reason, r.fromAddress,
                                          r.subject, r.size, r.raw, r.commentId, StoreDate.text(r.receivedAt)])
        var inserted = r
        inserted.id = r.id ?? db.lastInsertedRowID
        return inserted
    }

    public func update(_ inbound: InboundRecord) throws {
        try inbound.update(db)
    }

    public func inbound(id: Int64) throws -> InboundRecord? {
        try InboundRecord.fetchOne(db, key: id)
    }

    /// The inbound record for a mailbox position, if that message was seen already.
    public func inbound(mailbox: String, uidValidity: Int64, uid: Int64) throws -> InboundRecord? {
        try InboundRecord.filter(Column("mailbox") == mailbox && Column("uidValidity") == uidValidity && Column("uid") == uid).fetchOne(db)
    }

    /// The recorded UIDs (and statuses) of a mailbox at one UIDVALIDITY, from `minUID` on.
    public func recordedUIDs(mailbox: String, uidValidity: Int64, from minUID: Int64) throws -> [Int64: String] {
        let rows = try Row.fetchAll(db, sql: "SELECT uid, status FROM inbound_messages WHERE mailbox = ? AND uidValidity = ? AND uid >= ?",
                                    arguments: [mailbox, uidValidity, minUID])
        var out: [Int64: String] = [:]
        for row in rows { out[row["uid"]] = row["status"] }
        return out
    }

    /// The id of an earlier inbound message with this Message-ID, or with these bytes
    /// when it has none (only the id: the row holds the raw message).
    public func earlierInboundId(messageId: String?, hash: String, excluding: Int64? = nil) throws -> Int64? {
        let column = messageId == nil ? "hash" : "messageId"
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM inbound_messages WHERE \(column) = ? AND id != ? ORDER BY id LIMIT 1"),
                                  arguments: [messageId ?? hash, excluding ?? -1])
    }

    /// Inbound messages, newest first, without their raw bytes loaded into lists.
    public func inbound(status: String? = nil, limit: Int = 1000) throws -> [InboundRecord] {
        var request = InboundRecord.all()
        if let status { request = request.filter(Column("status") == status) }
        return try request.order(Column("id").desc).limit(limit).fetchAll(db)
    }

    // MARK: outbound
    //
    // An outbound message is a row of `outbound_messages` (envelope and delivery state,
    // which the sender updates on every try) and its bytes in `outbound_raw` under the
    // same id, written once (see `Migrations.registerOutbox`).

    /// Queues an outbound message and returns it with its id. A record whose `id` is
    /// already set is stored under that id (which must be free).
    public func insertOutbound(_ record: OutboundRecord) throws -> OutboundRecord {
        // A kept statement: GRDB's generic insert (persistence container, callbacks,
        // SQL built per call) cost twice as much, once per notification queued.
        let r = record
        cache.threadMessageIDs.removeAll()
        try db.cachedStatement(sql: """
            INSERT INTO outbound_messages (id, recipientId, recipient, kind, token, messageId, envelopeFrom, status, attempts,
                                           nextAttemptAt, lastError, smtpReply, postId, commentId, createdAt, sentAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [r.id, r.recipientId, r.recipient, r.kind, r.token, r.messageId, r.envelopeFrom, r.status, r.attempts,
                                     StoreDate.text(r.nextAttemptAt), r.lastError, r.smtpReply, r.postId, r.commentId,
                                     StoreDate.text(r.createdAt), r.sentAt.map(StoreDate.text)])
        var inserted = r
        inserted.id = r.id ?? db.lastInsertedRowID
        try db.cachedStatement(sql: "INSERT INTO outbound_raw (outboundId, raw) VALUES (?, ?)").execute(arguments: [inserted.id, r.raw])
        return inserted
    }

    /// Saves every field of an outbound message, its bytes included.
    public func update(_ outbound: OutboundRecord) throws {
        cache.threadMessageIDs.removeAll()
        try outbound.update(db)
        try db.cachedStatement(sql: "UPDATE outbound_raw SET raw = ? WHERE outboundId = ?").execute(arguments: [outbound.raw, outbound.id])
    }

    public func outbound(id: Int64) throws -> OutboundRecord? {
        try OutboundRecord.fetchOne(db.cachedStatement(sql: "\(OutboundRecord.selectSQL) WHERE m.id = ?"), arguments: [id])
    }

    /// Messages due now: queued or deferred with their next attempt passed, oldest first.
    public func dueOutbound(now: Date, limit: Int) throws -> [OutboundRecord] {
        try OutboundRecord.fetchAll(db.cachedStatement(sql: """
            \(OutboundRecord.selectSQL) WHERE m.status IN ('queued', 'deferred') AND m.nextAttemptAt <= ?
            ORDER BY m.nextAttemptAt, m.id LIMIT ?
            """), arguments: [StoreDate.text(now), limit])
    }

    /// Makes every message still to be sent due now: deferred ones, and queued ones whose
    /// next attempt lies ahead (a send cut by a crash or a lost connection waits out its
    /// backoff otherwise). Returns how many changed.
    public func makeAllDue(now: Date) throws -> Int {
        try db.execute(sql: """
            UPDATE outbound_messages SET status = 'queued', nextAttemptAt = ?
            WHERE status IN ('queued', 'deferred') AND nextAttemptAt > ?
            """, arguments: [StoreDate.text(now), StoreDate.text(now)])
        return db.changesCount
    }

    /// How many outbound messages there are (of one status).
    public func outboundCount(status: String? = nil) throws -> Int {
        if let status {
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM outbound_messages WHERE status = ?", arguments: [status]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM outbound_messages") ?? 0
    }

    /// How many inbound messages there are (of one status).
    public func inboundCount(status: String? = nil) throws -> Int {
        if let status {
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM inbound_messages WHERE status = ?", arguments: [status]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM inbound_messages") ?? 0
    }

    public func outbound(status: String? = nil, limit: Int = 1000) throws -> [OutboundRecord] {
        if let status {
            return try OutboundRecord.fetchAll(db.cachedStatement(sql: "\(OutboundRecord.selectSQL) WHERE m.status = ? ORDER BY m.id LIMIT ?"),
                                               arguments: [status, limit])
        }
        return try OutboundRecord.fetchAll(db.cachedStatement(sql: "\(OutboundRecord.selectSQL) ORDER BY m.id LIMIT ?"), arguments: [limit])
    }

    // MARK: checkpoints

    public func checkpoint(mailbox: String) throws -> CheckpointRecord? {
        try CheckpointRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM checkpoints WHERE mailbox = ?"), arguments: [mailbox])
    }

    public func save(_ checkpoint: CheckpointRecord) throws {
        try checkpoint.save(db)
    }
}
