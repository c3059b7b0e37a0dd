import Foundation
import GRDB
import ParleyCore

/// A Message-ID a recipient already holds for a place in a post's thread.
public struct KnownMessageID: Sendable, Equatable {
    public var recipientId: Int64
    /// nil for the new-post notification.
    public var commentId: Int64?
    public var messageId: String

    public init(recipientId: Int64, commentId: Int64?, messageId: String) {
        self.recipientId = recipientId
        self.commentId = commentId
        self.messageId = messageId
    }
}

extension StoreTransaction {
    /// The outbound message with this Message-ID.
    public func outbound(messageId: String) throws -> OutboundRecord? {
        try OutboundRecord.fetchOne(db.cachedStatement(sql: "\(OutboundRecord.selectSQL) WHERE m.messageId = ?"), arguments: [messageId])
    }

    /// Records a bounce and returns it with its id.
    @discardableResult
    public func insertBounce(_ record: BounceRecord) throws -> BounceRecord {
        var r = record
        try r.insert(db)
        return r
    }

    /// A person's bounces, oldest first.
    public func bounces(personId: Int64) throws -> [BounceRecord] {
        try BounceRecord.filter(Column("personId") == personId).order(Column("receivedAt"), Column("id")).fetchAll(db)
    }

    /// Defers every message due at `now` (but `except`) to `until` without counting an
    /// attempt: the server is unavailable, so the whole outbox backs off together.
    /// Returns how many were deferred.
    @discardableResult
    public func deferDue(now: Date, until: Date, reason: String, except: Int64) throws -> Int {
        try db.execute(sql: """
            UPDATE outbound_messages SET status = 'deferred', nextAttemptAt = ?, lastError = ?
            WHERE status IN ('queued', 'deferred') AND nextAttemptAt <= ? AND id != ?
            """, arguments: [until, reason, now, except])
        return db.changesCount
    }

    /// Saves an outbound message's delivery state (status, attempts, next attempt, error,
    /// SMTP reply, sent time), leaving its bytes alone.
    public func updateDelivery(_ outbound: OutboundRecord) throws {
        try db.cachedStatement(sql: """
            UPDATE outbound_messages SET status = ?, attempts = ?, nextAttemptAt = ?, lastError = ?, smtpReply = ?, sentAt = ? WHERE id = ?
            """).execute(arguments: [outbound.status, outbound.attempts, StoreDate.text(outbound.nextAttemptAt), outbound.lastError,
                                     outbound.smtpReply, outbound.sentAt.map(StoreDate.text), outbound.id])
    }

    /// Records an opt-out as an inactive subscription of this scope, so that the person is
    /// skipped even where they would be notified by role (post author, partner).
    public func optOut(personId: Int64, scope: String, postId: String?, conversationId: String?, now: Date) throws {
        var s = try subscribe(personId: personId, scope: scope, postId: postId, conversationId: conversationId, now: now)
        cache.subscriptions = .init()
        s.active = false
        try s.update(db)
    }
}
