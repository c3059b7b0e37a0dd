import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Unsubscribing by mail: a message sent to the `List-Unsubscribe` mailto of a
/// notification (RFC 2369 §3.2, `talk+unsubscribe-{token}@…`), whatever it says,
/// unsubscribes the person that notification was sent to.
///
/// The token in the address is that person's signed reply token, so holding the address
/// is the authority, as with the HTTPS link (RFC 8058): the sender's own address is not
/// compared, because mail clients send these from whatever identity they choose.
struct MailUnsubscribe {
    let relay: Relay

    /// The outcome, when the mail was sent to an unsubscribe address; nil otherwise.
    /// Loops, bounces and automatic replies are never taken as a request.
    func outcome(for mail: ReadMail, tx: StoreTransaction) throws -> InboundOutcome? {
        switch mail.classification {
        case .loop, .bounce, .autoReply: return nil
        case .command, .reply, .other: break
        }
        let addresses = relay.notifyAddresses
        let texts = mail.recipientAddresses.compactMap { addresses.unsubscribeToken(in: $0.address) }
        guard let first = texts.first else { return nil }
        for text in texts {
            guard let token = try? relay.codec.decode(text, today: relay.today) else { continue }
            return try unsubscribe(token, tx: tx)
        }
        return InboundOutcome(.rejected, "sent to an unsubscribe address whose token \"\(first)\" is not valid (altered, or from another site); nothing changed")
    }

    private func unsubscribe(_ token: ReplyToken, tx: StoreTransaction) throws -> InboundOutcome {
        guard let scope = try UnsubscribeScope(token, tx: tx) else {
            return InboundOutcome(.rejected, "unsubscribe request for a person who is no longer known")
        }
        return InboundOutcome(.command, try scope.apply(tx: tx, now: relay.now(), channel: "mail"))
    }
}

/// What an unsubscribe token (a notification's reply token) unsubscribes its recipient
/// from: shared by the mail address and the HTTPS link, so both do the same.
public struct UnsubscribeScope: Sendable {
    public enum Target: Sendable, Equatable {
        /// A new-post notification: the conversation, and so its next posts.
        case conversation(id: String, post: String?, postTitle: String)
        /// A comment notification: that post's comments.
        case post(id: String, title: String)
        /// The post is gone: every subscription of the person.
        case everything
    }

    public var personId: Int64
    public var email: String
    public var target: Target

    /// Resolves a verified token, reading only; nil when its person is no longer known.
    init?(_ token: ReplyToken, tx: StoreTransaction) throws {
        guard let person = try tx.person(id: token.recipientID), let id = person.id else { return nil }
        personId = id
        email = person.email
        let post: PostRecord?
        switch token.target {
        case .post: post = try tx.post(number: token.targetID)
        // A moderation request or a mention notice goes to the post's author: leaving
        // is leaving that post's mail (their comments wait for them on the web and in
        // `parley comment list`).
        case .comment, .moderation: post = try tx.comment(id: token.targetID).flatMap { try tx.post(id: $0.postId) }
        case .mention: post = try tx.webmention(id: token.targetID).flatMap { try tx.post(id: $0.postId) }
        case .follow:
            // A follow confirmation: whoever typed this address in is not followed, and
            // the post or conversation it names sends this person nothing.
            guard let request = try tx.followRequest(id: token.targetID) else { return nil }
            if let conversation = request.conversationId.flatMap({ try? tx.conversation(id: $0) }) {
                target = .conversation(id: conversation.id, post: request.postId, postTitle: conversation.title)
                return
            }
            post = try request.postId.flatMap { try tx.post(id: $0) }
            guard post != nil else { return nil }
        case .subscription, .outbound: post = nil
        }
        if let post {
            // A new-post notification (a token for the post itself) is about the
            // conversation: leaving it stops the next posts too. A comment notification
            // is about the post.
            if token.target == .post, let conversation = post.conversationId {
                target = .conversation(id: conversation, post: post.id, postTitle: post.title)
            } else {
                target = .post(id: post.id, title: post.title)
            }
        } else {
            target = .everything
        }
    }

    /// Unsubscribes; returns the line for the log.
    func apply(tx: StoreTransaction, now: Date, channel: String) throws -> String {
        switch target {
        case .everything:
            let n = try tx.unsubscribe(personId: personId)
            return "\(email) unsubscribed by \(channel) from \(n) subscription(s)"
        case let .conversation(conversation, postId, _):
            try tx.unsubscribe(personId: personId, conversationId: conversation)
            try tx.optOut(personId: personId, scope: "conversation", postId: nil, conversationId: conversation, now: now)
            if let postId { try tx.optOut(personId: personId, scope: "post", postId: postId, conversationId: nil, now: now) }
            return "\(email) unsubscribed by \(channel) from conversation \(conversation)"
        case let .post(postId, _):
            try tx.unsubscribe(personId: personId, postId: postId)
            try tx.optOut(personId: personId, scope: "post", postId: postId, conversationId: nil, now: now)
            return "\(email) unsubscribed by \(channel) from post \(postId)"
        }
    }
}
