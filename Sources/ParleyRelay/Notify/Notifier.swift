import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Queues notifications inside the caller's transaction (SPEC "The life of a reply",
/// steps 1, 6 and 7): who gets one is decided by ``RecipientPlanner``; each message is
/// rendered from the templates, built by ``MessageBuilder`` and saved in the outbox.
struct Notifier {
    let relay: Relay

    /// Recipients of a new post (SPEC step 1).
    func recipientsForPost(_ post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        try RecipientPlanner(now: relay.now()).recipients(forPost: post, tx: tx)
    }

    /// Recipients of a new comment (SPEC step 7).
    func recipientsForComment(_ comment: CommentRecord, post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        try RecipientPlanner(now: relay.now()).recipients(forComment: comment, post: post, tx: tx)
    }

    /// Queues "author published title" to each recipient: with the post's excerpt when
    /// it has one (posts from feeds), and, for a post that answers an earlier one of the
    /// conversation, "… answered your post “…” with “…”" to that post's author.
    func queueNewPost(_ post: PostRecord, tx: StoreTransaction) throws -> [OutboundRecord] {
        guard let author = try tx.person(id: post.authorId) else { return [] }
        let answered = try post.answersPostId.flatMap { try tx.post(id: $0) }
        let answeredAuthor = try answered.flatMap { try tx.person(id: $0.authorId) }
        let name = displayName(author)
        var shared = baseContext(post: post)
        shared["author"] = name
        shared["has_excerpt"] = !(post.excerpt ?? "").isEmpty
        shared["excerpt"] = post.excerpt ?? ""
        shared["answers"] = answered != nil
        shared["answered_title"] = answered?.title ?? ""
        shared["answered_url"] = answered?.url ?? ""
        shared["answered_author"] = answeredAuthor.map(displayName) ?? ""
        let recipients = try recipientsForPost(post, tx: tx)
        let renderer = FanoutRenderer(templates: relay.templates, shared: shared)
        var queued: [OutboundRecord] = []
        for person in recipients {
            let toYou = answered != nil && answered?.authorId == person.id
            let subject: String
            if let answered {
                subject = toYou ? "\(name) answered your post “\(answered.title)” with “\(post.title)”"
                                : "\(name) answered “\(answered.title)” with “\(post.title)”"
            } else {
                subject = "\(name) published \(post.title)"
            }
            let token = relay.codec.encode(ReplyToken(target: .post, targetID: post.number!, recipientID: person.id!, issuedDay: relay.today))
            let bodies = { render("new-post", renderer, recipient: person, token: token, flags: ["to_you": toYou]) }
            queued.append(try queue(kind: "new-post", template: "new-post", subject: subject, to: person, token: token,
                                    references: [threadRoot(post)], post: post, commentId: nil, context: [:], bodies: bodies, tx: tx))
        }
        return queued
    }

