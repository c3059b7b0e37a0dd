import Foundation
import ParleyCore
import ParleyStore
import ParleyWebmention

/// An admin operation that cannot be done, with the reason.
public struct AdminError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Relay {
    /// Creates a conversation between partners.
    public func addConversation(id: String, title: String, partners: [EmailAddress]) throws {
        guard !id.isEmpty else { throw AdminError("a conversation needs an --id") }
        guard partners.count >= 2 else { throw AdminError("a conversation needs at least two --partner addresses") }
        try store.write { tx in
            if try tx.conversation(id: id) != nil { throw AdminError("conversation \(id) exists already") }
            let now = self.now()
            let ids = try partners.map { try tx.person(for: $0, now: now).id! }
            try tx.insertConversation(ConversationRecord(id: id, title: title, createdAt: now), partners: ids)
        }
    }

    /// Adds a post; if it belongs to a conversation, the partner(s) and the conversation's
    /// subscribers are notified. Returns the queued notifications.
    @discardableResult
    /// `links`: pages the post links, each sent a Webmention (queued with the post).
    public func addPost(id: String, title: String, url: String, author: EmailAddress, conversation: String?, links: [String] = []) throws -> [OutboundRecord] {
        guard !id.isEmpty else { throw AdminError("a post needs an --id") }
        if !links.isEmpty, !WebURL.isHTTP(url) { throw AdminError("--links needs the post's --url to be its http(s) permalink: it is the source of the Webmentions") }
        for link in links where !WebURL.isHTTP(link) { throw AdminError("--links \(link.debugDescription) is not an http(s) URL") }
        return try store.write { tx in
            if try tx.post(id: id) != nil { throw AdminError("post \(id) exists already") }
            if let conversation, try tx.conversation(id: conversation) == nil {
                throw AdminError("conversation \(conversation) does not exist (add it with `parley conversation add`)")
            }
            let now = self.now()
            let person = try tx.person(for: author, now: now)
            let post = try tx.insertPost(PostRecord(id: id, title: title, url: url, authorId: person.id!, conversationId: conversation, createdAt: now))
            try queueWebmentions(from: post, links: links, tx: tx)
            return try Notifier(relay: self).queueNewPost(post, tx: tx)
        }
    }

    /// Subscribes a person to a post or a conversation.
    public func subscribe(_ address: EmailAddress, post: String?, conversation: String?) throws {
        guard (post == nil) != (conversation == nil) else { throw AdminError("give exactly one of --post and --conversation") }
        try store.write { tx in
            if let post, try tx.post(id: post) == nil { throw AdminError("post \(post) does not exist") }
            if let conversation, try tx.conversation(id: conversation) == nil { throw AdminError("conversation \(conversation) does not exist") }
            let person = try tx.person(for: address, now: now())
            try tx.subscribe(personId: person.id!, scope: post != nil ? "post" : "conversation", postId: post, conversationId: conversation, now: now())
        }
    }

    /// Unsubscribes a person from a post, a conversation, or everything.
    @discardableResult
    public func unsubscribe(_ address: EmailAddress, post: String?, conversation: String?) throws -> Int {
        try store.write { tx in
            guard let person = try tx.person(address: address) else { throw AdminError("\(address.address) is not known") }
            return try tx.unsubscribe(personId: person.id!, postId: post, conversationId: conversation)
        }
    }

    /// Comments as the CLI and the JSON views show them.
    public func commentViews(post: String?, status: String?) throws -> [CommentView] {
        try store.read { tx in try commentViews(post: post, status: status, tx: tx) }
    }

    /// Comments as views, inside a transaction.
    func commentViews(post: String?, status: String?, tx: StoreTransaction) throws -> [CommentView] {
        try tx.comments(post: post, status: status).map { c in
            let author = try tx.person(id: c.authorId)
            return CommentView(id: c.id!, post: c.postId, parent: c.parentId, authorEmail: author?.email ?? "",
                               authorName: author?.name, body: c.body, status: c.status, createdAt: c.createdAt)
        }
    }
}

/// A comment as shown by `comment list --json` and the JSON views.
public struct CommentView: Codable, Sendable, Equatable {
    public var id: Int64
    public var post: String
    public var parent: Int64?
    public var authorEmail: String
    public var authorName: String?
    public var body: String
    public var status: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, post, parent, body, status
        case authorEmail = "author_email"
        case authorName = "author_name"
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(post, forKey: .post)
        try c.encode(parent, forKey: .parent)
        try c.encode(authorEmail, forKey: .authorEmail)
        try c.encode(authorName, forKey: .authorName)
        try c.encode(body, forKey: .body)
        try c.encode(status, forKey: .status)
        try c.encode(createdAt, forKey: .createdAt)
    }
}
