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
        var texts: [String] = []
        for header in Relay.recipientHeaders {
            for value in mail.parsed.headers(named: header) {
                texts += ReadMail.addresses(value).compactMap { addresses.unsubscribeToken(in: $0.address) }
            }
        }
        guard let first = texts.first else { return nil }
        for text in texts {
            guard let token = try? relay.codec.decode(text, today: relay.today) else { continue }
            return try unsubscribe(token, tx: tx)
        }
        return InboundOutcome(.rejected, "sent to an unsubscribe address whose token \"\(first)\" is not valid (altered, or from another site); nothing changed")
    }

    private func unsubscribe(_ token: ReplyToken, tx: StoreTransaction) throws -> InboundOutcome {
        guard let person = try tx.person(id: token.recipientID) else {
            return InboundOutcome(.rejected, "unsubscribe request for a person who is no longer known")
        }
        let now = relay.now()
        let post: PostRecord?
        switch token.target {
        case .post: post = try tx.post(number: token.targetID)
        case .comment: post = try tx.comment(id: token.targetID).flatMap { try tx.post(id: $0.postId) }
        default: post = nil
        }
        guard let post else {
            let n = try tx.unsubscribe(personId: person.id!)
            return InboundOutcome(.command, "\(person.email) unsubscribed by mail from \(n) subscription(s)")
        }
        // A new-post notification (a token for the post itself) is about the conversation:
        // leaving it stops the next posts too. A comment notification is about the post.
        if token.target == .post, let conversation = post.conversationId {
            try tx.unsubscribe(personId: person.id!, conversationId: conversation)
            try tx.optOut(personId: person.id!, scope: "conversation", postId: nil, conversationId: conversation, now: now)
            try tx.optOut(personId: person.id!, scope: "post", postId: post.id, conversationId: nil, now: now)
            return InboundOutcome(.command, "\(person.email) unsubscribed by mail from conversation \(conversation)")
        }
        try tx.unsubscribe(personId: person.id!, postId: post.id)
        try tx.optOut(personId: person.id!, scope: "post", postId: post.id, conversationId: nil, now: now)
        return InboundOutcome(.command, "\(person.email) unsubscribed by mail from post \(post.id)")
    }
}
