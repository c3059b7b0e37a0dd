// One record type per table; the schema itself is in Migrations.swift.
import Foundation
import GRDB

/// A row of `persons`: anyone with an email address.
public struct PersonRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "persons"
    public var id: Int64?
    /// The address as first seen (domain lower-cased).
    public var email: String
    /// The comparison key: the address lower-cased; unique.
    public var emailKey: String
    public var name: String?
    /// Set once a person has had a comment published (for `first-time` moderation).
    public var trusted: Bool
    public var bounceScore: Int
    /// Notifications are not sent while this is in the future.
    public var suspendedUntil: Date?
    public var createdAt: Date
    /// When the last bounce for this person arrived (migration v2-notify).
    public var lastBounceAt: Date?

    public init(id: Int64? = nil, email: String, emailKey: String, name: String?, trusted: Bool = false,
                bounceScore: Int = 0, suspendedUntil: Date? = nil, createdAt: Date, lastBounceAt: Date? = nil) {
        self.id = id; self.email = email; self.emailKey = emailKey; self.name = name; self.trusted = trusted
        self.bounceScore = bounceScore; self.suspendedUntil = suspendedUntil; self.createdAt = createdAt
        self.lastBounceAt = lastBounceAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `conversations`.
public struct ConversationRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "conversations"
    public var id: String
    public var title: String
    public var createdAt: Date

    public init(id: String, title: String, createdAt: Date) {
        self.id = id; self.title = title; self.createdAt = createdAt
    }
}

/// A row of `conversation_partners`.
public struct ConversationPartnerRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "conversation_partners"
    public var conversationId: String
    public var personId: Int64
}

/// A row of `posts`.
public struct PostRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "posts"
    /// A number for the post, used inside reply tokens (the id is free text).
    public var number: Int64?
    public var id: String
    public var title: String
    public var url: String
    public var authorId: Int64
    public var conversationId: String?
    /// A closed post takes no more comments.
    public var closed: Bool
    public var createdAt: Date
    /// The `[[blog]]` whose feed it came from, and the feed entry's id (nil for `post add`).
    public var blog: String? = nil
    public var entryId: String? = nil
    /// The first words of the entry, as plain text.
    public var excerpt: String? = nil
    /// The earlier post of the same conversation that this one answers (it links it).
    public var answersPostId: String? = nil
    /// When the blog says it was published.
    public var publishedAt: Date? = nil

    public init(number: Int64? = nil, id: String, title: String, url: String, authorId: Int64, conversationId: String?, closed: Bool = false, createdAt: Date) {
        self.number = number; self.id = id; self.title = title; self.url = url; self.authorId = authorId
        self.conversationId = conversationId; self.closed = closed; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { number = inserted.rowID }
}

/// A row of `comments`.
public struct CommentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "comments"
    public var id: Int64?
    public var postId: String
    public var parentId: Int64?
    public var authorId: Int64
    /// Plain text, exactly what the person wrote.
    public var body: String
    /// What the extractor removed (quotes, signature…).
    public var elided: String
    /// `published`, `pending` or `rejected`.
    public var status: String
    /// Why a pending comment is held.
    public var holdReason: String?
    /// `email` or `cli`.
    public var source: String
    /// The Message-ID of the email it came from.
    public var messageId: String?
    public var inboundId: Int64?
    public var createdAt: Date

    public init(id: Int64? = nil, postId: String, parentId: Int64?, authorId: Int64, body: String, elided: String,
                status: String, holdReason: String? = nil, source: String, messageId: String?, inboundId: Int64?, createdAt: Date) {
        self.id = id; self.postId = postId; self.parentId = parentId; self.authorId = authorId; self.body = body
        self.elided = elided; self.status = status; self.holdReason = holdReason; self.source = source
        self.messageId = messageId; self.inboundId = inboundId; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `subscriptions`.
public struct SubscriptionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "subscriptions"
    public var id: Int64?
    public var personId: Int64
    /// `post`, `conversation` or `replies` (replies to the person's own comments).
    public var scope: String
    public var postId: String?
    public var conversationId: String?
    public var active: Bool
    public var createdAt: Date

    public init(id: Int64? = nil, personId: Int64, scope: String, postId: String?, conversationId: String?, active: Bool = true, createdAt: Date) {
        self.id = id; self.personId = personId; self.scope = scope; self.postId = postId
        self.conversationId = conversationId; self.active = active; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `inbound_messages`: one email fetched, with what became of it.
public struct InboundRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "inbound_messages"
    public var id: Int64?
    public var mailbox: String
    public var uidValidity: Int64
    public var uid: Int64
    public var messageId: String?
    /// SHA-256 of the raw bytes, hex.
    public var hash: String
    /// `published`, `pending`, `command`, `bounce`, `auto-reply`, `loop`, `duplicate`, `rejected`, `failed`.
    public var status: String
    /// Why, in words a person can act on.
    public var reason: String
    public var fromAddress: String?
    public var subject: String?
    public var size: Int
    /// The exact bytes as fetched.
    public var raw: Data
    public var commentId: Int64?
    public var receivedAt: Date

    public init(id: Int64? = nil, mailbox: String, uidValidity: Int64, uid: Int64, messageId: String?, hash: String,
                status: String, reason: String, fromAddress: String?, subject: String?, size: Int, raw: Data,
                commentId: Int64? = nil, receivedAt: Date) {
        self.id = id; self.mailbox = mailbox; self.uidValidity = uidValidity; self.uid = uid; self.messageId = messageId
        self.hash = hash; self.status = status; self.reason = reason; self.fromAddress = fromAddress
        self.subject = subject; self.size = size; self.raw = raw; self.commentId = commentId; self.receivedAt = receivedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `outbound_messages`: the durable outbox.
public struct OutboundRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbound_messages"
    public var id: Int64?
    public var recipientId: Int64?
    public var recipient: String
    /// `new-post`, `new-comment`, `moderation`, `rejection`, `confirmation`.
    public var kind: String
    public var token: String
    public var messageId: String
    public var envelopeFrom: String
    public var raw: Data
    /// `queued`, `deferred`, `sent`, `failed`.
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var smtpReply: String?
    public var postId: String?
    public var commentId: Int64?
    public var createdAt: Date
    public var sentAt: Date?

    public init(id: Int64? = nil, recipientId: Int64?, recipient: String, kind: String, token: String, messageId: String,
                envelopeFrom: String, raw: Data, status: String = "queued", attempts: Int = 0, nextAttemptAt: Date,
                lastError: String? = nil, smtpReply: String? = nil, postId: String?, commentId: Int64?, createdAt: Date, sentAt: Date? = nil) {
        self.id = id; self.recipientId = recipientId; self.recipient = recipient; self.kind = kind; self.token = token
        self.messageId = messageId; self.envelopeFrom = envelopeFrom; self.raw = raw; self.status = status
        self.attempts = attempts; self.nextAttemptAt = nextAttemptAt; self.lastError = lastError; self.smtpReply = smtpReply
        self.postId = postId; self.commentId = commentId; self.createdAt = createdAt; self.sentAt = sentAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `checkpoints`: per mailbox, the UIDVALIDITY and the highest UID whose
/// outcome is committed.
public struct CheckpointRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "checkpoints"
    public var mailbox: String
    public var uidValidity: Int64
    public var lastUid: Int64
    public var updatedAt: Date

    public init(mailbox: String, uidValidity: Int64, lastUid: Int64, updatedAt: Date) {
        self.mailbox = mailbox; self.uidValidity = uidValidity; self.lastUid = lastUid; self.updatedAt = updatedAt
    }
}
