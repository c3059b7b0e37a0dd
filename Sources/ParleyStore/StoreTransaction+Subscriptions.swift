import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// Subscribes a person (re-activating an old subscription of the same scope).
    @discardableResult
    public func subscribe(personId: Int64, scope: String, postId: String?, conversationId: String?, now: Date) throws -> SubscriptionRecord {
        cache.subscriptions = .init()
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
        cache.subscriptions = .init()
        var request = SubscriptionRecord.filter(Column("personId") == personId && Column("active") == true)
        if let postId { request = request.filter(Column("postId") == postId) }
        if let conversationId { request = request.filter(Column("conversationId") == conversationId) }
        return try request.updateAll(db, Column("active").set(to: false))
    }

    /// Active subscriptions to a post or a conversation.
    public func subscribers(postId: String?, conversationId: String?) throws -> [SubscriptionRecord] {
        let key = "\(postId ?? "")/\(conversationId ?? "")"
        if let known = cache.subscriptions.subscribers[key] { return known }
        let found = try readSubscribers(postId: postId, conversationId: conversationId)
        cache.subscriptions.subscribers[key] = found
        return found
    }

    private func readSubscribers(postId: String?, conversationId: String?) throws -> [SubscriptionRecord] {
        switch (postId, conversationId) {
        case (nil, nil):
            return []
        case (let post?, nil):
            return try SubscriptionRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE active AND scope = 'post' AND postId = ? ORDER BY id"),
                                                   arguments: [post])
        case (nil, let conversation?):
            return try SubscriptionRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE active AND scope = 'conversation' AND conversationId = ? ORDER BY id"),
                                                   arguments: [conversation])
        case (let post?, let conversation?):
            return try SubscriptionRecord.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM subscriptions WHERE active AND ((scope = 'post' AND postId = ?) OR (scope = 'conversation' AND conversationId = ?)) ORDER BY id
                """), arguments: [post, conversation])
        }
    }

    /// Whether a person wants to hear about replies to their own comments.
    public func wantsReplies(personId: Int64) throws -> Bool {
        if let known = cache.subscriptions.wantsReplies[personId] { return known }
        let wants = try Bool.fetchOne(db.cachedStatement(sql: "SELECT active FROM subscriptions WHERE personId = ? AND scope = 'replies' ORDER BY id LIMIT 1"),
                                      arguments: [personId]) ?? false
        cache.subscriptions.wantsReplies[personId] = wants
        return wants
    }

    /// Whether a person has switched off everything (unsubscribed from all).
    /// Whether the person has a subscription of this scope (active or not).
    public func hasSubscription(personId: Int64, scope: String) throws -> Bool {
        let key = "\(personId)/\(scope)"
        if let known = cache.subscriptions.has[key] { return known }
        let has = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE personId = ? AND scope = ?)"),
                                    arguments: [personId, scope]) ?? false
        cache.subscriptions.has[key] = has
        return has
    }

    public func subscriptions(personId: Int64) throws -> [SubscriptionRecord] {
        try SubscriptionRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE personId = ? ORDER BY id"), arguments: [personId])
    }

    /// The inactive subscriptions (opt-outs) of these persons, by person: one query per 500.
    public func optOuts(personIds: [Int64]) throws -> [Int64: [SubscriptionRecord]] {
        var out: [Int64: [SubscriptionRecord]] = [:]
        var unknown: Set<Int64> = []
        for id in personIds {
            if let known = cache.subscriptions.optOuts[id] {
                if !known.isEmpty { out[id] = known }
            } else {
                unknown.insert(id)
            }
        }
        let unique = unknown.sorted()
        var start = 0
        while start < unique.count {
            let chunk = Array(unique[start..<min(start + 500, unique.count)])
            let sql = "SELECT * FROM subscriptions WHERE NOT active AND personId IN (\(chunk.map { _ in "?" }.joined(separator: ","))) ORDER BY id"
            for s in try SubscriptionRecord.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(chunk)) {
                out[s.personId, default: []].append(s)
            }
            for id in chunk { cache.subscriptions.optOuts[id] = out[id] ?? [] }
            start += 500
        }
        return out
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
        cache.subscriptions = .init()
        s.active = false
        try s.update(db)
    }
}
