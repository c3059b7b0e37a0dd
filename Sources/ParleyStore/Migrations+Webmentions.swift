import GRDB

extension Migrations {
    /// "v8-webmentions": Webmentions received (a durable queue of verifications, and the
    /// mentions shown) and sent (a durable queue like the outbox's).
    static func registerWebmentions(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-webmentions") { db in
            try db.create(table: "webmentions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("source", .text).notNull()
                t.column("target", .text).notNull()
                t.column("postId", .text).notNull().references("posts", column: "id")
                t.column("sourceHost", .text).notNull()
                t.column("status", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("authorName", .text)
                t.column("authorURL", .text)
                t.column("content", .text).notNull()
                t.column("publishedAt", .datetime)
                t.column("verifyAt", .datetime)
                t.column("attempts", .integer).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["source", "target"])
            }
            try db.create(index: "webmentions_by_post", on: "webmentions", columns: ["postId", "status"])
            try db.create(index: "webmentions_due", on: "webmentions", columns: ["verifyAt"])
            try db.create(table: "webmention_sends") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("postId", .text).notNull().references("posts", column: "id")
                t.column("source", .text).notNull()
                t.column("target", .text).notNull()
                t.column("endpoint", .text)
                t.column("status", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("nextAttemptAt", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("sentAt", .datetime)
                t.uniqueKey(["source", "target"])
            }
            try db.create(index: "webmention_sends_due", on: "webmention_sends", columns: ["nextAttemptAt"])
        }
    }
}
