/// The IMAP state of one mailbox: what a checkpoint is compared against.
public struct MailboxStatus: Sendable, Equatable {
    /// RFC 3501 §2.3.1.1: when it changes, every UID of the mailbox has changed.
    public var uidValidity: UInt32
    /// The UID the next message delivered will get.
    public var uidNext: UInt32
    /// Number of messages in the mailbox.
    public var messages: Int

    public init(uidValidity: UInt32, uidNext: UInt32, messages: Int) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.messages = messages
    }
}

/// One mailbox on an IMAP server, as the ingest stage needs it.
///
/// Calls block (a network round trip each); an implementation is owned by one thread
/// at a time and is not `Sendable`.
public protocol MailboxClient: AnyObject {
    /// UIDVALIDITY, UIDNEXT and the message count of the configured mailbox.
    func status() throws(MailError) -> MailboxStatus
    /// UIDs greater than `after`, ascending.
    func uids(after: UInt32) throws(MailError) -> [UInt32]
    /// The size in octets of each of these messages (RFC822.SIZE).
    func sizes(of uids: [UInt32]) throws(MailError) -> [UInt32: Int]
    /// Marks messages as seen, in as few commands as the client can (fetching does not:
    /// processed mail should read as read in the admin's mail client).
    func markSeen(_ uids: [UInt32]) throws(MailError)
    /// The exact bytes of one message; throws `.invalidInput` once more than `limit`
    /// bytes arrive.
    func fetch(uid: UInt32, limit: Int) throws(MailError) -> [UInt8]
    /// Many messages' exact bytes, in as few commands as the client can; a message over
    /// `limit` bytes is reported with its size; UIDs gone from the mailbox are absent.
    func fetch(uids: [UInt32], limit: Int) throws(MailError) -> [UInt32: FetchedMessage]
    /// Moves messages to a folder in one command, creating the folder if it is missing.
    func move(uids: [UInt32], to folder: String) throws(MailError)
}

/// One message of a bulk fetch.
public enum FetchedMessage: Sendable, Equatable {
    case bytes([UInt8])
    /// Over the fetch's limit: its size in octets (not read).
    case tooLarge(Int)
}

extension MailboxClient {
    /// One fetch per message, for clients that have nothing better.
    public func fetch(uids: [UInt32], limit: Int) throws(MailError) -> [UInt32: FetchedMessage] {
        var out: [UInt32: FetchedMessage] = [:]
        for uid in uids {
            do {
                out[uid] = .bytes(try fetch(uid: uid, limit: limit))
            } catch {
                guard error.kind == .invalidInput else { throw error }
                out[uid] = .tooLarge(limit + 1)
            }
        }
        return out
    }
}

/// Outcome of handing one message to an SMTP server.
public struct SendReceipt: Sendable, Equatable {
    /// The server's final reply code (250 on success).
    public var replyCode: Int
    /// The server's final reply text.
    public var reply: String

    public init(replyCode: Int, reply: String) {
        self.replyCode = replyCode
        self.reply = reply
    }
}

/// Who one message is from and to, as SMTP's MAIL FROM and RCPT TO say it, and its
/// size in bytes.
public struct MailEnvelope: Sendable, Equatable {
    public var from: String
    public var to: String
    public var size: Int

    public init(from: String, to: String, size: Int) {
        self.from = from
        self.to = to
        self.size = size
    }
}

/// An SMTP submission connection, as the outbox needs it.
public protocol MailTransport: AnyObject {
    /// Sends one message to one recipient; throws ``MailError`` with `.temporary`
    /// or `.permanent` for a refusal, `.connection` when the server is unreachable.
    ///
    /// `beforeData` is asked once the server has accepted the envelope, just before the
    /// message itself goes out (the moment after which it may be delivered); false
    /// abandons the message (a `.connection` error) without it being delivered. The
    /// outbox commits its bookkeeping meanwhile: the envelope's round trips overlap the
    /// database write instead of following it.
    ///
    /// `next` is the message the caller sends next, if it knows: a transport may send
    /// that envelope right behind this message (SMTP PIPELINING), and the caller must
    /// then send exactly that message next.
    func send(_ envelope: MailEnvelope, data: [UInt8], next: MailEnvelope?, beforeData: () -> Bool) throws(MailError) -> SendReceipt
}

extension MailTransport {
    public func send(from envelopeFrom: String, to recipient: String, data: [UInt8], beforeData: () -> Bool = { true }) throws(MailError) -> SendReceipt {
        try send(MailEnvelope(from: envelopeFrom, to: recipient, size: data.count), data: data, next: nil, beforeData: beforeData)
    }
}