    /// Queues the notification of a published comment to each recipient.
    ///
    /// Each recipient's `References` (RFC 5322 §3.6.4) names, for every step of the thread
    /// down to the comment answered, the Message-ID that this recipient already has in
    /// their mailbox: the notification they got about it, or their own email when they
    /// wrote it; a stable stand-in otherwise. So every mail client threads the whole
    /// exchange, whichever part of it the recipient saw.
    func queueNewComment(_ comment: CommentRecord, post: PostRecord, tx: StoreTransaction) throws -> [OutboundRecord] {
        guard let author = try tx.person(id: comment.authorId) else { return [] }
        var path: [CommentRecord] = []  // from the top-level comment down to the parent
        var cursor = comment.parentId
        while let id = cursor, path.count < 50, let parent = try tx.comment(id: id) {
            path.insert(parent, at: 0)
            cursor = parent.parentId
        }
        let parent = path.last
        let parentAuthor = try parent.flatMap { try tx.person(id: $0.authorId) }
        let recipients = try recipientsForComment(comment, post: post, tx: tx)
        guard !recipients.isEmpty else { return [] }

        var known: [Int64: [Int64?: String]] = [:]  // recipient → (comment or nil for the post) → Message-ID
        // Inserted rows first, then those still queued in this transaction's batch.
        let queuedInBatch = NotificationBatch.current?.queuedMessageIDs(postId: post.id, commentIds: Set(path.map { $0.id! })) ?? []
        for k in try tx.threadMessageIDs(postId: post.id, commentIds: path.map { $0.id! }) + queuedInBatch where known[k.recipientId]?[k.commentId] == nil {
            known[k.recipientId, default: [:]][k.commentId] = k.messageId
        }
        var shared = baseContext(post: post)
        shared["author"] = displayName(author)
        shared["body"] = comment.body
        // Paragraphs as <p>: a client that quotes from the HTML (Thunderbird, alpine,
        // Gmail) keeps them apart, as a pre-wrapped block it ran them together.
        shared["body_html"] = CommentHTML.render(comment.body)
        shared["is_reply"] = parentAuthor != nil
        shared["parent_author"] = parentAuthor.map(displayName) ?? ""
        let subject = "Re: \(post.title)"
        let renderer = FanoutRenderer(templates: relay.templates, shared: shared)

        var queued: [OutboundRecord] = []
        queued.reserveCapacity(recipients.count)
        for person in recipients {
            let id = person.id!
            var references = [threadRoot(post)]
            if let note = known[id]?[Int64?.none] { references.append(note) }
            for step in path {
                if step.authorId == id, let own = step.messageId, MessageIDSyntax.isValid(own) {
                    references.append(own)
                } else {
                    references.append(known[id]?[step.id!] ?? commentID(step))
                }
            }
            let token = relay.codec.encode(ReplyToken(target: .comment, targetID: comment.id!, recipientID: id, issuedDay: relay.today))
            let toYou = parentAuthor?.id == id
            let bodies = { render("new-comment", renderer, recipient: person, token: token, flags: ["to_you": toYou]) }
            queued.append(try queue(kind: "new-comment", template: "new-comment", subject: subject, to: person, token: token,
                                    references: references, post: post, commentId: comment.id, context: [:], bodies: bodies, tx: tx))
        }
        return queued
    }

    private func baseContext(post: PostRecord) -> [String: Any] {
        [
            "site": relay.config.site.name,
            "base_url": relay.config.site.baseURL,
            "post_title": post.title,
            "post_url": post.url,
            "post_id": post.id,
            "comments_url": "\(relay.config.site.baseURL)/posts/\(Notifier.pathSegment(post.id))/comments",
        ]
    }

