import Foundation
import ParleyStore

/// Who hears about a new post or a new comment (SPEC "The life of a reply", steps 1
/// and 7): everyone with a reason to, each once, never the person who wrote it, never
/// someone who opted out of it or whose address is suspended for bouncing.
public struct RecipientPlanner: Sendable {
    /// The time suspensions are compared with.
    public let now: Date

    /// - Parameter now: the current time, from the relay's clock.
    public init(now: Date) {
        self.now = now
    }

    /// A new post: the conversation's partners and the conversation's subscribers,
    /// never the post's author. A post outside any conversation notifies nobody.
    public func recipients(forPost post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        guard let conversation = post.conversationId else { return [] }
        var ids = try tx.partners(of: conversation)
        ids += try tx.subscribers(postId: nil, conversationId: conversation).map(\.personId)
        return try filter(ids, author: post.authorId, post: post, tx: tx)
    }

    /// A new comment: the author of the comment it answers (when they want replies), the
    /// post's author, the conversation's partners, then the post's and the conversation's
    /// subscribers; in that order, each once, never the comment's own author.
    public func recipients(forComment comment: CommentRecord, post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        var ids: [Int64] = []
        if let parentId = comment.parentId, let parent = try tx.comment(id: parentId),
           try tx.wantsReplies(personId: parent.authorId) {
            ids.append(parent.authorId)
        }
        ids.append(post.authorId)
        if let conversation = post.conversationId { ids += try tx.partners(of: conversation) }
        ids += try tx.subscribers(postId: post.id, conversationId: post.conversationId).map(\.personId)
        return try filter(ids, author: comment.authorId, post: post, tx: tx)
    }

    /// Removes repeats, the author, suspended people and people who opted out of this
    /// post, its conversation, or everything. Persons and opt-outs are read in bulk (one
    /// query each per 500 people), not per recipient.
    private func filter(_ ids: [Int64], author: Int64, post: PostRecord, tx: StoreTransaction) throws -> [PersonRecord] {
        var seen: Set<Int64> = [author]
        let wanted = ids.filter { seen.insert($0).inserted }
        guard !wanted.isEmpty else { return [] }
        let persons = try tx.persons(ids: wanted)
        let optOuts = try tx.optOuts(personIds: wanted)
        var out: [PersonRecord] = []
        out.reserveCapacity(wanted.count)
        for id in wanted {
            guard let person = persons[id] else { continue }
            if let until = person.suspendedUntil, until > now { continue }
            if let own = optOuts[id], Self.optedOut(own, post: post) { continue }
            out.append(person)
        }
        return out
    }

    /// An inactive subscription to the post or its conversation (or of scope `all`) is
    /// an opt-out that also silences the reasons a person has by role (author, partner).
    static func optedOut(_ subscriptions: [SubscriptionRecord], post: PostRecord) -> Bool {
        subscriptions.contains { s in
            guard !s.active else { return false }
            if s.scope == "all" { return true }
            if s.scope == "post", s.postId == post.id { return true }
            if s.scope == "conversation", let c = s.conversationId, c == post.conversationId { return true }
            return false
        }
    }
}
