import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

// The post's author hears of each new Webmention by email, as of a held comment: a held
// one waits for their `approve` or `reject`, a shown one can be taken off with `reject`.
// The token (`.mention`) names the mention and the author, so only they can answer.
extension Relay {
    func queueMentionNotice(_ m: WebmentionRecord, tx: StoreTransaction) throws {
        guard let post = try tx.post(id: m.postId), let author = try tx.person(id: post.authorId) else { return }
        let held = m.status == "pending"
        if !held {
            // Only news: not for an author who left this post's mail (its unsubscribe
            // link) or whose address bounces. A held one still asks: someone must decide.
            if let until = author.suspendedUntil, until > now() { return }
            if let own = try tx.optOuts(personIds: [author.id!])[author.id!], RecipientPlanner.optedOut(own, post: post) { return }
        }
        let token = codec.encode(ReplyToken(target: .mention, targetID: m.id!, recipientID: author.id!, issuedDay: today))
        let who = m.authorName ?? m.sourceHost
        let excerpt = m.content.count > 600 ? String(m.content.prefix(600)) + "…" : m.content
        var context = Decider.escapedContext([
            "site": config.site.name, "post_title": post.title, "post_url": post.url,
            "author": who, "source": m.source, "source_host": m.sourceHost, "content": excerpt,
            "hold_reason": m.reason, "mention_id": String(m.id!),
        ])
        context["held"] = held
        context["has_content"] = !excerpt.isEmpty
        context["content_html"] = CommentHTML.render(excerpt)
        let notifier = Notifier(relay: self)
        let subject = held ? "Moderate: a Webmention of \(post.title) from \(m.sourceHost)" : "\(who) mentioned \(post.title)"
        _ = try notifier.queue(kind: held ? "mention-moderation" : "mention", template: "mention", subject: subject,
                               to: author, token: token, references: [notifier.threadRoot(post)], post: post,
                               commentId: nil, context: context, tx: tx)
    }
}

extension Decider {
    /// `approve` or `reject` from the post's author, answering a mention notice.
    func mentionCommand(_ command: MailCommand, token: ReplyToken, recipient: PersonRecord, tx: StoreTransaction) throws -> InboundOutcome {
        guard command == .approve || command == .reject else {
            return InboundOutcome(.rejected, "\"\(command.rawValue)\" is not an answer to a Webmention notice; reply approve or reject")
        }
        guard let mention = try tx.webmention(id: token.targetID) else {
            return InboundOutcome(.rejected, "the \"\(command.rawValue)\" command refers to Webmention \(token.targetID), which no longer exists")
        }
        guard let post = try tx.post(id: mention.postId), post.authorId == recipient.id else {
            return InboundOutcome(.rejected, "\(recipient.email) may not decide on Webmention \(mention.id!): only the author of its post can")
        }
        let decided: WebmentionRecord
        do {
            decided = try relay.decideWebmention(id: mention.id!, approve: command == .approve, by: "\(recipient.email) by email", tx: tx)
        } catch let refusal as AdminError {
            // Approving one whose source no longer verifies: nothing changes.
            return InboundOutcome(.command, "\"\(command.rawValue)\" ignored: \(refusal)")
        }
        return InboundOutcome(.command, "\(recipient.email) \(command == .approve ? "approved" : "rejected") Webmention \(decided.id!) from \(decided.source) by email")
    }

    /// Anything but a command, answering a mention notice: never a comment.
    func mentionReply(_ mail: ReadMail, token: ReplyToken, tx: StoreTransaction) throws -> InboundOutcome {
        guard let mention = try tx.webmention(id: token.targetID) else {
            return InboundOutcome(.rejected, "the Webmention notice this answers (Webmention \(token.targetID)) is gone")
        }
        return InboundOutcome(.rejected, "a reply to a Webmention notice must be the single word approve or reject; Webmention \(mention.id!) is still \(mention.status)")
    }
}
