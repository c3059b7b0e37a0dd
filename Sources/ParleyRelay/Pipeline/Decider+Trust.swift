import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

// Moderation by email and double opt-in for public addresses. (Unsubscribing by mail
// is Notify/MailUnsubscribe's.)
//
// Token kinds used here (all bound to a recipient, so only that person can act):
// - `.moderation`, target = a held comment, recipient = the post's author: the moderation
//   request, answered by `approve` / `reject`.
// - `.moderation`, target = an unconfirmed comment, recipient = the comment's own author:
//   the double opt-in confirmation. Any reply from that address confirms (the round trip
//   is the proof); `reject`, `stop` or `unsubscribe` withdraws. A comment's status tells
//   the two apart: `pending` waits for the post's author, `unconfirmed` for its writer.
// - `.post` with recipient 0: a post's public address (printed on a blog, bound to no
//   one). From is forgeable, so whatever arrives there is kept unconfirmed until the
//   sender answers a confirmation sent to that address.
extension Decider {
    /// The recipient id of a post's public address (persons are numbered from 1).
    static let publicRecipient: Int64 = 0

    /// Handles commands given with a moderation token. Returns nil
    /// for the tokens the ordinary command handling covers.
    func trustCommand(_ command: MailCommand, token: ReplyToken, recipient: PersonRecord, mail: ReadMail, tx: StoreTransaction) throws -> InboundOutcome? {
        switch token.target {
        case .follow:
            return try followReply(mail, token: token, withdraw: command != .approve, tx: tx)
        case .mention:
            return try mentionCommand(command, token: token, recipient: recipient, tx: tx)
        case .moderation:
            guard let comment = try tx.comment(id: token.targetID) else {
                return InboundOutcome(.rejected, "the \"\(command.rawValue)\" command refers to comment \(token.targetID), which no longer exists")
            }
            if comment.status == "unconfirmed" && comment.authorId == recipient.id {
                return try confirm(comment, by: recipient, withdraw: command != .approve, tx: tx)
            }
            guard command == .approve || command == .reject else {
                return InboundOutcome(.rejected, "\"\(command.rawValue)\" is not an answer to a moderation request; reply approve or reject")
            }
            guard let post = try tx.post(id: comment.postId), post.authorId == recipient.id else {
                return InboundOutcome(.rejected, "\(recipient.email) may not decide on comment \(comment.id!): only the author of its post can")
            }
            guard comment.status == "pending" else {
                return InboundOutcome(.command, "\"\(command.rawValue)\" for comment \(comment.id!) ignored: it is \(comment.status) already")
            }
            try relay.decide(comment, approve: command == .approve, tx: tx)
            return InboundOutcome(.command, "\(recipient.email) \(command == .approve ? "approved" : "rejected") comment \(comment.id!) by email",
                                  commentId: comment.id)
        default:
            return nil
        }
    }

    /// Handles a non-command mail to a moderation request, a confirmation request or a
    /// post's public address.
    /// Returns nil for the ordinary reply tokens.
    func trustReply(_ mail: ReadMail, token: ReplyToken, tx: StoreTransaction) throws -> InboundOutcome? {
        switch token.target {
        case .moderation:
            guard let comment = try tx.comment(id: token.targetID), let recipient = try tx.person(id: token.recipientID) else {
                return InboundOutcome(.rejected, "the moderation request this answers (comment \(token.targetID)) no longer exists")
            }
            guard let from = mail.from, from.key == recipient.emailKey else {
                return InboundOutcome(.rejected, "an answer to a request sent to \(recipient.email) came from \(mail.from?.address ?? "an unknown sender"); only \(recipient.email) can answer it")
            }
            if comment.status == "unconfirmed" && comment.authorId == recipient.id {
                return try confirm(comment, by: recipient, withdraw: false, tx: tx)
            }
            // The post's author wrote something else than a command: never a comment.
            return InboundOutcome(.rejected, "a reply to a moderation request must be the single word approve or reject; comment \(comment.id!) is still \(comment.status)")
        case .post where token.recipientID == Decider.publicRecipient:
            return try publicReply(mail, postNumber: token.targetID, tx: tx)
        case .follow:
            return try followReply(mail, token: token, withdraw: false, tx: tx)
        case .mention:
            return try mentionReply(mail, token: token, tx: tx)
        default:
            return nil
        }
    }

