import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// Creates a conversation with its partners; fails if the id exists.
    public func insertConversation(_ conversation: ConversationRecord, partners: [Int64]) throws {
        try conversation.insert(db)
        cache.partners[conversation.id] = nil
        for p in partners {
            try ConversationPartnerRecord(conversationId: conversation.id, personId: p).insert(db)
        }
    }

    public func conversation(id: String) throws -> ConversationRecord? {
        try ConversationRecord.fetchOne(db, key: id)
    }

    /// The person ids of a conversation's partners.
    public func partners(of conversationId: String) throws -> [Int64] {
        if let known = cache.partners[conversationId] { return known }
        let ids = try Int64.fetchAll(db.cachedStatement(sql: "SELECT personId FROM conversation_partners WHERE conversationId = ? ORDER BY personId"),
                                     arguments: [conversationId])
        cache.partners[conversationId] = ids
        return ids
    }

    /// Inserts a post and returns it with its number.
    public func insertPost(_ post: PostRecord) throws -> PostRecord {
        var p = post
        try p.insert(db)
        cache.posts[p.id] = nil
        return p
    }

    public func post(id: String) throws -> PostRecord? {
        if let known = cache.posts[id] { return known }
        let post = try PostRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM posts WHERE id = ?"), arguments: [id])
        remember(post)
        return post
    }

    public func post(number: Int64) throws -> PostRecord? {
        if let id = cache.postIds[number], let known = cache.posts[id] { return known }
        let post = try PostRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM posts WHERE number = ?"), arguments: [number])
        remember(post)
        return post
    }

    private func remember(_ post: PostRecord?) {
        guard let post, let number = post.number else { return }
        cache.posts[post.id] = post
        cache.postIds[number] = post.id
    }

    public func posts() throws -> [PostRecord] {
        try PostRecord.order(Column("createdAt"), Column("id")).fetchAll(db)
    }

    /// Inserts a comment and returns it with its id.
    public func insertComment(_ c: CommentRecord) throws -> CommentRecord {
        // One kept statement, the values bound in column order.
        let statement = try db.cachedStatement(sql: """
            INSERT INTO comments (id, postId, parentId, authorId, body, elided, status, holdReason, source, messageId, inboundId, createdAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [c.id, c.postId, c.parentId, c.authorId, c.body, c.elided, c.status, c.holdReason, c.source,
                                          c.messageId, c.inboundId, StoreDate.text(c.createdAt)])
        var inserted = c
        inserted.id = c.id ?? db.lastInsertedRowID
        return inserted
    }

    public func update(_ comment: CommentRecord) throws {
        try comment.update(db)
    }

    /// Records which inbound message a comment came from.
    public func setInbound(commentId: Int64, inboundId: Int64) throws {
        try db.cachedStatement(sql: "UPDATE comments SET inboundId = ? WHERE id = ?").execute(arguments: [inboundId, commentId])
    }

    public func comment(id: Int64) throws -> CommentRecord? {
        try CommentRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM comments WHERE id = ?"), arguments: [id])
    }

    /// Comments, oldest first, optionally of one post and one status.
    public func comments(post: String? = nil, status: String? = nil) throws -> [CommentRecord] {
        var request = CommentRecord.all()
        if let post { request = request.filter(Column("postId") == post) }
        if let status { request = request.filter(Column("status") == status) }
        return try request.order(Column("createdAt"), Column("id")).fetchAll(db)
    }

    /// Whether this person has had a comment published before.
    public func hasPublishedComment(personId: Int64) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM comments WHERE authorId = ? AND status = 'published')"),
                          arguments: [personId]) ?? false
    }
}
