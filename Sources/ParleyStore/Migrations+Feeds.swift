import GRDB

extension Migrations {
    /// "v6-feeds": the blogs whose feeds Parley reads, and what a post learnt from its
    /// feed entry: which blog and entry it came from, its excerpt, its publication time
    /// and the earlier post of its conversation it answers.
    static func registerFeeds(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-feeds") { db in
            try db.create(table: "blogs") { t in
                t.primaryKey("name", .text)
                t.column("feedURL", .text).notNull()
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.column("lastFetchAt", .datetime)
                t.column("lastStatus", .integer)
                t.column("lastError", .text)
                t.column("state", .text).notNull().defaults(to: "new")
                t.column("failures", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime)
                t.column("firstSyncAt", .datetime)
            }
            try db.alter(table: "posts") { t in
                t.add(column: "blog", .text)
                t.add(column: "entryId", .text)
                t.add(column: "excerpt", .text)
                t.add(column: "answersPostId", .text)
                t.add(column: "publishedAt", .datetime)
            }
            try db.execute(sql: "CREATE UNIQUE INDEX posts_by_entry ON posts(blog, entryId) WHERE blog IS NOT NULL")
            try db.create(index: "posts_by_answer", on: "posts", columns: ["answersPostId"])
        }
    }
}
