import Foundation
import ParleyCore
import ParleyStore

/// Why a link of the web side (`/unsubscribe/{token}`, `/moderate/{token}`) does nothing.
/// The words are safe to show to anyone holding the link: they name no person.
public struct WebRefusal: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The token is malformed, forged or from another site.
        case invalid
        /// The token was valid once and has expired.
        case expired
        /// What it points at no longer exists.
        case gone
        /// The token is genuine but not for this page.
        case wrongKind
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// A comment held for moderation, as its moderation page shows it.
public struct HeldComment: Sendable, Equatable {
    public var commentId: Int64
    public var postId: String
    public var postTitle: String
    /// The post's URL if it is http(s), else `#`.
    public var postURL: String
    public var authorName: String
    public var body: String
    public var holdReason: String?
    /// `pending` while it waits; `published` or `rejected` once decided.
    public var status: String
}

/// What a POST on a moderation link did.
public enum ModerationResult: Sendable, Equatable {
    case decided(HeldComment, approved: Bool)
    /// Decided earlier (by mail, the command line or an earlier click); nothing changed.
    case alreadyDecided(HeldComment)
}

extension Relay {
    /// The HTML, JSON and Atom views of a post's published comments, as the static
    /// files have them; nil for an unknown post.
    public func renderedComments(postId: String) throws -> CommentViews? {
        try StaticViews(relay: self).render(postId: postId)
    }

    private static var unknownRecipient: WebRefusal {
        WebRefusal(.gone, "This link was for someone who is no longer known here: there is nothing to unsubscribe.")
    }

    /// Every kind of token a notification's `List-Unsubscribe` link carries (SPEC: every
    /// message has one), so that each link works (see ``UnsubscribeScope``).
    static let unsubscribeKinds: Set<TokenTarget> = [.post, .comment, .moderation, .mention, .follow]

    /// What `/unsubscribe/{token}` would unsubscribe; reads only.
    public func unsubscribeScope(token text: String) throws -> Result<UnsubscribeScope, WebRefusal> {
        switch verify(text, kinds: Self.unsubscribeKinds) {
        case let .failure(refusal): return .failure(refusal)
        case let .success(token):
            return try store.read { tx in
                guard let scope = try UnsubscribeScope(token, tx: tx) else {
                    return .failure(Self.unknownRecipient)
                }
                return .success(scope)
            }
        }
    }

    /// Unsubscribes the person a notification's token was sent to (the link's POST,
    /// and the RFC 8058 one-click target). Doing it twice is harmless.
    public func unsubscribe(token text: String) throws -> Result<UnsubscribeScope, WebRefusal> {
        switch verify(text, kinds: Self.unsubscribeKinds) {
        case let .failure(refusal): return .failure(refusal)
        case let .success(token):
            let result: Result<UnsubscribeScope, WebRefusal> = try store.write { tx in
                guard let scope = try UnsubscribeScope(token, tx: tx) else {
                    return .failure(Self.unknownRecipient)
                }
                let line = try scope.apply(tx: tx, now: now(), channel: "web")
                logger.info("\(line)")
                return .success(scope)
            }
            return result
        }
    }

    /// The held comment a moderation link is about; reads only.
    public func heldComment(token text: String) throws -> Result<HeldComment, WebRefusal> {
        switch verify(text, kinds: [.moderation]) {
        case let .failure(refusal): return .failure(refusal)
        case let .success(token):
            return try store.read { tx in try heldComment(token, tx: tx) }
        }
    }

    /// Approves or rejects the held comment of a moderation link, as the reply
    /// `approve` / `reject` to the moderation request does. The views and webhooks
    /// follow at the next publish step (the daemon's outbox runs one when woken): no
    /// file writing or HTTP call happens on the web request.
    public func moderate(token text: String, approve: Bool) throws -> Result<ModerationResult, WebRefusal> {
        let token: ReplyToken
        switch verify(text, kinds: [.moderation]) {
        case let .failure(refusal): return .failure(refusal)
        case let .success(t): token = t
        }
        let result: Result<ModerationResult, WebRefusal> = try writeNotifying { tx in
            switch try heldComment(token, tx: tx) {
            case let .failure(refusal): return .failure(refusal)
            case let .success(held):
                guard held.status == "pending", let comment = try tx.comment(id: held.commentId) else {
                    return .success(.alreadyDecided(held))
                }
                try decide(comment, approve: approve, tx: tx)
                var decided = held
                decided.status = approve ? "published" : "rejected"
                var log = logger
                log[metadataKey: "comment"] = "\(held.commentId)"
                log.info("comment \(held.commentId) \(approve ? "approved" : "rejected") on the web by the post's author")
                return .success(.decided(decided, approved: approve))
            }
        }
        return result
    }

    private func heldComment(_ token: ReplyToken, tx: StoreTransaction) throws -> Result<HeldComment, WebRefusal> {
        guard let comment = try tx.comment(id: token.targetID), let post = try tx.post(id: comment.postId) else {
            return .failure(WebRefusal(.gone, "The comment this link is about no longer exists."))
        }
        // The moderation request goes to the post's author; a confirmation request (the
        // same kind of token, for the comment's own writer) is answered by mail only.
        guard post.authorId == token.recipientID else {
            return .failure(WebRefusal(.wrongKind, "This link is not a moderation request. To confirm your comment, reply to the email."))
        }
        let writer = try tx.person(id: comment.authorId)
        let name = writer?.displayName ?? "someone"
        return .success(HeldComment(commentId: comment.id!, postId: post.id, postTitle: post.title, postURL: StaticViews.safeLink(post.url),
                                    authorName: name, body: comment.body, holdReason: comment.holdReason, status: comment.status))
    }

    /// Checks a token's signature and age, and that it is of one of `kinds`.
    func verify(_ text: String, kinds: Set<TokenTarget>) -> Result<ReplyToken, WebRefusal> {
        let token: ReplyToken
        do {
            token = try codec.decode(text, today: today)
        } catch .expired {
            return .failure(WebRefusal(.expired, "This link has expired."))
        } catch {
            return .failure(WebRefusal(.invalid, "This link is not valid: it may have been cut short or altered."))
        }
        guard kinds.contains(token.target) else {
            return .failure(WebRefusal(.wrongKind, "This link is not meant for this page."))
        }
        return .success(token)
    }
}
