import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    // MARK: inbound

    /// Records an inbound message and returns it with its id.
    public func insertInbound(_ record: InboundRecord) throws -> InboundRecord {
        var r = record
        try r.insert(db)
        return r
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

    /// An earlier inbound message with this Message-ID, or with these bytes when it has none.
    public func earlierInbound(messageId: String?, hash: String, excluding: Int64? = nil) throws -> InboundRecord? {
        let column = messageId == nil ? "hash" : "messageId"
        return try InboundRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM inbound_messages WHERE \(column) = ? AND id != ? ORDER BY id LIMIT 1"),
                                          arguments: [messageId ?? hash, excluding ?? -1])
    }

    /// Inbound messages, newest first, without their raw bytes loaded into lists.
    public func inbound(status: String? = nil, limit: Int = 1000) throws -> [InboundRecord] {
        var request = InboundRecord.all()
        if let status { request = request.filter(Column("status") == status) }
        return try request.order(Column("id").desc).limit(limit).fetchAll(db)
    }

    // MARK: outbound

    /// Queues an outbound message and returns it with its id.
    public func insertOutbound(_ record: OutboundRecord) throws -> OutboundRecord {
        var r = record
        try r.insert(db)
        return r
    }

    public func update(_ outbound: OutboundRecord) throws {
        try outbound.update(db)
    }

    public func outbound(id: Int64) throws -> OutboundRecord? {
        try OutboundRecord.fetchOne(db, key: id)
    }

    /// Messages due now: queued or deferred with their next attempt passed, oldest first.
    public func dueOutbound(now: Date, limit: Int) throws -> [OutboundRecord] {
        try OutboundRecord.filter(["queued", "deferred"].contains(Column("status")) && Column("nextAttemptAt") <= now)
            .order(Column("nextAttemptAt"), Column("id")).limit(limit).fetchAll(db)
    }

    public func outbound(status: String? = nil, limit: Int = 1000) throws -> [OutboundRecord] {
        var request = OutboundRecord.all()
        if let status { request = request.filter(Column("status") == status) }
        return try request.order(Column("id")).limit(limit).fetchAll(db)
    }

    // MARK: checkpoints

    public func checkpoint(mailbox: String) throws -> CheckpointRecord? {
        try CheckpointRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM checkpoints WHERE mailbox = ?"), arguments: [mailbox])
    }

    public func save(_ checkpoint: CheckpointRecord) throws {
        try checkpoint.save(db)
    }
}
