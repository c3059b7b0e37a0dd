import Foundation
import ParleyCore
import ParleyFeed
import ParleyStore

/// Applies a feed's entries to the posts of its blog, inside the caller's transaction.
///
/// - A new entry becomes a post (id: ``FeedPostID``). It joins the blog's conversation
///   when the blog has one and either no `category` is set or the entry carries it;
///   otherwise it is a post of that blog outside the conversation, which notifies nobody.
/// - A new post of the conversation notifies as `post add` does, except on the blog's
///   first sync, and except for an entry published more than a week before that first
///   sync (it predates Parley following the blog: a feed that shows an old entry again
///   is no news).
/// - An entry already known updates its post's title, link and excerpt silently.
/// - An entry that links an earlier post of the same conversation (by permalink, see
///   ``Permalink``) answers it; the latest such post is the one answered.
/// - A new post (not on the first sync, nor an old entry) queues a Webmention to every
///   page it links.
/// Exactly once: the post and its notifications commit together, and a known entry is
/// never new again, whatever order the feed lists it in or how often.
struct FeedPosts {
    let relay: Relay
    let blog: ParleyConfig.Blog

    struct Applied {
        var added = 0
        var changed = 0
        var notified = 0
        var webmentions = 0
    }

    func apply(_ entries: [FeedEntry], firstSyncAt: Date?, now: Date, tx: StoreTransaction) throws -> Applied {
        var applied = Applied()
        let conversation = try blog.conversation.flatMap { try tx.conversation(id: $0) }
        var author: PersonRecord?
        var seen: Set<String> = []
        for entry in Self.oldestFirst(entries) where seen.insert(entry.id).inserted {
            if var post = try tx.post(blog: blog.name, entryId: entry.id) {
                let title = Self.title(entry)
                let url = entry.link ?? post.url
                let changed = post.title != title || post.url != url || post.excerpt != entry.excerpt || (entry.published != nil && post.publishedAt != entry.published)
                if changed {
                    post.title = title; post.url = url; post.excerpt = entry.excerpt
                    post.publishedAt = entry.published ?? post.publishedAt
                    try tx.update(post)
                    applied.changed += 1
                }
                applied.webmentions += try relay.resendWebmentions(from: post, links: entry.links, changed: changed, tx: tx)
                continue
            }
            let person = try author ?? tx.person(for: blog.author, now: now)
            author = person
            let joins = conversation != nil && (blog.category == nil || entry.categories.contains { $0.caseInsensitiveCompare(blog.category!) == .orderedSame })
            var post = PostRecord(id: FeedPostID.make(blog: blog.name, entryId: entry.id), title: Self.title(entry),
                                  url: entry.link ?? "", authorId: person.id!, conversationId: joins ? conversation!.id : nil, createdAt: now)
            post.blog = blog.name
            post.entryId = entry.id
            post.excerpt = entry.excerpt
            post.publishedAt = entry.published
            if joins { post.answersPostId = try answered(by: entry, in: conversation!.id, tx: tx) }
            post = try tx.insertPost(post)
            applied.added += 1
            if let answered = post.answersPostId {
                // Its page now links the answer.
                try tx.requestViewUpdate(postId: answered, now: now)
            }
            guard let firstSyncAt else { continue }
            if let published = entry.published, published < firstSyncAt.addingTimeInterval(-7 * 86400) { continue }
            // The pages the new post links are told (Webmention), whether or not it joins the conversation.
            applied.webmentions += try relay.queueWebmentions(from: post, links: entry.links, tx: tx)
            guard joins else { continue }
            applied.notified += try Notifier(relay: relay).queueNewPost(post, tx: tx).count
        }
        return applied
    }

    static func title(_ entry: FeedEntry) -> String {
        entry.title.isEmpty ? (entry.excerpt.map { String($0.prefix(80)) } ?? "(untitled)") : entry.title
    }

    /// Feeds list newest first; posts are made oldest first, so that an answer in the
    /// same fetch finds the post it answers. By date when every entry has one, else in
    /// reverse document order.
    static func oldestFirst(_ entries: [FeedEntry]) -> [FeedEntry] {
        let reversed = Array(entries.reversed())
        guard reversed.allSatisfy({ $0.published != nil }) else { return reversed }
        return reversed.enumerated().sorted { a, b in
            a.element.published! != b.element.published! ? a.element.published! < b.element.published! : a.offset < b.offset
        }.map(\.element)
    }

    /// The latest earlier post of the conversation that the entry links, if any.
    private func answered(by entry: FeedEntry, in conversation: String, tx: StoreTransaction) throws -> String? {
        let targets = Set(entry.links.compactMap(Permalink.normalised))
        guard !targets.isEmpty else { return nil }
        let own = entry.link.flatMap(Permalink.normalised)
        var found: PostRecord?
        for post in try tx.posts(conversation: conversation) {
            guard let key = Permalink.normalised(post.url), key != own, targets.contains(key) else { continue }
            found = post  // oldest first: the last match is the latest
        }
        return found?.id
    }
}
