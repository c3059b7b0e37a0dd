import GRDB

extension Migrations {
    /// "v2-notify": what bounce handling and per-recipient threading need.
    ///
    /// - `persons.lastBounceAt`: when the last bounce for the person arrived; a bounce
    ///   score older than the configured quiet period starts again from zero.
    /// - `bounces`: one row per bounce matched to an outbound message (DSN or VERP), or
    ///   per permanent SMTP refusal of a recipient, so an admin can see why someone was
    ///   suspended.
    /// - `outbound_by_post_recipient`: finding the Message-IDs a recipient already has
    ///   for a post's thread (References, RFC 5322 §3.6.4) in one indexed query.
    static func registerNotify(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-notify") { db in
            try db.alter(table: "persons") { t in
                t.add(column: "lastBounceAt", .datetime)
            }
            try db.create(table: "bounces") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("personId", .integer).notNull().references("persons")
                t.column("outboundId", .integer).references("outbound_messages")
                t.column("permanent", .boolean).notNull()
                t.column("status", .text)
                t.column("diagnostic", .text)
                t.column("receivedAt", .datetime).notNull()
            }
            try db.create(index: "bounces_by_person", on: "bounces", columns: ["personId", "receivedAt"])
            try db.create(index: "outbound_by_post_recipient", on: "outbound_messages", columns: ["postId", "recipientId"])
        }
    }
}