    /// A post id as a URL path segment. Ids are usually plain slugs, which need no
    /// escaping; Foundation's percent-encoding (through NSString) cost a visible share of
    /// queuing a notification, so it only runs for the others.
    static func pathSegment(_ id: String) -> String {
        let plain = id.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
        }
        return plain ? id : id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
    }

    /// A fan-out template's text and HTML parts for one recipient.
    private func render(_ template: String, _ renderer: FanoutRenderer, recipient: PersonRecord, token: String,
                        flags: [String: Bool]) -> (text: String, html: String?) {
        let values = ["recipient": displayName(recipient), "unsubscribe_url": unsubscribeURL(token)]
        let text = renderer.render("\(template).txt", values: values, flags: flags)
        let html = relay.templates.has("\(template).html") ? renderer.render("\(template).html", values: values, flags: flags) : nil
        return (text, html)
    }

    private func unsubscribeURL(_ token: String) -> String { "\(relay.config.site.baseURL)/unsubscribe/\(token)" }

    /// `List-Id` (RFC 2919): the site's name and a list identifier under Parley's domain.
    private var listID: String {
        let name = relay.config.site.name
        let label = String(name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        return "\(name) <\(label.isEmpty ? "parley" : label).\(relay.messageIDDomain)>"
    }

    /// Renders, builds and queues one message to one person.
    ///
    /// The envelope sender is a VERP address whose token names this outbound row and its
    /// recipient (see ``NotifyAddresses``): the row's id is taken first. Inside a
    /// ``NotificationBatch`` the rendering and building happen on its worker thread and
    /// the row is inserted before the batch's transaction commits; otherwise here and now.
    /// `bodies` renders the text and HTML parts (else the templates with `context`).
    func queue(kind: String, template: String, subject: String, to person: PersonRecord, token: String,
               references: [String], post: PostRecord?, commentId: Int64?, context: [String: Any],
               bodies: (() -> (text: String, html: String?))? = nil, tx: StoreTransaction) throws -> OutboundRecord {
        let now = relay.now()
        // The token makes a reply findable even when the reply address was dropped;
        // random bytes make each Message-ID unique.
        let random = UInt64.random(in: .min ... .max)  // one call to the system generator, not six
        let unique = Base32.encode((0..<6).map { UInt8(truncatingIfNeeded: random >> ($0 * 8)) })
        let messageID = "\(token).\(unique)@\(relay.messageIDDomain)"
        guard let replyTo = EmailAddress(address: relay.replyPattern.address(for: token), name: relay.config.site.name),
              let to = EmailAddress(address: person.email, name: person.name) else {
            throw AdminError("cannot address a notification to \(person.email.debugDescription): not a plain address")
        }
        let batch = NotificationBatch.current
        let id = try batch?.allocateId(tx: tx) ?? tx.nextOutboundId()
        let addresses = relay.notifyAddresses
        let bounceToken = relay.codec.encode(ReplyToken(target: .outbound, targetID: id, recipientID: person.id!, issuedDay: relay.today))
        var record = OutboundRecord(
            id: id, recipientId: person.id, recipient: person.email, kind: kind, token: token, messageId: messageID,
            envelopeFrom: addresses.bounceAddress(token: bounceToken), raw: Data(), nextAttemptAt: now,
            postId: post?.id, commentId: commentId, createdAt: now)
        let from = relay.config.smtp.from, templates = relay.templates, listID = listID
        let unsubscribeURL = unsubscribeURL(token)
        let unsubscribeMailto = "mailto:\(addresses.unsubscribeAddress(token: token))?subject=unsubscribe"
        let make = { () -> [UInt8] in
            let parts: (text: String, html: String?) = bodies?() ?? (templates.render("\(template).txt", context),
                                      templates.has("\(template).html") ? templates.render("\(template).html", context) : nil)
            return MessageBuilder.build(OutgoingMail(
                from: from, to: to, replyTo: replyTo, subject: subject, messageID: messageID,
                references: references, listID: listID, unsubscribeURL: unsubscribeURL,
                unsubscribeMailto: unsubscribeMailto, date: now, text: parts.text, html: parts.html))
        }
        if let batch {
            batch.add(record, make: make)
            return record
        }
        record.raw = Data(make())
        return try tx.insertOutbound(record)
    }

    /// The Message-ID every notification about a post refers to first, so that a mail
    /// client puts them in one thread even when it has none of the others.
    func threadRoot(_ post: PostRecord) -> String { "parley.post.\(post.number!)@\(relay.messageIDDomain)" }

    /// The stable Message-ID standing for a comment the recipient has no email of.
    func commentID(_ comment: CommentRecord) -> String { "parley.comment.\(comment.id!)@\(relay.messageIDDomain)" }

    func displayName(_ person: PersonRecord) -> String { person.displayName }
}

extension PersonRecord {
    /// The name a person is shown by: their display name, else their address's local part.
    var displayName: String { name ?? String(email.split(separator: "@").first ?? "someone") }
}

/// The `msg-id` syntax of RFC 5322 §3.6.4 in its common dot-atom form, for Message-IDs
/// that came from someone else's email before they go into a header Parley writes.
enum MessageIDSyntax {
    /// `id-left "@" id-right` of atext and dots (or a bracketed domain literal on the
    /// right), at most 250 octets: no space, no control character, nothing that could
    /// end the header.
    static func isValid(_ id: String) -> Bool {
        guard id.utf8.count <= 250, let at = id.lastIndex(of: "@") else { return false }
        let left = id[..<at], right = id[id.index(after: at)...]
        guard isDotAtom(left) else { return false }
        if right.hasPrefix("[") && right.hasSuffix("]") && right.count > 2 {
            return right.dropFirst().dropLast().unicodeScalars.allSatisfy { $0.value >= 33 && $0.value <= 126 && $0 != "[" && $0 != "]" && $0 != "\\" }
        }
        return isDotAtom(right)
    }

    private static let atextSpecials = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    private static func isDotAtom(_ s: Substring) -> Bool {
        guard !s.isEmpty, !s.hasPrefix("."), !s.hasSuffix("."), !s.contains("..") else { return false }
        return s.unicodeScalars.allSatisfy { c in
            c == "." || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || atextSpecials.contains(c)
        }
    }
}