    /// A reply to a follow confirmation from the address it was sent to confirms the
    /// request (the round trip is the proof); `stop`, `unsubscribe` or `reject` leave it
    /// unconfirmed. Never a comment.
    func followReply(_ mail: ReadMail, token: ReplyToken, withdraw: Bool, tx: StoreTransaction) throws -> InboundOutcome {
        guard let request = try tx.followRequest(id: token.targetID), let person = try tx.person(id: token.recipientID),
              request.personId == person.id else {
            return InboundOutcome(.rejected, "the follow request this answers (\(token.targetID)) no longer exists")
        }
        guard let from = mail.from, from.key == person.emailKey else {
            return InboundOutcome(.rejected, "an answer to a follow confirmation sent to \(person.email) came from \(mail.from?.address ?? "an unknown sender"); only \(person.email) can confirm it")
        }
        if withdraw {
            return InboundOutcome(.command, "\(person.email) declined follow request \(request.id!); nobody was subscribed")
        }
        let scope = try relay.confirm(request, tx: tx)
        return InboundOutcome(.command, "\(person.email) confirmed follow request \(request.id!) by email: now following the \(scope.kind) “\(scope.title)”")
    }

    /// A reply to a post's public address: kept unconfirmed, and the sender is asked to
    /// confirm by replying (double opt-in). Nothing is published or subscribed before.
    private func publicReply(_ mail: ReadMail, postNumber: Int64, tx: StoreTransaction) throws -> InboundOutcome {
        guard let post = try tx.post(number: postNumber) else {
            return try rejectWithNotice(.unknownTarget, "the post this public address belongs to no longer exists", mail: mail, tx: tx)
        }
        guard !post.closed else {
            return try rejectWithNotice(.closedPost, "post \(post.id) is closed to comments", mail: mail, tx: tx)
        }
        guard let from = mail.from else { return InboundOutcome(.rejected, "the email has no usable From address") }
        let text = Decider.trimmed(mail.extracted.text)
        guard !text.isEmpty else {
            return try rejectWithNotice(.emptyReply, "the reply has no new text (only quoted text or a signature)", mail: mail, tx: tx)
        }
        let now = relay.now()
        let author = try tx.person(for: from, now: now)
        let comment = try tx.insertComment(CommentRecord(
            postId: post.id, parentId: nil, authorId: author.id!, body: text, elided: mail.extracted.elided,
            status: "unconfirmed", holdReason: "sent to the public address of post \(post.id); waits for \(author.email) to confirm by replying",
            source: "email", messageId: mail.messageID, inboundId: inboundId, createdAt: now))
        // A forged From makes Parley mail someone who wrote nothing: one confirmation
        // request per address and day at most.
        let asked = try tx.claimRejectionNotice(emailKey: author.emailKey, reason: "confirmation", day: relay.today, now: now)
        if asked {
            let token = relay.codec.encode(ReplyToken(target: .moderation, targetID: comment.id!, recipientID: author.id!, issuedDay: relay.today))
            let notifier = Notifier(relay: relay)
            var context = Decider.escapedContext([
                "site": relay.config.site.name, "base_url": relay.config.site.baseURL,
                "post_title": post.title, "post_url": post.url, "post_id": post.id,
            ])
            context["body"] = text
            context["body_html"] = CommentHTML.render(text)
            let queued = try notifier.queue(kind: "confirmation", template: "confirmation", subject: "Please confirm your comment on \(post.title)",
                                            to: author, token: token, references: [notifier.threadRoot(post)], post: post,
                                            commentId: comment.id, context: context, tx: tx)
            try tx.recordRejectionNotice(emailKey: author.emailKey, reason: "confirmation", day: relay.today, outboundId: queued.id!)
        }
        return InboundOutcome(.pending, "kept unconfirmed as comment \(comment.id!): sent to the public address of post \(post.id); "
                              + (asked ? "\(author.email) was asked to confirm by replying" : "\(author.email) was asked to confirm earlier today"),
                              commentId: comment.id, madeComment: true)
    }

