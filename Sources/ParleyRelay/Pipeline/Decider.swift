import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Decides what an incoming email is and acts on it, inside one transaction: the comment,
/// the inbound record and the notifications commit together (SPEC steps 3, 5, 6, 7).
struct Decider {
    let relay: Relay
    /// The inbound record of the email being decided, when it exists already (a replay):
    /// a comment made from the email refers to it. (An ingest records the email after
    /// the decision and then links the comment it made.)
    var inboundId: Int64? = nil

    /// Where a reply token was found and what it decoded to.
    struct FoundToken {
        var token: ReplyToken
        var text: String
    }

    /// Why no token could be used.
    enum TokenProblem: Error {
        case none
        case invalid(String, ReplyTokenError)
    }

    /// Looks for a token in the recipient headers, then in In-Reply-To and References
    /// (for servers that drop sub-addresses). Never guesses from the subject.
    func findToken(_ read: ReadMail) -> Result<FoundToken, TokenProblem> {
        let today = relay.today
        if let known = read.token, known.day == today { return known.result }
        return lookUpToken(read, today: today)
    }

    /// ``findToken(_:)`` without the answer found ahead; only reads the relay's settings,
    /// so any thread may call it.
    func lookUpToken(_ read: ReadMail, today: Int64) -> Result<FoundToken, TokenProblem> {
        let mail = read.parsed
        var candidates: [String] = read.recipientAddresses.compactMap { relay.replyPattern.token(in: $0.address) }
        let domain = relay.messageIDDomain.lowercased()
        var ids = mail.header("In-Reply-To").map(MessageIDs.parse) ?? []
        ids += (mail.header("References").map(MessageIDs.parse) ?? []).reversed()
        for id in ids {
            let lower = id.lowercased()
            guard lower.hasSuffix("@" + domain), let dot = lower.firstIndex(of: ".") else { continue }
            candidates.append(String(lower[..<dot]))
        }
        var firstProblem: TokenProblem = .none
        for candidate in candidates {
            do {
                let token = try relay.codec.decode(candidate, today: today)
                return .success(FoundToken(token: token, text: candidate))
            } catch {
                if case .none = firstProblem { firstProblem = .invalid(candidate, error) }
            }
        }
        return .failure(firstProblem)
    }

    /// - Parameter replaying: the inbound record being replayed, which is not a duplicate of itself.
    func decide(_ mail: ReadMail, tx: StoreTransaction, replaying: Int64? = nil) throws -> InboundOutcome {
        if let earlier = try tx.earlierInboundId(messageId: mail.messageID, hash: mail.hash, excluding: replaying) {
            return InboundOutcome(.duplicate, "already received as inbound message \(earlier) (same \(mail.messageID == nil ? "bytes" : "Message-ID"))")
        }
        // Mail to a List-Unsubscribe mailto unsubscribes, whatever it says (Notify/MailUnsubscribe).
        if let outcome = try MailUnsubscribe(relay: relay).outcome(for: mail, tx: tx) { return outcome }
        switch mail.classification {
        case .loop:
            return InboundOutcome(.loop, "sent by Parley itself (\(mail.from?.address ?? "own address")); not processed again")
        case .bounce(let report):
            return try BounceHandler(relay: relay).handle(report, mail: mail, tx: tx)
        case .autoReply(let why):
            return InboundOutcome(.autoReply, "automatic reply (\(why)); not published")
        case .command(let command):
            return try runCommand(command, mail: mail, tx: tx)
        case .reply, .other:
            return try publishReply(mail, tx: tx)
        }
    }

    private func runCommand(_ command: MailCommand, mail: ReadMail, tx: StoreTransaction) throws -> InboundOutcome {
        guard case .success(let found) = findToken(mail) else {
            return InboundOutcome(.rejected, "the command \"\(command.rawValue)\" came without a valid reply token")
        }
        guard let from = mail.from, let recipient = try tx.person(id: found.token.recipientID), from.key == recipient.emailKey else {
            return InboundOutcome(.rejected, "the command \"\(command.rawValue)\" was sent by \(mail.from?.address ?? "an unknown sender"), not by the person the token was sent to")
        }
        // Moderation and confirmation answers (Decider+Trust).
        if let outcome = try trustCommand(command, token: found.token, recipient: recipient, mail: mail, tx: tx) { return outcome }
        switch command {
        case .unsubscribe, .stop:
            let post = try postOf(found.token, tx: tx)
            if let post {
                try tx.unsubscribe(personId: recipient.id!, postId: post.id)
                try tx.subscribeInactive(personId: recipient.id!, postId: post.id, now: relay.now())
                return InboundOutcome(.command, "\(recipient.email) unsubscribed from post \(post.id)")
            }
            let n = try tx.unsubscribe(personId: recipient.id!)
            return InboundOutcome(.command, "\(recipient.email) unsubscribed from \(n) subscription(s)")
        case .approve, .reject:
            return InboundOutcome(.command, "\"\(command.rawValue)\" received, but this token is not a moderation request")
        }
    }

    private func postOf(_ token: ReplyToken, tx: StoreTransaction) throws -> PostRecord? {
        switch token.target {
        case .post: return try tx.post(number: token.targetID)
        case .comment:
            guard let c = try tx.comment(id: token.targetID) else { return nil }
            return try tx.post(id: c.postId)
        default: return nil
        }
    }

