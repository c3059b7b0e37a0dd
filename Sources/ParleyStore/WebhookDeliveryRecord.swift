import Foundation
import GRDB

/// A row of `webhook_deliveries`: one webhook POST, kept until delivered or given up.
public struct WebhookDeliveryRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "webhook_deliveries"
    public var id: Int64?
    /// `comment.published` or `comment.rejected`.
    public var event: String
    public var postId: String
    public var commentId: Int64?
    /// The exact JSON body that is signed and sent.
    public var payload: Data
    /// `queued`, `deferred`, `delivered`, `failed`.
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    /// The HTTP status of the last attempt, if the receiver answered.
    public var responseCode: Int?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(id: Int64? = nil, event: String, postId: String, commentId: Int64?, payload: Data, status: String = "queued",
                attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, responseCode: Int? = nil,
                createdAt: Date, deliveredAt: Date? = nil) {
        self.id = id; self.event = event; self.postId = postId; self.commentId = commentId; self.payload = payload
        self.status = status; self.attempts = attempts; self.nextAttemptAt = nextAttemptAt; self.lastError = lastError
        self.responseCode = responseCode; self.createdAt = createdAt; self.deliveredAt = deliveredAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
