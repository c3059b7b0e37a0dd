import Foundation
import GRDB

/// A row of `blogs`: what Parley knows of one `[[blog]]`'s feed.
public struct BlogRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "blogs"

    /// The state of a blog's feed.
    public enum State: String, Codable, Sendable {
        /// Never fetched successfully.
        case new
        /// The last fetch worked (200 or 304).
        case ok
        /// The last fetches failed; retried with a growing wait.
        case failing
        /// The server answered 410 Gone: not fetched again until `feed_url` changes or
        /// `parley feed sync --blog NAME` is run.
        case gone
    }

    public var name: String
    /// The URL the state belongs to: a changed `feed_url` starts afresh.
    public var feedURL: String
    /// Validators of the last 200, sent back for a conditional GET.
    public var etag: String?
    public var lastModified: String?
    /// The last fetch that changed something (a 304 is not written down).
    public var lastFetchAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var state: State
    /// Failures in a row.
    public var failures: Int
    /// Not fetched before this (after failures).
    public var nextAttemptAt: Date?
    /// The first successful sync: what the feed held then was registered silently.
    public var firstSyncAt: Date?

    public init(name: String, feedURL: String) {
        self.name = name; self.feedURL = feedURL; etag = nil; lastModified = nil; lastFetchAt = nil; lastStatus = nil
        lastError = nil; state = .new; failures = 0; nextAttemptAt = nil; firstSyncAt = nil
    }
}

extension StoreTransaction {
    public func blog(name: String) throws -> BlogRecord? {
        try BlogRecord.fetchOne(db, key: name)
    }

    public func save(_ blog: BlogRecord) throws {
        try blog.save(db)
    }

    /// The post made from a blog's feed entry.
    public func post(blog: String, entryId: String) throws -> PostRecord? {
        try PostRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM posts WHERE blog = ? AND entryId = ?"), arguments: [blog, entryId])
    }

    /// How many posts a blog's feed has made.
    public func postCount(blog: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM posts WHERE blog = ?", arguments: [blog]) ?? 0
    }

    /// The posts of a conversation, oldest first.
    public func posts(conversation: String) throws -> [PostRecord] {
        try PostRecord.fetchAll(db, sql: "SELECT * FROM posts WHERE conversationId = ? ORDER BY ifnull(publishedAt, createdAt), number",
                                arguments: [conversation])
    }

    /// The ids of the posts that answer a post, oldest first.
    public func answers(to postId: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT id FROM posts WHERE answersPostId = ? ORDER BY ifnull(publishedAt, createdAt), number",
                            arguments: [postId])
    }
}
