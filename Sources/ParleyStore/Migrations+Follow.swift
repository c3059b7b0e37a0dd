import GRDB

extension Migrations {
    /// "v7-follow": requests to follow a post or a conversation made on a blog's follow
    /// form. Nobody is subscribed before the request is confirmed (double opt-in).
    static func registerFollow(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-follow") { db in
            try db.create(table: "follow_requests") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("personId", .integer).notNull().references("persons")
                t.column("scope", .text).notNull()
                t.column("postId", .text)
                t.column("conversationId", .text)
                t.column("status", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("confirmedAt", .datetime)
            }
        }
    }
}
