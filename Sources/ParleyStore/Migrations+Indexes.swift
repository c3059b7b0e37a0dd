import GRDB

extension Migrations {
    /// "v3-indexes": indexes that keep per-message work constant as tables grow (found
    /// by profiling a 10,000-reply ingest, where these lookups scanned whole tables).
    static func registerIndexes(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-indexes") { db in
            try db.create(index: "outbound_by_comment", on: "outbound_messages", columns: ["commentId"])
            try db.create(index: "outbound_by_post_kind", on: "outbound_messages", columns: ["postId", "kind"])
            try db.create(index: "comments_by_author", on: "comments", columns: ["authorId", "status"])
            try db.create(index: "subscriptions_by_person", on: "subscriptions", columns: ["personId"])
            try db.create(index: "subscriptions_by_post", on: "subscriptions", columns: ["postId"])
            try db.create(index: "subscriptions_by_conversation", on: "subscriptions", columns: ["conversationId"])
        }
        // The ingest inserts a comment before the inbound message it came from, with
        // foreign keys checked at the commit; each inbound insert then looks for the
        // comments that refer to it, which without this index scanned all of them.
        migrator.registerMigration("v5-comments-by-inbound") { db in
            try db.create(index: "comments_by_inbound", on: "comments", columns: ["inboundId"])
            try db.create(index: "comments_by_parent", on: "comments", columns: ["parentId"])
        }
    }
}
