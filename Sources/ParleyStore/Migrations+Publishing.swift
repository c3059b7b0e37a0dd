import GRDB

extension Migrations {
    /// "v2-publishing": what the publish and trust stages remember between runs.
    ///
    /// - `view_updates`: posts whose static views must be rewritten; marked in the same
    ///   transaction as the change, cleared once the files are written, so a crash in
    ///   between only causes one more rewrite.
    /// - `webhook_deliveries`: the durable webhook queue, sent and retried like the outbox.
    /// - `rejection_notices`: one row per address, reason and day, so that a sender hears
    ///   about the same problem at most once a day (the unique key enforces it).
    static func registerPublishing(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-publishing") { db in
            try db.create(table: "view_updates") { t in
                t.primaryKey("postId", .text).references("posts", column: "id", onDelete: .cascade)
                t.column("requestedAt", .datetime).notNull()
            }
            try db.create(table: "webhook_deliveries") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("event", .text).notNull()
                t.column("postId", .text).notNull()
                t.column("commentId", .integer)
                t.column("payload", .blob).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("lastError", .text)
                t.column("responseCode", .integer)
                t.column("createdAt", .datetime).notNull()
                t.column("deliveredAt", .datetime)
            }
            try db.create(index: "webhook_due", on: "webhook_deliveries", columns: ["status", "nextAttemptAt"])
            try db.create(table: "rejection_notices") { t in
                t.column("emailKey", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("day", .integer).notNull()
                t.column("outboundId", .integer)
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["emailKey", "reason", "day"])
            }
        }
    }
}