    /// The sender proved their address: every unconfirmed comment of theirs goes on to the
    /// moderation policy (published, or held for the post's author). Or they withdraw it.
    private func confirm(_ comment: CommentRecord, by person: PersonRecord, withdraw: Bool, tx: StoreTransaction) throws -> InboundOutcome {
        if withdraw {
            var c = comment
            c.status = "rejected"
            c.holdReason = "withdrawn by \(person.email)"
            try tx.update(c)
            return InboundOutcome(.command, "\(person.email) withdrew unconfirmed comment \(comment.id!)", commentId: comment.id)
        }
        var done: [String] = []
        for var c in try tx.comments(status: "unconfirmed") where c.authorId == person.id {
            guard let post = try tx.post(id: c.postId) else { continue }
            if let hold = try moderationHold(author: person, post: post, tx: tx) {
                c.status = "pending"
                c.holdReason = hold
                try tx.update(c)
                try queueModerationRequest(c, post: post, tx: tx)
                done.append("comment \(c.id!) held for moderation")
            } else {
                c.status = "published"
                c.holdReason = nil
                try tx.update(c)
                try afterPublish(&c, post: post, tx: tx)
                done.append("comment \(c.id!) published")
            }
        }
        if done.isEmpty { return InboundOutcome(.command, "\(person.email) confirmed, but has no unconfirmed comment left", commentId: comment.id) }
        return InboundOutcome(.command, "\(person.email) confirmed their address: " + done.joined(separator: ", "), commentId: comment.id)
    }

    /// Asks the post's author, by email, to approve or reject a held comment.
    func queueModerationRequest(_ comment: CommentRecord, post: PostRecord, tx: StoreTransaction) throws {
        guard let author = try tx.person(id: post.authorId), let writer = try tx.person(id: comment.authorId) else { return }
        let token = relay.codec.encode(ReplyToken(target: .moderation, targetID: comment.id!, recipientID: author.id!, issuedDay: relay.today))
        let notifier = Notifier(relay: relay)
        let name = notifier.displayName(writer)
        var context = Decider.escapedContext([
            "site": relay.config.site.name, "base_url": relay.config.site.baseURL,
            "post_title": post.title, "post_url": post.url, "post_id": post.id,
            "author": name, "author_email": writer.email, "hold_reason": comment.holdReason ?? "held for moderation",
            "moderate_url": "\(relay.config.site.baseURL)/moderate/\(token)",
        ])
        context["comment_id"] = comment.id!
        context["body"] = comment.body
        context["body_html"] = CommentHTML.render(comment.body)
        _ = try notifier.queue(kind: "moderation", template: "moderation", subject: "Moderate: \(name) on \(post.title)",
                               to: author, token: token, references: [notifier.threadRoot(post)], post: post,
                               commentId: comment.id, context: context, tx: tx)
    }

    /// Each value as given (for text parts) and escaped for HTML as `NAME_html`: the HTML
    /// templates print the escaped ones with `{{{…}}}` (see ``HTMLEscaping``).
    static func escapedContext(_ values: [String: String]) -> [String: Any] {
        var context: [String: Any] = [:]
        for (key, value) in values {
            context[key] = value
            context[key + "_html"] = HTMLEscaping.escape(value)
        }
        return context
    }
}

extension Relay {
    /// Publishes (with its notifications) or rejects a held comment, inside the caller's
    /// transaction; the static views and the webhook follow after the commit.
    func decide(_ comment: CommentRecord, approve: Bool, tx: StoreTransaction) throws {
        guard let post = try tx.post(id: comment.postId) else { throw AdminError("comment \(comment.id!) has no post") }
        var comment = comment
        comment.holdReason = nil
        if approve {
            comment.status = "published"
            try tx.update(comment)
            try Decider(relay: self).afterPublish(&comment, post: post, tx: tx)
        } else {
            comment.status = "rejected"
            try tx.update(comment)
            try Publication(relay: self).record(.rejected, comment: comment, tx: tx)
        }
    }
}
