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
    }
}
