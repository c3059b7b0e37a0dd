import Foundation
import ParleyStore

extension Relay {
    /// Publishes (and notifies) or rejects a held comment.
    public func moderate(commentId: Int64, approve: Bool) throws {
        try store.write { tx in
            guard var comment = try tx.comment(id: commentId) else { throw AdminError("no comment \(commentId)") }
            guard comment.status == "pending" else { throw AdminError("comment \(commentId) is \(comment.status), not pending") }
            guard let post = try tx.post(id: comment.postId) else { throw AdminError("comment \(commentId) has no post") }
            if approve {
                comment.status = "published"
                comment.holdReason = nil
                try tx.update(comment)
                try Decider(relay: self).afterPublish(&comment, post: post, tx: tx)
            } else {
                comment.status = "rejected"
                try tx.update(comment)
            }
        }
    }

    /// Subscriptions with each person's bounce state, for `subscriber list`.
    public func subscriberViews() throws -> [SubscriberView] {
        try store.read { tx in
            let now = self.now()
            return try tx.allSubscriptions().compactMap { s in
                guard let p = try tx.person(id: s.personId) else { return nil }
                return SubscriberView(email: p.email, scope: s.scope, target: s.postId ?? s.conversationId ?? "",
                                      active: s.active, bounce_score: p.bounceScore, suspended: (p.suspendedUntil ?? .distantPast) > now)
            }
        }
    }
}

/// A subscription as `subscriber list --json` prints it.
public struct SubscriberView: Encodable, Sendable {
    public var email: String
    public var scope: String
    public var target: String
    public var active: Bool
    public var bounce_score: Int
    public var suspended: Bool
}
