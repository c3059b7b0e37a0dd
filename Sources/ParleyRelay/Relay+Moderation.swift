import Foundation
import ParleyStore

extension Relay {
    /// Publishes (and notifies) or rejects a held comment, then rewrites its post's
    /// static views and sends the webhook (as a decision by email does).
    public func moderate(commentId: Int64, approve: Bool) throws {
        try writeNotifying { tx in
            guard let comment = try tx.comment(id: commentId) else { throw AdminError("no comment \(commentId)") }
            guard comment.status == "pending" || comment.status == "unconfirmed" else {
                throw AdminError("comment \(commentId) is \(comment.status), not pending")
            }
            try decide(comment, approve: approve, tx: tx)
        }
        try publishPending()
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
