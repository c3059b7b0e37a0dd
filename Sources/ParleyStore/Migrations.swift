import GRDB

/// The schema, as named migrations applied in order on every start.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "persons") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull()
                t.column("emailKey", .text).notNull().unique()
                t.column("name", .text)
                t.column("trusted", .boolean).notNull().defaults(to: false)
                t.column("bounceScore", .integer).notNull().defaults(to: 0)
                t.column("suspendedUntil", .datetime)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "conversations") { t in
                t.primaryKey("id", .text)
                t.column("title", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "conversation_partners") { t in
                t.column("conversationId", .text).notNull().references("conversations", onDelete: .cascade)
                t.column("personId", .integer).notNull().references("persons")
                t.primaryKey(["conversationId", "personId"])
            }
            try db.create(table: "posts") { t in
                t.autoIncrementedPrimaryKey("number")
                t.column("id", .text).notNull().unique()
                t.column("title", .text).notNull()
                t.column("url", .text).notNull()
                t.column("authorId", .integer).notNull().references("persons")
                t.column("conversationId", .text).references("conversations")
                t.column("closed", .boolean).notNull().defaults(to: false)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "inbound_messages") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("mailbox", .text).notNull()
                t.column("uidValidity", .integer).notNull()
                t.column("uid", .integer).notNull()
                t.column("messageId", .text)
                t.column("hash", .text).notNull()
                t.column("status", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("fromAddress", .text)
                t.column("subject", .text)
                t.column("size", .integer).notNull()
                t.column("raw", .blob).notNull()
                t.column("commentId", .integer)
                t.column("receivedAt", .datetime).notNull()
                t.uniqueKey(["mailbox", "uidValidity", "uid"])
            }
            try db.create(index: "inbound_by_message_id", on: "inbound_messages", columns: ["messageId"])
            try db.create(index: "inbound_by_hash", on: "inbound_messages", columns: ["hash"])
            try db.create(table: "comments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("postId", .text).notNull().references("posts", column: "id")
                t.column("parentId", .integer).references("comments")
                t.column("authorId", .integer).notNull().references("persons")
                t.column("body", .text).notNull()
                t.column("elided", .text).notNull()
                t.column("status", .text).notNull()
                t.column("holdReason", .text)
                t.column("source", .text).notNull()
                t.column("messageId", .text)
                t.column("inboundId", .integer).references("inbound_messages")
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "comments_by_post", on: "comments", columns: ["postId", "status"])
            try db.create(table: "subscriptions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("personId", .integer).notNull().references("persons")
                t.column("scope", .text).notNull()
                t.column("postId", .text).references("posts", column: "id")
                t.column("conversationId", .text).references("conversations")
                t.column("active", .boolean).notNull().defaults(to: true)
                t.column("createdAt", .datetime).notNull()
            }
            try db.execute(sql: "CREATE UNIQUE INDEX subscriptions_unique ON subscriptions(personId, scope, ifnull(postId, ''), ifnull(conversationId, ''))")
            try db.create(table: "outbound_messages") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("recipientId", .integer).references("persons")
                t.column("recipient", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("token", .text).notNull()
                t.column("messageId", .text).notNull().unique()
                t.column("envelopeFrom", .text).notNull()
                t.column("raw", .blob).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("lastError", .text)
                t.column("smtpReply", .text)
                t.column("postId", .text)
                t.column("commentId", .integer)
                t.column("createdAt", .datetime).notNull()
                t.column("sentAt", .datetime)
            }
            try db.create(index: "outbound_due", on: "outbound_messages", columns: ["status", "nextAttemptAt"])
            try db.create(table: "checkpoints") { t in
                t.primaryKey("mailbox", .text)
                t.column("uidValidity", .integer).notNull()
                t.column("lastUid", .integer).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
        }
        registerPublishing(&migrator)
        registerNotify(&migrator)
        registerIndexes(&migrator)
        registerOutbox(&migrator)
        registerViewVersion(&migrator)
        registerFeeds(&migrator)
        registerFollow(&migrator)
        registerWebmentions(&migrator)
        registerReading(&migrator)
        return migrator
    }
}
