import Crypto
import Foundation
import ParleyStore

/// Records, inside the transaction that changes a comment, what the publish stage must
/// do after the commit: rewrite the post's static views and, when a webhook is set,
/// POST the change. Both are durable (tables), so a crash after the commit only delays
/// them to the next ``Relay/publishPending()``.
struct Publication {
    let relay: Relay

    /// What happened to a comment, as the webhook names it.
    enum Event: String {
        /// Published directly or approved by the post's author.
        case published = "comment.published"
        /// Rejected by the post's author (it was never public).
        case rejected = "comment.rejected"
    }

    /// A comment changed in a way its post's views or the webhook must reflect.
    func record(_ event: Event, comment: CommentRecord, tx: StoreTransaction) throws {
        let now = relay.now()
        try tx.requestViewUpdate(postId: comment.postId, now: now)
        guard relay.config.publish.webhookURL != nil else { return }
        let author = try tx.person(id: comment.authorId)
        let view = CommentView(id: comment.id!, post: comment.postId, parent: comment.parentId, authorEmail: author?.email ?? "",
                               authorName: author?.name, body: comment.body, status: comment.status, createdAt: comment.createdAt)
        let payload = WebhookPayload(event: event.rawValue, site: relay.config.site.name, post: comment.postId, comment: view,
                                     views: .init(html: "\(comment.postId)/comments.html", json: "\(comment.postId)/comments.json",
                                                  atom: "\(comment.postId)/comments.atom"),
                                     occurredAt: now)
        _ = try tx.insertWebhook(WebhookDeliveryRecord(
            event: event.rawValue, postId: comment.postId, commentId: comment.id,
            payload: try StaticViews.jsonEncoder.encode(payload), nextAttemptAt: now, createdAt: now))
    }
}

/// The JSON body of a webhook POST.
///
/// Signed with HMAC-SHA256 under `publish.webhook_secret`; the signature is sent as
/// `X-Parley-Signature: sha256=<hex>`. `occurred_at` lets a receiver refuse replays.
struct WebhookPayload: Encodable {
    struct Views: Encodable {
        var html: String
        var json: String
        var atom: String
    }

    var event: String
    var site: String
    var post: String
    /// The same object as `comment list --json` prints.
    var comment: CommentView
    /// The static files, relative to `publish.output_dir`, rewritten before the POST.
    var views: Views
    var occurredAt: Date

    enum CodingKeys: String, CodingKey {
        case event, site, post, comment, views
        case occurredAt = "occurred_at"
    }

    /// The signature header's value for a body.
    static func signature(_ body: Data, secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
