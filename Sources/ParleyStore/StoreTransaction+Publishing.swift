import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    // MARK: static views

    /// Marks a post's static views as needing a rewrite: a new version of its request.
    ///
    /// Once per post in a transaction (an ingest batch of replies to one post asked a
    /// hundred times): the first time stands for the rest, all of which become visible
    /// together when the transaction commits.
    public func requestViewUpdate(postId: String, now: Date) throws {
        guard cache.viewRequests.insert(postId).inserted else { return }
        try db.cachedStatement(sql: """
            INSERT INTO view_updates (postId, requestedAt, version) VALUES (?, ?, 1)
            ON CONFLICT(postId) DO UPDATE SET requestedAt = excluded.requestedAt, version = version + 1
            """).execute(arguments: [postId, StoreDate.text(now)])
    }

    /// A post whose views wait for a rewrite, and the version of its request.
    public struct ViewRequest: Sendable, Equatable {
        public var postId: String
        public var version: Int64
    }

    /// Posts whose views wait for a rewrite, oldest request first. Read them before
    /// rendering: what is rendered then includes every change the versions stand for.
    public func pendingViewUpdates() throws -> [ViewRequest] {
        try Row.fetchAll(db, sql: "SELECT postId, version FROM view_updates ORDER BY requestedAt, postId")
            .map { ViewRequest(postId: $0[0], version: $0[1]) }
    }

    /// Clears a request if it is still the version the rewrite read before rendering;
    /// a request committed since (a newer version) stays for the next rewrite, whatever
    /// the clocks of the two transactions said.
    public func clearViewUpdate(_ request: ViewRequest) throws {
        cache.viewRequests.remove(request.postId)
        try db.execute(sql: "DELETE FROM view_updates WHERE postId = ? AND version = ?", arguments: [request.postId, request.version])
    }

    // MARK: webhooks

    /// Queues a webhook delivery and returns it with its id.
    public func insertWebhook(_ record: WebhookDeliveryRecord) throws -> WebhookDeliveryRecord {
        var r = record
        try r.insert(db)
        return r
    }

    public func update(_ webhook: WebhookDeliveryRecord) throws {
        try webhook.update(db)
    }

    /// Deliveries due now, oldest first.
    public func dueWebhooks(now: Date, limit: Int) throws -> [WebhookDeliveryRecord] {
        try WebhookDeliveryRecord.filter(["queued", "deferred"].contains(Column("status")) && Column("nextAttemptAt") <= now)
            .order(Column("nextAttemptAt"), Column("id")).limit(limit).fetchAll(db)
    }

    /// Every delivery, oldest first.
    public func webhooks(status: String? = nil) throws -> [WebhookDeliveryRecord] {
        var request = WebhookDeliveryRecord.all()
        if let status { request = request.filter(Column("status") == status) }
        return try request.order(Column("id")).fetchAll(db)
    }

    // MARK: rejection notices

    /// Claims the one notice allowed per address, reason and day. Returns false when
    /// one was already sent (or claimed) for that triple.
    public func claimRejectionNotice(emailKey: String, reason: String, day: Int64, now: Date) throws -> Bool {
        try db.execute(sql: "INSERT INTO rejection_notices (emailKey, reason, day, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       arguments: [emailKey, reason, day, now])
        return db.changesCount > 0
    }

    /// Records which outbound message carried a claimed notice.
    public func recordRejectionNotice(emailKey: String, reason: String, day: Int64, outboundId: Int64) throws {
        try db.execute(sql: "UPDATE rejection_notices SET outboundId = ? WHERE emailKey = ? AND reason = ? AND day = ?",
                       arguments: [outboundId, emailKey, reason, day])
    }

    // MARK: posts

    /// Saves changes to a post (its title, URL, or whether it is closed to comments).
    public func update(_ post: PostRecord) throws {
        cache.posts.removeAll()
        cache.postIds.removeAll()
        try post.update(db)
    }
}

extension StoreTransaction {
    /// Whether a post's views wait for a rewrite (its static files are behind).
    public func viewUpdatePending(postId: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM view_updates WHERE postId = ?)"), arguments: [postId]) ?? false
    }
}
