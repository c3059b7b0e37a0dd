import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Plans who hears about a post or a comment and queues one message each, inside the
/// caller's transaction (SPEC "The life of a reply", steps 1 and 7).
struct Notifier {
    let relay: Relay

    /// Recipients of a new post: the conversation's partners and subscribers, never its author.
    func recipientsForPost(_ post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        var ids: [Int64] = []
        if let conversation = post.conversationId {
            ids += try tx.partners(of: conversation)
            ids += try tx.subscribers(postId: nil, conversationId: conversation).map(\.personId)
        }
        return try filter(ids, excluding: post.authorId, post: post, tx: tx)
    }

    /// Recipients of a new comment: the replied-to comment's author (if they want
    /// replies), the post's author, the partners, the post's and conversation's
    /// subscribers; each once, never the comment's own author.
    func recipientsForComment(_ comment: CommentRecord, post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        var ids: [Int64] = []
        if let parentId = comment.parentId, let parent = try tx.comment(id: parentId), try tx.wantsReplies(personId: parent.authorId) {
            ids.append(parent.authorId)
        }
        ids.append(post.authorId)
        if let conversation = post.conversationId { ids += try tx.partners(of: conversation) }
        ids += try tx.subscribers(postId: post.id, conversationId: post.conversationId).map(\.personId)
        return try filter(ids, excluding: comment.authorId, post: post, tx: tx)
    }

    /// Removes duplicates, the author, suspended people and people who unsubscribed
    /// from this post or its conversation.
    private func filter(_ ids: [Int64], excluding author: Int64, post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        var seen = Set<Int64>([author])
        var out: [PersonRecord] = []
        let now = relay.now()
        for id in ids where !seen.contains(id) {
            seen.insert(id)
            guard let person = try tx.person(id: id) else { continue }
            if let until = person.suspendedUntil, until > now { continue }
            let subs = try tx.subscriptions(personId: id)
            let optedOut = subs.contains { !$0.active && ($0.postId == post.id || ($0.conversationId != nil && $0.conversationId == post.conversationId) || $0.scope == "all") }
            if optedOut { continue }
            out.append(person)
        }
        return out
    }

    /// Queues "author published title" to each recipient.
    func queueNewPost(_ post: PostRecord, tx: StoreTransaction) throws -> [OutboundRecord] {
        guard let author = try tx.person(id: post.authorId) else { return [] }
        var queued: [OutboundRecord] = []
        for person in try recipientsForPost(post, tx: tx) {
            let token = relay.codec.encode(ReplyToken(target: .post, targetID: post.number!, recipientID: person.id!, issuedDay: relay.today))
            let context: [String: Any] = baseContext(post: post, recipient: person, token: token).merging([
                "author": displayName(author),
            ]) { $1 }
            let subject = "\(displayName(author)) published \(post.title)"
            queued.append(try queue(kind: "new-post", template: "new-post", subject: subject, to: person, token: token,
                                    references: [threadRoot(post)], post: post, commentId: nil, context: context, tx: tx))
        }
        return queued
    }

    /// Queues the notification of a published comment to each recipient.
    func queueNewComment(_ comment: CommentRecord, post: PostRecord, tx: StoreTransaction) throws -> [OutboundRecord] {
        guard let author = try tx.person(id: comment.authorId) else { return [] }
        var chain: [String] = []
        var parentName: String?
        var parentAuthor: Int64?
        var cursor = comment.parentId
        var depth = 0
        while let id = cursor, depth < 50, let parent = try tx.comment(id: id) {
            chain.insert(commentID(parent), at: 0)
            if depth == 0, let p = try tx.person(id: parent.authorId) {
                parentName = displayName(p)
                parentAuthor = p.id
            }
            cursor = parent.parentId
            depth += 1
        }
        let references = [threadRoot(post)] + chain
        var queued: [OutboundRecord] = []
        for person in try recipientsForComment(comment, post: post, tx: tx) {
            let token = relay.codec.encode(ReplyToken(target: .comment, targetID: comment.id!, recipientID: person.id!, issuedDay: relay.today))
            var context = baseContext(post: post, recipient: person, token: token)
            context["author"] = displayName(author)
            context["body"] = comment.body
            context["is_reply"] = parentName != nil
            context["parent_author"] = parentName ?? ""
            context["to_you"] = parentAuthor != nil && parentAuthor == person.id
            queued.append(try queue(kind: "new-comment", template: "new-comment", subject: "Re: \(post.title)", to: person, token: token,
                                    references: references, post: post, commentId: comment.id, context: context, tx: tx))
        }
        return queued
    }

    private func baseContext(post: PostRecord, recipient: PersonRecord, token: String) -> [String: Any] {
        [
            "site": relay.config.site.name,
            "base_url": relay.config.site.baseURL,
            "post_title": post.title,
            "post_url": post.url,
            "post_id": post.id,
            "recipient": displayName(recipient),
            "unsubscribe_url": unsubscribeURL(token),
            "comments_url": "\(relay.config.site.baseURL)/posts/\(post.id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? post.id)/comments",
        ]
    }

    private func unsubscribeURL(_ token: String) -> String { "\(relay.config.site.baseURL)/unsubscribe/\(token)" }

    func queue(kind: String, template: String, subject: String, to person: PersonRecord, token: String,
                       references: [String], post: PostRecord?, commentId: Int64?, context: [String: Any],
                       tx: StoreTransaction) throws -> OutboundRecord {
        let now = relay.now()
        // The token makes a reply findable even when the reply address was dropped;
        // random bytes make each Message-ID unique.
        let unique = Base32.encode((0..<6).map { _ in UInt8.random(in: 0...255) })
        let messageID = "\(token).\(unique)@\(relay.messageIDDomain)"
        let replyTo = EmailAddress(address: relay.replyPattern.address(for: token), name: relay.config.site.name)!
        let to = EmailAddress(address: person.email, name: person.name)!
        let mail = OutgoingMail(
            from: relay.config.smtp.from, to: to, replyTo: replyTo, subject: subject, messageID: messageID,
            references: references, listID: "\(relay.config.site.name) <\(relay.config.site.name.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" }).\(relay.messageIDDomain)>",
            unsubscribeURL: unsubscribeURL(token), unsubscribeMailto: "mailto:\(replyTo.address)?subject=unsubscribe",
            date: now, text: relay.templates.render("\(template).txt", context),
            html: relay.templates.has("\(template).html") ? relay.templates.render("\(template).html", context) : nil)
        let raw = MessageBuilder.build(mail)
        return try tx.insertOutbound(OutboundRecord(
            recipientId: person.id, recipient: person.email, kind: kind, token: token, messageId: messageID,
            envelopeFrom: relay.config.smtp.from.address, raw: Data(raw), nextAttemptAt: now,
            postId: post?.id, commentId: commentId, createdAt: now))
    }

    /// The Message-ID every notification about a post refers to, so that a mail client
    /// puts them in one thread.
    func threadRoot(_ post: PostRecord) -> String { "parley.post.\(post.number!)@\(relay.messageIDDomain)" }

    /// The stable Message-ID standing for a comment in References chains.
    func commentID(_ comment: CommentRecord) -> String { "parley.comment.\(comment.id!)@\(relay.messageIDDomain)" }

    func displayName(_ person: PersonRecord) -> String {
        person.name ?? String(person.email.split(separator: "@").first ?? "someone")
    }
}

