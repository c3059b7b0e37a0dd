import Foundation
import ParleyCore
import ParleyRelay
import ParleyStore
import Testing

/// SPEC steps 1 and 7, case by case: who is told about a new post or a new comment.
///
/// The world of every case: Liz wrote post `p` in conversation `c`, whose partners are
/// Liz and Ann; Liz also wrote post `q`. Bob, Cat, Dan and Eve are readers. A comment
/// that is replied to was written by `parent`, who was then subscribed to replies to
/// their own comments (as publishing does). Then each case's setup runs.
@Suite("Recipient planning")
struct RecipientPlanningTests {
    enum Setup: Sendable {
        case postSub(String), convSub(String), otherPostSub(String)
        case repliesOff(String), unsubPost(String), unsubConv(String)
        case suspended(String), suspensionOver(String)
        case noConversation
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var commenter: String = ""
        var parent: String?
        var setup: [Setup] = []
        var expected: [String]
        var testDescription: String { name }
    }

    static let commentCases: [Case] = [
        Case(name: "a reader's top-level comment: the post's author and the partners", commenter: "bob", expected: ["liz", "ann"]),
        Case(name: "a reply: the replied-to author first, then the post's author and partners", commenter: "cat", parent: "bob", expected: ["bob", "liz", "ann"]),
        Case(name: "a reply to a partner reaches the partner once", commenter: "bob", parent: "ann", expected: ["ann", "liz"]),
        Case(name: "the post's author is never told of their own comment", commenter: "liz", expected: ["ann"]),
        Case(name: "the post's author answering a reader", commenter: "liz", parent: "bob", expected: ["bob", "ann"]),
        Case(name: "a partner is never told of their own comment", commenter: "ann", parent: "bob", expected: ["bob", "liz"]),
        Case(name: "the post's and the conversation's subscribers", commenter: "bob", setup: [.postSub("cat"), .convSub("dan")], expected: ["liz", "ann", "cat", "dan"]),
        Case(name: "someone with every reason to hear hears once", commenter: "bob", parent: "cat",
             setup: [.postSub("cat"), .convSub("cat"), .postSub("ann"), .convSub("ann"), .postSub("liz")], expected: ["cat", "liz", "ann"]),
        Case(name: "a subscriber of another post hears nothing", commenter: "bob", setup: [.otherPostSub("dan")], expected: ["liz", "ann"]),
        Case(name: "the commenter's own subscriptions do not bring their comment back", commenter: "cat", setup: [.postSub("cat"), .convSub("cat")], expected: ["liz", "ann"]),
        Case(name: "replying to one's own comment", commenter: "bob", parent: "bob", expected: ["liz", "ann"]),
        Case(name: "a replied-to author who switched replies off", commenter: "cat", parent: "bob", setup: [.repliesOff("bob")], expected: ["liz", "ann"]),
        Case(name: "…still hears as a subscriber of the post", commenter: "cat", parent: "bob", setup: [.repliesOff("bob"), .postSub("bob")], expected: ["liz", "ann", "bob"]),
        Case(name: "unsubscribed from the post: not even as a partner or subscriber", commenter: "bob",
             setup: [.postSub("cat"), .unsubPost("cat"), .unsubPost("ann")], expected: ["liz"]),
        Case(name: "unsubscribed from the post: not even as the replied-to author", commenter: "cat", parent: "bob",
             setup: [.unsubPost("bob")], expected: ["liz", "ann"]),
        Case(name: "unsubscribed from the conversation", commenter: "bob", setup: [.convSub("dan"), .unsubConv("dan"), .unsubConv("ann")], expected: ["liz"]),
        Case(name: "suspended for bouncing, in every role", commenter: "bob", parent: "eve",
             setup: [.suspended("ann"), .postSub("cat"), .suspended("cat"), .suspended("eve")], expected: ["liz"]),
        Case(name: "a suspension that is over", commenter: "bob", setup: [.suspensionOver("ann")], expected: ["liz", "ann"]),
        Case(name: "a post outside any conversation: author, replied-to author, post subscribers", commenter: "bob", parent: "cat",
             setup: [.noConversation, .postSub("dan"), .convSub("eve")], expected: ["cat", "liz", "dan"]),
    ]

    static let postCases: [Case] = [
        Case(name: "a new post: the partner, never the author", expected: ["ann"]),
        Case(name: "a new post: the conversation's subscribers", setup: [.convSub("bob"), .convSub("cat")], expected: ["ann", "bob", "cat"]),
        Case(name: "a new post: subscribers of another post hear nothing", setup: [.otherPostSub("bob")], expected: ["ann"]),
        Case(name: "a new post: a partner who also subscribed hears once", setup: [.convSub("ann")], expected: ["ann"]),
        Case(name: "a new post: the author's own subscription changes nothing", setup: [.convSub("liz")], expected: ["ann"]),
        Case(name: "a new post: unsubscribed from the conversation", setup: [.unsubConv("ann"), .convSub("bob"), .unsubConv("bob")], expected: []),
        Case(name: "a new post: suspended for bouncing", setup: [.suspended("ann"), .convSub("bob")], expected: ["bob"]),
        Case(name: "a new post outside any conversation notifies nobody", setup: [.noConversation], expected: []),
    ]

