import Foundation
import GRDB

/// A row of `webmentions`: one (source, target) pair someone sent. `status`:
/// - `new`: received, never verified yet;
/// - `published`: verified and shown in the target post's thread (kind `mention`);
/// - `pending`: verified, held for moderation;
/// - `rejected`: a moderator said no (kept so that a re-send does not show it again);
/// - `removed`: was shown or held, then its source stopped linking the target or went away;
/// - `refused`: verification failed (no link, too large, unreachable…), see `reason`.
/// `verifyAt` is set while a verification is due (the queue).
public struct WebmentionRecord: Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "webmentions"
    public var id: Int64?
    public var source: String
    public var target: String
    public var postId: String
    public var sourceHost: String
    public var status: String
    public var reason: String
    public var authorName: String?
    public var authorURL: String?
    public var content: String
    public var publishedAt: Date?
    public var verifyAt: Date?
    public var attempts: Int
    public var receivedAt: Date
    public var updatedAt: Date

    public init(source: String, target: String, postId: String, sourceHost: String, now: Date) {
        self.source = source; self.target = target; self.postId = postId; self.sourceHost = sourceHost
        status = "new"; reason = "received; verification queued"; content = ""; verifyAt = now; attempts = 0
        receivedAt = now; updatedAt = now
    }

    public init(row: Row) throws {
        id = row["id"]; source = row["source"]; target = row["target"]; postId = row["postId"]; sourceHost = row["sourceHost"]
        status = row["status"]; reason = row["reason"]; authorName = row["authorName"]; authorURL = row["authorURL"]
        content = row["content"]; publishedAt = row.optionalDate("publishedAt"); verifyAt = row.optionalDate("verifyAt")
        attempts = row["attempts"]; receivedAt = try row.date("receivedAt"); updatedAt = try row.date("updatedAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["source"] = source; container["target"] = target; container["postId"] = postId
        container["sourceHost"] = sourceHost; container["status"] = status; container["reason"] = reason
        container["authorName"] = authorName; container["authorURL"] = authorURL; container["content"] = content
        container["publishedAt"] = publishedAt.map(StoreDate.text); container["verifyAt"] = verifyAt.map(StoreDate.text)
        container["attempts"] = attempts; container["receivedAt"] = StoreDate.text(receivedAt)
        container["updatedAt"] = StoreDate.text(updatedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `webmention_sends`: a Webmention Parley owes a page its blog's post links.
/// `status`: `queued` (due at `nextAttemptAt`), `sent` (the endpoint accepted it),
/// `no-endpoint` (the page has none: nothing to send), `failed` (refused, or retrying
/// is over; see `reason`).
public struct WebmentionSendRecord: Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "webmention_sends"
    public var id: Int64?
    public var postId: String
    public var source: String
    public var target: String
    public var endpoint: String?
    public var status: String
    public var reason: String
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var sentAt: Date?

    public init(postId: String, source: String, target: String, now: Date) {
        self.postId = postId; self.source = source; self.target = target; endpoint = nil
        status = "queued"; reason = "queued"; attempts = 0; nextAttemptAt = now; createdAt = now; sentAt = nil
    }

    public init(row: Row) throws {
        id = row["id"]; postId = row["postId"]; source = row["source"]; target = row["target"]; endpoint = row["endpoint"]
        status = row["status"]; reason = row["reason"]; attempts = row["attempts"]; nextAttemptAt = row.optionalDate("nextAttemptAt")
        createdAt = try row.date("createdAt"); sentAt = row.optionalDate("sentAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["postId"] = postId; container["source"] = source; container["target"] = target
        container["endpoint"] = endpoint; container["status"] = status; container["reason"] = reason
        container["attempts"] = attempts; container["nextAttemptAt"] = nextAttemptAt.map(StoreDate.text)
        container["createdAt"] = StoreDate.text(createdAt); container["sentAt"] = sentAt.map(StoreDate.text)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension StoreTransaction {
    public func webmention(source: String, target: String) throws -> WebmentionRecord? {
        try WebmentionRecord.fetchOne(db, sql: "SELECT * FROM webmentions WHERE source = ? AND target = ?", arguments: [source, target])
    }

    public func webmention(id: Int64) throws -> WebmentionRecord? {
        try WebmentionRecord.fetchOne(db, key: id)
    }

    /// Inserts or updates (by id).
    public func save(_ mention: WebmentionRecord) throws -> WebmentionRecord {
        var m = mention
        try m.save(db)
        return m
    }

    /// Verifications waiting for one source host.
    public func queuedWebmentions(sourceHost: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webmentions WHERE sourceHost = ? AND verifyAt IS NOT NULL", arguments: [sourceHost]) ?? 0
    }

    /// Verifications due now, oldest first.
    public func dueWebmentions(now: Date, limit: Int) throws -> [WebmentionRecord] {
        try WebmentionRecord.fetchAll(db, sql: "SELECT * FROM webmentions WHERE verifyAt IS NOT NULL AND verifyAt <= ? ORDER BY verifyAt, id LIMIT ?",
                                      arguments: [StoreDate.text(now), limit])
    }

    /// When the next verification is due, if any is queued.
    public func nextWebmentionDue() throws -> Date? {
        try String.fetchOne(db, sql: "SELECT MIN(verifyAt) FROM webmentions WHERE verifyAt IS NOT NULL").flatMap(StoreDate.parse)
    }

    /// A post's mentions with a status (oldest first).
    public func webmentions(postId: String, status: String) throws -> [WebmentionRecord] {
        try WebmentionRecord.fetchAll(db, sql: "SELECT * FROM webmentions WHERE postId = ? AND status = ? ORDER BY COALESCE(publishedAt, receivedAt), id",
                                      arguments: [postId, status])
    }

    /// Every mention, newest first, optionally of one status.
    public func webmentions(status: String?) throws -> [WebmentionRecord] {
        if let status {
            return try WebmentionRecord.fetchAll(db, sql: "SELECT * FROM webmentions WHERE status = ? ORDER BY id DESC", arguments: [status])
        }
        return try WebmentionRecord.fetchAll(db, sql: "SELECT * FROM webmentions ORDER BY id DESC")
    }

    /// Whether a source host has had a mention published before (first-time moderation).
    public func hasPublishedWebmention(sourceHost: String) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webmentions WHERE sourceHost = ? AND status = 'published'", arguments: [sourceHost]) ?? 0 > 0
    }

    /// Queues a Webmention to send, once per (source, target).
    @discardableResult
    public func queueWebmentionSend(_ send: WebmentionSendRecord) throws -> Bool {
        let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webmention_sends WHERE source = ? AND target = ?", arguments: [send.source, send.target]) ?? 0
        guard existing == 0 else { return false }
        var s = send
        try s.insert(db)
        return true
    }

    public func dueWebmentionSends(now: Date, limit: Int) throws -> [WebmentionSendRecord] {
        try WebmentionSendRecord.fetchAll(db, sql: "SELECT * FROM webmention_sends WHERE status = 'queued' AND nextAttemptAt <= ? ORDER BY nextAttemptAt, id LIMIT ?",
                                          arguments: [StoreDate.text(now), limit])
    }

    public func nextWebmentionSendDue() throws -> Date? {
        try String.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM webmention_sends WHERE status = 'queued'").flatMap(StoreDate.parse)
    }

    public func update(_ send: WebmentionSendRecord) throws {
        try send.update(db)
    }

    public func webmentionSends(postId: String? = nil) throws -> [WebmentionSendRecord] {
        if let postId {
            return try WebmentionSendRecord.fetchAll(db, sql: "SELECT * FROM webmention_sends WHERE postId = ? ORDER BY id", arguments: [postId])
        }
        return try WebmentionSendRecord.fetchAll(db, sql: "SELECT * FROM webmention_sends ORDER BY id DESC")
    }
}
