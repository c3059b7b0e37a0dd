import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// The id the next outbound row will get. Notifications need it before they are
    /// built (their VERP envelope sender and bounce token name the row), so the caller
    /// takes it first and inserts the row with it. AUTOINCREMENT ids are never reused,
    /// so the sequence counts as well as the rows: a token naming a deleted row can never
    /// come to name a new one.
    public func nextOutboundId() throws -> Int64 {
        let sql = """
            SELECT max(ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'outbound_messages'), 0),
                       ifnull((SELECT max(id) FROM outbound_messages), 0)) + 1
            """
        return try Int64.fetchOne(db.cachedStatement(sql: sql)) ?? 1
    }

    /// The Message-IDs of the new-post and new-comment notifications already queued for
    /// this post about these comments, for building each recipient's References chain
    /// (prepared statements kept, rows read by position).
    public func threadMessageIDs(postId: String, commentIds: [Int64]) throws -> [KnownMessageID] {
        let key = "\(postId)/\(commentIds)"
        if let known = cache.threadMessageIDs[key] { return known }
        let found = try readThreadMessageIDs(postId: postId, commentIds: commentIds)
        cache.threadMessageIDs[key] = found
        return found
    }

    private func readThreadMessageIDs(postId: String, commentIds: [Int64]) throws -> [KnownMessageID] {
        // Two indexed selects rather than one OR, which made SQLite scan every
        // notification of the post for each new comment.
        var sql = """
            SELECT id, recipientId, commentId, messageId FROM outbound_messages
            WHERE postId = ? AND kind = 'new-post' AND commentId IS NULL AND recipientId IS NOT NULL
            """
        var arguments: [(any DatabaseValueConvertible)?] = [postId]
        if !commentIds.isEmpty {
            sql += """

                UNION ALL
                SELECT id, recipientId, commentId, messageId FROM outbound_messages
                WHERE commentId IN (\(commentIds.map { _ in "?" }.joined(separator: ","))) AND postId = ? AND recipientId IS NOT NULL
                """
            arguments += commentIds.map { $0 as (any DatabaseValueConvertible)? }
            arguments.append(postId)
        }
        let statement = try db.cachedStatement(sql: sql + "\nORDER BY id")
        var out: [KnownMessageID] = []
        let rows = try Row.fetchCursor(statement, arguments: StatementArguments(arguments))
        while let row = try rows.next() {
            out.append(KnownMessageID(recipientId: row[1], commentId: row[2], messageId: row[3]))
        }
        return out
    }
}

extension StoreTransaction {
    /// Empties the bytes of notifications sent (or failed) before `cutoff`; the rows, and
    /// with them the threading of later replies, stay. Returns how many were emptied.
    @discardableResult
    public func pruneSentBytes(before cutoff: Date) throws -> Int {
        try db.execute(sql: """
            UPDATE outbound_raw SET raw = x''
            WHERE length(raw) > 0 AND outboundId IN (
                SELECT id FROM outbound_messages WHERE status IN ('sent', 'failed') AND ifnull(sentAt, createdAt) < ?)
            """, arguments: [StoreDate.text(cutoff)])
        return db.changesCount
    }
}
