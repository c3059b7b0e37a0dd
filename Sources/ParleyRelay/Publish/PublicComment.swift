import Foundation
import ParleyStore

/// A comment as every public view shows it (static files, the HTTP pages and JSON, the
/// Atom feed): never the commenter's email address, whole or hashed. Only the admin's
/// `comment list --json` has `author_email`.
public struct PublicComment: Encodable, Sendable, Equatable {
    public var id: Int64
    public var post: String
    public var parent: Int64?
    /// The display name the commenter's mail gave, or ``anonymousName``.
    public var authorName: String
    /// Plain text, as written.
    public var body: String
    /// The body rendered as escaped HTML (paragraphs, line breaks, links).
    public var bodyHTML: String
    public var createdAt: Date
    /// `comment` (by email) or `mention` (a Webmention). Ids are unique per kind.
    public var kind: String
    /// A mention's source page (the post that mentions this one); nil for a comment.
    public var url: String?
    /// A mention author's home page, when the source's h-card gives one.
    public var authorURL: String?

    /// The name shown for a commenter whose mail gave none, or whose name holds an
    /// address (clients often write `"liz@example.org" <liz@example.org>`): it says
    /// nothing of the address.
    public static let anonymousName = "Anonymous reader"

    public init(_ view: CommentView, kind: String = "comment") {
        id = view.id
        post = view.post
        parent = view.parent
        authorName = Self.displayName(view.authorName)
        body = view.body
        bodyHTML = CommentHTML.render(view.body)
        createdAt = view.createdAt
        self.kind = kind
    }

    /// A verified Webmention: its author's name from the source's h-entry (else the
    /// source's host), never an email address.
    public init(mention: WebmentionRecord) {
        id = mention.id!
        post = mention.postId
        parent = nil
        authorName = mention.authorName.map { Self.displayName($0) == Self.anonymousName ? mention.sourceHost : $0 } ?? mention.sourceHost
        body = mention.content
        bodyHTML = CommentHTML.render(mention.content)
        createdAt = mention.publishedAt ?? mention.receivedAt
        kind = "mention"
        url = mention.source
        authorURL = mention.authorURL
    }

    /// The public name for a person's display name.
    public static func displayName(_ name: String?) -> String {
        let trimmed = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.contains("@") else { return anonymousName }
        return trimmed
    }

    enum CodingKeys: String, CodingKey {
        case id, post, parent, body, kind
        case authorName = "author_name"
        case bodyHTML = "body_html"
        case createdAt = "created_at"
        case url
        case authorURL = "author_url"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(post, forKey: .post)
        try c.encode(parent, forKey: .parent)  // null for a top-level comment
        try c.encode(authorName, forKey: .authorName)
        try c.encode(body, forKey: .body)
        try c.encode(bodyHTML, forKey: .bodyHTML)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(url, forKey: .url)
        try c.encodeIfPresent(authorURL, forKey: .authorURL)
    }
}