    @Test(arguments: commentCases)
    func comment(_ c: Case) throws {
        let world = try World(c)
        let names = try world.store.read { tx -> [String] in
            let comment = try world.comment(by: c.commenter, replyingTo: world.parent, tx: tx)
            return try RecipientPlanner(now: world.now).recipients(forComment: comment, post: world.post, tx: tx).map(world.name)
        }
        #expect(names == c.expected)
    }

    @Test(arguments: postCases)
    func post(_ c: Case) throws {
        let world = try World(c)
        let names = try world.store.read { tx in
            try RecipientPlanner(now: world.now).recipients(forPost: world.post, tx: tx).map(world.name)
        }
        #expect(names == c.expected)
    }

    /// One database holding the case's world.
    struct World {
        let store: Store
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        var ids: [String: Int64] = [:]
        var post: PostRecord!
        var parent: CommentRecord?

        init(_ c: Case) throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-plan-\(UInt64.random(in: 0...UInt64.max)).sqlite").path
            store = try Store(path: path)
            let now = self.now
            let inConversation = !c.setup.contains { if case .noConversation = $0 { return true }; return false }
            var ids: [String: Int64] = [:]
            var post: PostRecord?
            var parent: CommentRecord?
            try store.write { tx in
                for name in ["liz", "ann", "bob", "cat", "dan", "eve"] {
                    ids[name] = try tx.person(for: EmailAddress(address: "\(name)@example.org", name: name.capitalized)!, now: now).id!
                }
                try tx.insertConversation(ConversationRecord(id: "c", title: "C", createdAt: now), partners: [ids["liz"]!, ids["ann"]!])
                post = try tx.insertPost(PostRecord(id: "p", title: "P", url: "https://liz.example.org/p", authorId: ids["liz"]!,
                                                    conversationId: inConversation ? "c" : nil, createdAt: now))
                _ = try tx.insertPost(PostRecord(id: "q", title: "Q", url: "https://liz.example.org/q", authorId: ids["liz"]!,
                                                 conversationId: "c", createdAt: now))
                if let author = c.parent {
                    parent = try tx.insertComment(CommentRecord(postId: "p", parentId: nil, authorId: ids[author]!, body: "first", elided: "",
                                                                status: "published", source: "email", messageId: nil, inboundId: nil, createdAt: now))
                    try tx.subscribe(personId: ids[author]!, scope: "replies", postId: nil, conversationId: nil, now: now)
                }
                for step in c.setup {
                    switch step {
                    case .postSub(let n): try tx.subscribe(personId: ids[n]!, scope: "post", postId: "p", conversationId: nil, now: now)
                    case .convSub(let n): try tx.subscribe(personId: ids[n]!, scope: "conversation", postId: nil, conversationId: "c", now: now)
                    case .otherPostSub(let n): try tx.subscribe(personId: ids[n]!, scope: "post", postId: "q", conversationId: nil, now: now)
                    case .repliesOff(let n):
                        try tx.optOut(personId: ids[n]!, scope: "replies", postId: nil, conversationId: nil, now: now)
                    case .unsubPost(let n):
                        try tx.unsubscribe(personId: ids[n]!, postId: "p")
                        try tx.optOut(personId: ids[n]!, scope: "post", postId: "p", conversationId: nil, now: now)
                    case .unsubConv(let n):
                        try tx.unsubscribe(personId: ids[n]!, conversationId: "c")
                        try tx.optOut(personId: ids[n]!, scope: "conversation", postId: nil, conversationId: "c", now: now)
                    case .suspended(let n), .suspensionOver(let n):
                        var person = try tx.person(id: ids[n]!)!
                        if case .suspended = step { person.suspendedUntil = now.addingTimeInterval(86400) } else { person.suspendedUntil = now.addingTimeInterval(-1) }
                        person.bounceScore = 3
                        try tx.update(person)
                    case .noConversation: break
                    }
                }
            }
            self.ids = ids
            self.post = post
            self.parent = parent
        }

        func name(_ person: PersonRecord) -> String { ids.first { $0.value == person.id }!.key }

        /// The new comment; planning needs only its author and parent, so it is not saved.
        func comment(by author: String, replyingTo parent: CommentRecord?, tx: StoreTransaction) throws -> CommentRecord {
            CommentRecord(id: 999, postId: "p", parentId: parent?.id, authorId: ids[author]!, body: "new", elided: "",
                          status: "published", source: "email", messageId: nil, inboundId: nil, createdAt: now)
        }
    }
}
