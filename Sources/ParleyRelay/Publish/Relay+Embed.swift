import Foundation
import ParleyFeed
import ParleyStore

/// What the embed shows of one post: the post (with its public reply address) and its
/// public comments.
public struct EmbedThread: Encodable, Sendable {
    public struct Post: Encodable, Sendable {
        public var id: String
        public var title: String
        public var url: String
        /// The post's public reply address: what a reader writes to, to comment.
        public var replyTo: String

        enum CodingKeys: String, CodingKey { case id, title, url, replyTo = "reply_to" }
    }

    public var post: Post
    public var comments: [PublicComment]

    /// The JSON the embed reads (ISO 8601 dates, no escaped slashes).
    public func json() throws -> Data { try StaticViews.jsonEncoder.encode(self) }
}

extension Relay {
    /// A post by its permalink: as written (with or without a trailing slash), else
    /// compared as ``Permalink`` does (scheme, host case, `www.`).
    public func post(permalink url: String) throws -> PostRecord? {
        try store.read { tx in
            if let exact = try tx.posts(url: url).first { return exact }
            guard let key = Permalink.normalised(url) else { return nil }
            return try tx.posts().first { Permalink.normalised($0.url) == key }
        }
    }

    /// The embed's view of a post, found by id or by permalink; nil when unknown.
    public func embedThread(postId: String?, url: String?) throws -> EmbedThread? {
        let found = try postId.flatMap { id in try store.read { try $0.post(id: id) } } ?? url.flatMap { try post(permalink: $0) }
        guard let post = found else { return nil }
        let comments = try store.read { tx in
            try commentViews(post: post.id, status: "published", tx: tx).map { PublicComment($0) } + publicMentions(postId: post.id, tx: tx)
        }
        return EmbedThread(post: .init(id: post.id, title: post.title, url: StaticViews.safeLink(post.url),
                                       replyTo: try publicAddress(postId: post.id)),
                           comments: comments)
    }
}