    private func publishReply(_ mail: ReadMail, tx: StoreTransaction) throws -> InboundOutcome {
        let found: FoundToken
        switch findToken(mail) {
        case .success(let f): found = f
        case .failure(.none):
            return InboundOutcome(.rejected, "not a reply to a Parley email: no reply token in To, Cc, Delivered-To, In-Reply-To or References")
        case .failure(.invalid(let text, let error)):
            let why: String
            switch error {
            case .badSignature: why = "its signature does not match (altered, or from another site)"
            case .expired: why = "it has expired"
            case .unknownVersion(let v): why = "its version \(v) is unknown"
            case .malformed: why = "it is malformed"
            }
            return try rejectWithNotice(.badToken, "the reply token \"\(text)\" is not valid: \(why)", mail: mail, tx: tx)
        }
        let token = found.token
        // Moderation requests, confirmations and public addresses (Decider+Trust).
        if let outcome = try trustReply(mail, token: token, tx: tx) { return outcome }
        var parent: CommentRecord?
        let post: PostRecord?
        switch token.target {
        case .post:
            post = try tx.post(number: token.targetID)
        case .comment:
            parent = try tx.comment(id: token.targetID)
            post = try parent.flatMap { try tx.post(id: $0.postId) }
        default:
            return InboundOutcome(.rejected, "the reply token points at a \(token.target), which takes no comments")
        }
        guard let post else { return try rejectWithNotice(.unknownTarget, "the post or comment this reply answers no longer exists", mail: mail, tx: tx) }
        guard !post.closed else { return try rejectWithNotice(.closedPost, "post \(post.id) is closed to comments", mail: mail, tx: tx) }
        guard let recipient = try tx.person(id: token.recipientID) else {
            return InboundOutcome(.rejected, "the person this reply address was given to is unknown")
        }
        guard let from = mail.from else { return InboundOutcome(.rejected, "the email has no usable From address") }
        // Read against the notification the token names when the outbox still has it;
        // the heuristic reading otherwise.
        let answered = parent?.body ?? post.excerpt
        let original = try tx.originalMessage(token: found.text.lowercased())
            .flatMap { ReadReply.againstOriginal(body: mail.body, original: $0, answered: answered) }
        let extracted = original ?? mail.extracted
        let text = Decider.trimmed(extracted.text)
        guard !text.isEmpty else {
            return try rejectWithNotice(.emptyReply, "the reply has no new text (only quoted text or a signature)\(original != nil ? ", read against the notification it answers" : "")", mail: mail, tx: tx)
        }

        let now = relay.now()
        let author = try tx.person(for: from, now: now)
        var hold: String?
        if author.id != recipient.id {
            // Forwarded or forged: never published under the recipient's name, and held
            // under the sender's own address until the post's author decides.
            hold = "sent by \(from.address), but this reply address was given to \(recipient.email) (forwarded or forged)"
        } else {
            hold = try moderationHold(author: author, post: post, tx: tx)
        }
        var comment = try tx.insertComment(CommentRecord(
            postId: post.id, parentId: parent?.id, authorId: author.id!, body: text, elided: extracted.elided,
            status: hold == nil ? "published" : "pending", holdReason: hold, source: "email",
            messageId: mail.messageID, inboundId: inboundId, createdAt: now))
        if hold == nil {
            try afterPublish(&comment, post: post, tx: tx)
            return InboundOutcome(.published, "published as comment \(comment.id!) on post \(post.id)", commentId: comment.id, madeComment: true)
        }
        try queueModerationRequest(comment, post: post, tx: tx)
        return InboundOutcome(.pending, "held for moderation as comment \(comment.id!): \(hold!); its post's author was asked to decide", commentId: comment.id, madeComment: true)
    }

    /// SPEC step 5: the policy never holds the post's author or the conversation's partners.
    func moderationHold(author: PersonRecord, post: PostRecord, tx: StoreTransaction) throws -> String? {
        if author.id == post.authorId { return nil }
        if let c = post.conversationId, try tx.partners(of: c).contains(author.id!) { return nil }
        switch relay.config.site.moderation {
        case .none: return nil
        case .all: return "the site holds every comment for moderation"
        case .firstTime:
            if author.trusted { return nil }
            if try tx.hasPublishedComment(personId: author.id!) { return nil }
            return "first comment by \(author.email); the site holds first-time commenters for moderation"
        }
    }

    /// What follows a publication: the author is trusted and subscribed to replies to
    /// their own comments, and the notifications are queued.
    func afterPublish(_ comment: inout CommentRecord, post: PostRecord, tx: StoreTransaction) throws {
        if var author = try tx.person(id: comment.authorId), !author.trusted {
            author.trusted = true
            try tx.update(author)
        }
        if try !tx.hasSubscription(personId: comment.authorId, scope: "replies") {
            try tx.subscribe(personId: comment.authorId, scope: "replies", postId: nil, conversationId: nil, now: relay.now())
        }
        _ = try Notifier(relay: relay).queueNewComment(comment, post: post, tx: tx)
        try Publication(relay: relay).record(.published, comment: comment, tx: tx)
    }
}

extension Decider {
    /// The text without leading and trailing white space and line breaks: the set of
    /// `CharacterSet.whitespacesAndNewlines` (Unicode White_Space), without bridging to
    /// NSString, which cost more than the rest of the decision.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(Substring(scalars[first...last]))
    }
}
