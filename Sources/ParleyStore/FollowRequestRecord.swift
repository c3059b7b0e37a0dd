import Foundation
import GRDB

/// A row of `follow_requests`: someone asked, on a blog, to follow a post or a
/// conversation by email; `pending` until they confirm, then `confirmed`.
public struct FollowRequestRecord: Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "follow_requests"
    public var id: Int64?
    public var personId: Int64
    /// `post` or `conversation`.
    public var scope: String
    public var postId: String?
    public var conversationId: String?
    public var status: String
    public var createdAt: Date
    public var confirmedAt: Date?

    public init(personId: Int64, scope: String, postId: String?, conversationId: String?, createdAt: Date) {
        self.personId = personId; self.scope = scope; self.postId = postId; self.conversationId = conversationId
        status = "pending"; self.createdAt = createdAt; confirmedAt = nil
    }

    public init(row: Row) throws {
        id = row["id"]; personId = row["personId"]; scope = row["scope"]; postId = row["postId"]
        conversationId = row["conversationId"]; status = row["status"]; createdAt = try row.date("createdAt")
        confirmedAt = row.optionalDate("confirmedAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["personId"] = personId; container["scope"] = scope; container["postId"] = postId
        container["conversationId"] = conversationId; container["status"] = status; container["createdAt"] = StoreDate.text(createdAt)
        container["confirmedAt"] = confirmedAt.map(StoreDate.text)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension StoreTransaction {
    public func insertFollowRequest(_ request: FollowRequestRecord) throws -> FollowRequestRecord {
        var r = request
        try r.insert(db)
        return r
    }

    public func followRequest(id: Int64) throws -> FollowRequestRecord? {
        try FollowRequestRecord.fetchOne(db, key: id)
    }

    public func update(_ request: FollowRequestRecord) throws {
        try request.update(db)
    }

    /// A person's requests, newest first.
    public func followRequests(personId: Int64) throws -> [FollowRequestRecord] {
        try FollowRequestRecord.fetchAll(db, sql: "SELECT * FROM follow_requests WHERE personId = ? ORDER BY id DESC", arguments: [personId])
    }

    /// The post whose permalink is this URL (compared as written after trimming a trailing slash).
    public func posts(url: String) throws -> [PostRecord] {
        try PostRecord.fetchAll(db, sql: "SELECT * FROM posts WHERE url = ? OR url = ? OR url = ?",
                                arguments: [url, url.hasSuffix("/") ? String(url.dropLast()) : url + "/", url])
    }
}

extension StoreTransaction {
    /// Whether a person has an active subscription to that post or conversation.
    public func isSubscribed(personId: Int64, postId: String?, conversationId: String?) throws -> Bool {
        var request = SubscriptionRecord.filter(Column("personId") == personId && Column("active") == true)
        request = postId.map { request.filter(Column("postId") == $0) } ?? request.filter(Column("postId") == nil)
        request = conversationId.map { request.filter(Column("conversationId") == $0) } ?? request.filter(Column("conversationId") == nil)
        return try request.fetchCount(db) > 0
    }
}
