import Foundation
import Logging
import ParleyCore
import ParleyStore

/// What one ingest pass did.
public struct PassSummary: Sendable, Equatable {
    public var fetched = 0
    public var moved = 0
    public var byStatus: [String: Int] = [:]

    public init() {}

    public var line: String {
        let parts = byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return "\(fetched) fetched" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", ")) + "; \(moved) moved out of the inbox"
    }
}

/// One mailbox's ingest stage: fetch each new message, decide and record it in one
/// transaction with the checkpoint, then move it out of the inbox.
///
/// State lives in the database, never in IMAP flags: a message whose outcome is
/// committed but which is still in the inbox (a crash between commit and move) is only
/// moved on the next pass, never processed twice.
public final class Ingestor {
    let relay: Relay
    let mailbox: ParleyConfig.Mailbox
    let client: any MailboxClient
    var logger: Logger

    public init(relay: Relay, mailbox: ParleyConfig.Mailbox, client: any MailboxClient) {
        self.relay = relay
        self.mailbox = mailbox
        self.client = client
        var logger = relay.logger
        logger[metadataKey: "mailbox"] = "\(mailbox.name)"
        self.logger = logger
    }

    /// One pass over the mailbox. `progress(done, total)` is called after each message.
    public func pass(progress: (Int, Int) -> Void = { _, _ in }) throws -> PassSummary {
        var summary = PassSummary()
        let status = try client.status()
        let validity = Int64(status.uidValidity)
        let checkpoint = try relay.store.read { try $0.checkpoint(mailbox: mailbox.name) }
        if let checkpoint, checkpoint.uidValidity != validity {
            logger.warning("UIDVALIDITY changed from \(checkpoint.uidValidity) to \(validity): re-scanning; known messages are recognised by Message-ID or content")
        }
        if status.messages == 0 { return summary }
        let uids = try client.uids(after: 0)
        var decided: [(UInt32, InboundRecord)] = []
        var fresh: [UInt32] = []
        try relay.store.read { tx in
            for uid in uids {
                if let known = try tx.inbound(mailbox: mailbox.name, uidValidity: validity, uid: Int64(uid)) {
                    decided.append((uid, known))
                } else {
                    fresh.append(uid)
                }
            }
        }
        // Left over from an interrupted pass: the outcome is committed, only the move is missing.
        for (uid, record) in decided {
            try moveOut(uid: uid, status: record.status)
            summary.moved += 1
        }
        let sizes = try client.sizes(of: fresh)
        try client.markSeen(fresh)
        for (index, uid) in fresh.enumerated() {
            let outcome = try ingest(uid: uid, size: sizes[uid], validity: validity)
            summary.fetched += 1
            summary.byStatus[outcome.status.rawValue, default: 0] += 1
            try moveOut(uid: uid, status: outcome.status.rawValue)
            summary.moved += 1
            progress(index + 1, fresh.count)
        }
        return summary
    }

    private func moveOut(uid: UInt32, status: String) throws {
        let rejected = status == InboundOutcome.Status.rejected.rawValue || status == InboundOutcome.Status.failed.rawValue
        try client.move(uid: uid, to: rejected ? mailbox.rejectedFolder : mailbox.processedFolder)
    }

    /// Fetches, decides and records one message; returns its outcome.
    private func ingest(uid: UInt32, size: Int?, validity: Int64) throws -> InboundOutcome {
        let now = relay.now()
        let ownAddresses = relay.ownAddresses
        if let size, size > mailbox.maxMessageSize {
            let outcome = InboundOutcome(.rejected, "message of \(size) bytes is over max_message_size (\(mailbox.maxMessageSize) bytes); kept in \(mailbox.rejectedFolder), not fetched")
            try record(uid: uid, validity: validity, raw: [], mail: nil, outcome: outcome, size: size, now: now)
            return outcome
        }
        let raw: [UInt8]
        switch Result(catching: { () throws(MailError) -> [UInt8] in try client.fetch(uid: uid, limit: mailbox.maxMessageSize) }) {
        case .success(let bytes):
            raw = bytes
        case .failure(let error):
            // A `where` clause on a typed-throws catch crashes Swift 6.3's SILGen: match here.
            guard error.kind == .invalidInput else { throw error }
            let outcome = InboundOutcome(.rejected, "message is over max_message_size (\(mailbox.maxMessageSize) bytes); kept in \(mailbox.rejectedFolder)")
            try record(uid: uid, validity: validity, raw: [], mail: nil, outcome: outcome, size: size ?? 0, now: now)
            return outcome
        }
        let mail = ReadMail(raw: raw, ownAddresses: ownAddresses)
        var logger = self.logger
        logger[metadataKey: "uid"] = "\(uid)"
        if let id = mail.messageID { logger[metadataKey: "message-id"] = "\(id)" }
        do {
            let outcome = try relay.store.write { tx -> InboundOutcome in
                let outcome = try Decider(relay: relay).decide(mail, tx: tx)
                try insert(uid: uid, validity: validity, raw: raw, mail: mail, outcome: outcome, size: raw.count, now: now, tx: tx)
                return outcome
            }
            logger.info("\(outcome.status.rawValue): \(outcome.reason)")
            return outcome
        } catch {
            // The decision failed (a bug, a database error): keep the message and say why,
            // so it can be replayed after a fix.
            let outcome = InboundOutcome(.failed, "processing failed: \(error)")
            logger.error("\(outcome.reason)")
            try record(uid: uid, validity: validity, raw: raw, mail: mail, outcome: outcome, size: raw.count, now: now)
            return outcome
        }
    }

    private func record(uid: UInt32, validity: Int64, raw: [UInt8], mail: ReadMail?, outcome: InboundOutcome, size: Int, now: Date) throws {
        try relay.store.write { tx in
            try insert(uid: uid, validity: validity, raw: raw, mail: mail, outcome: outcome, size: size, now: now, tx: tx)
        }
    }

    private func insert(uid: UInt32, validity: Int64, raw: [UInt8], mail: ReadMail?, outcome: InboundOutcome, size: Int, now: Date, tx: StoreTransaction) throws {
        let inbound = try tx.insertInbound(InboundRecord(
            mailbox: mailbox.name, uidValidity: validity, uid: Int64(uid), messageId: mail?.messageID,
            hash: mail?.hash ?? "", status: outcome.status.rawValue, reason: outcome.reason,
            fromAddress: mail?.from?.address, subject: mail?.subject, size: size, raw: Data(raw),
            commentId: outcome.commentId, receivedAt: now))
        if let commentId = outcome.commentId, var comment = try tx.comment(id: commentId) {
            comment.inboundId = inbound.id
            try tx.update(comment)
        }
        let previous = try tx.checkpoint(mailbox: mailbox.name)
        let last = previous?.uidValidity == validity ? max(previous?.lastUid ?? 0, Int64(uid)) : Int64(uid)
        try tx.save(CheckpointRecord(mailbox: mailbox.name, uidValidity: validity, lastUid: last, updatedAt: now))
    }
}
