import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// Subscribes a person (re-activating an old subscription of the same scope).
    @discardableResult
    public func subscribe(personId: Int64, scope: String, postId: String?, conversationId: String?, now: Date) throws -> SubscriptionRecord {
        var request = SubscriptionRecord.filter(Column("personId") == personId && Column("scope") == scope)
        request = postId.map { request.filter(Column("postId") == $0) } ?? request.filter(Column("postId") == nil)
        request = conversationId.map { request.filter(Column("conversationId") == $0) } ?? request.filter(Column("conversationId") == nil)
        if var existing = try request.fetchOne(db) {
            if !existing.active {
                existing.active = true
                try existing.update(db)
            }
            return existing
        }
        var s = SubscriptionRecord(personId: personId, scope: scope, postId: postId, conversationId: conversationId, createdAt: now)
        try s.insert(db)
        return s
    }

    /// Ends subscriptions of a person: of one post, one conversation, or all.
    /// Returns how many were active.
    @discardableResult
    public func unsubscribe(personId: Int64, postId: String? = nil, conversationId: String? = nil) throws -> Int {
        var request = SubscriptionRecord.filter(Column("personId") == personId && Column("active") == true)
        if let postId { request = request.filter(Column("postId") == postId) }
        if let conversationId { request = request.filter(Column("conversationId") == conversationId) }
        return try request.updateAll(db, Column("active").set(to: false))
    }

    /// Active subscriptions to a post or a conversation.
    public func subscribers(postId: String?, conversationId: String?) throws -> [SubscriptionRecord] {
        var clauses: [SQLExpression] = []
        if let postId { clauses.append(Column("scope") == "post" && Column("postId") == postId) }
        if let conversationId { clauses.append(Column("scope") == "conversation" && Column("conversationId") == conversationId) }
        guard !clauses.isEmpty else { return [] }
        return try SubscriptionRecord.filter(Column("active") == true).filter(clauses.joined(operator: .or))
            .order(Column("id")).fetchAll(db)
    }

    /// Whether a person wants to hear about replies to their own comments.
    public func wantsReplies(personId: Int64) throws -> Bool {
        let sub = try SubscriptionRecord.filter(Column("personId") == personId && Column("scope") == "replies").fetchOne(db)
        return sub?.active ?? false
    }

    /// Whether a person has switched off everything (unsubscribed from all).
    public func subscriptions(personId: Int64) throws -> [SubscriptionRecord] {
        try SubscriptionRecord.filter(Column("personId") == personId).order(Column("id")).fetchAll(db)
    }

    public func allSubscriptions() throws -> [SubscriptionRecord] {
        try SubscriptionRecord.order(Column("id")).fetchAll(db)
    }
}

extension StoreTransaction {
    /// Records that a person opted out of a post, so the post's notifications skip them
    /// even when they are its author or a partner.
    public func subscribeInactive(personId: Int64, postId: String, now: Date) throws {
        var s = try subscribe(personId: personId, scope: "post", postId: postId, conversationId: nil, now: now)
        s.active = false
        try s.update(db)
    }
}
