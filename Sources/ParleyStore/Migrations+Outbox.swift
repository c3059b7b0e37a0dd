import GRDB

extension Migrations {
    /// "v4-outbound-raw": an outbound message's bytes move from `outbound_messages` to
    /// `outbound_raw`, one row per message under the same id.
    ///
    /// SQLite rewrites a whole record on UPDATE. The outbox saves a message's delivery
    /// state twice per try (the attempt before it, the outcome after), and with the
    /// 3–5 KB message in the row each save read and rewrote the bytes too. Now the row
    /// the sender updates holds only the envelope and the delivery state, and the bytes
    /// are written once, when the message is queued.
    ///
    /// `outbound_due` becomes a partial index of the messages still to send, in the
    /// order the sender takes them: a message sent or failed leaves it rather than
    /// moving to another part of it. With both, a flush's save writes 4.4 pages to the
    /// WAL instead of 5.7, and its UPDATEs cost 16% fewer instructions (callgrind, 900
    /// messages).
    static func registerOutbox(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-outbound-raw") { db in
            try db.create(table: "outbound_raw") { t in
                t.primaryKey("outboundId", .integer).references("outbound_messages", onDelete: .cascade)
                t.column("raw", .blob).notNull()
            }
            try db.execute(sql: "INSERT INTO outbound_raw (outboundId, raw) SELECT id, raw FROM outbound_messages")
            try db.alter(table: "outbound_messages") { t in t.drop(column: "raw") }
            try db.drop(index: "outbound_due")
            try db.execute(sql: "CREATE INDEX outbound_due ON outbound_messages(nextAttemptAt) WHERE status IN ('queued', 'deferred')")
        }
    }
}
