import Foundation
import Logging
import ParleyCore
import ParleyMail
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

/// One mailbox's ingest stage: fetch new messages, decide and record a batch of them in
/// one transaction together with the checkpoint, then move the batch out of the inbox.
/// Fetching, parsing and moving run on a second thread (``BatchReader``), one batch
/// ahead of the decisions, so the IMAP round trips and the database overlap.
///
/// State lives in the database, never in IMAP flags (libcurl's fetch sets \Seen): a
/// message whose outcome is committed but which is still in the inbox (a crash between
/// commit and move) is only moved on the next pass, never processed twice. A message
/// whose processing throws is rolled back alone (a savepoint) and recorded as failed.
public final class Ingestor {
    let relay: Relay
    let mailbox: ParleyConfig.Mailbox
    let client: any MailboxClient
    let logger: Logger
    /// Messages per transaction and per MOVE command.
    let batchSize: Int

    public init(relay: Relay, mailbox: ParleyConfig.Mailbox, client: any MailboxClient, batchSize: Int = 100) {
        self.relay = relay
        self.mailbox = mailbox
        self.client = client
        self.batchSize = batchSize
        var logger = relay.logger
        logger[metadataKey: "mailbox"] = "\(mailbox.name)"
        self.logger = logger
    }

    /// One pass over the mailbox. `progress(done, total)` is called after each batch;
    /// `shouldStop` is asked between batches, so a shutdown finishes the batch in hand.
    public func pass(progress: (Int, Int) -> Void = { _, _ in }, shouldStop: () -> Bool = { false }) throws -> PassSummary {
        var summary = PassSummary()
        let status = try client.status()
        let validity = Int64(status.uidValidity)
        let checkpoint = try relay.store.read { try $0.checkpoint(mailbox: mailbox.name) }
        if let checkpoint, checkpoint.uidValidity != validity {
            logger.warning("UIDVALIDITY changed from \(checkpoint.uidValidity) to \(validity): re-scanning; messages seen before are recognised by Message-ID or content and not published twice")
        }
        guard status.messages > 0 else { return summary }
        let uids = try client.uids(after: 0)
        guard let first = uids.first else { return summary }
        let recorded = try relay.store.read { try $0.recordedUIDs(mailbox: mailbox.name, uidValidity: validity, from: Int64(first)) }

        // Left over from an interrupted pass: the outcome is committed, only the move is missing.
        let leftovers = uids.filter { recorded[Int64($0)] != nil }
        if !leftovers.isEmpty {
            try moveOut(leftovers.map { ($0, recorded[Int64($0)]!) })
            summary.moved += leftovers.count
        }
        let fresh = uids.filter { recorded[Int64($0)] == nil }
        guard !fresh.isEmpty else { return summary }
        let sizes = try client.sizes(of: fresh)
        var batches: [[UInt32]] = []
        var start = 0
        while start < fresh.count {
            batches.append(Array(fresh[start..<min(start + batchSize, fresh.count)]))
            start += batchSize
        }
        // Two threads: the reader fetches and parses the next batch and moves committed
        // ones out of the inbox (it owns the IMAP connection meanwhile), while this thread
        // decides and commits the batch in hand.
        let decider = Decider(relay: relay)
        let reader = BatchReader(client: client, mailbox: mailbox, sizes: sizes, ownAddresses: relay.ownAddresses, prepare: { mail in
            let today = decider.relay.today
            mail.token = (today, decider.lookUpToken(mail, today: today))
        }, batches: batches)
        let thread = Thread {
            ThreadName.set("parley-read")
            reader.run()
        }
        thread.stackSize = 8 << 20
        thread.start()
        defer { _ = try? reader.finish() }
        // A third thread renders and builds the notifications while this one decides.
        let notifications = NotificationBatch(workers: 1)
        defer { notifications.close() }
        var done = 0
        for index in batches.indices {
            if shouldStop() { break }
            let fetched = try reader.take(index)
            let outcomes = try ingest(fetched, validity: validity, notifications: notifications)
            for (_, outcome) in outcomes { summary.byStatus[outcome.status.rawValue, default: 0] += 1 }
            summary.fetched += fetched.count
            reader.moveOut(outcomes.map { ($0.0, $0.1.isRejected) })
            done += fetched.count
            progress(done, fresh.count)
        }
        summary.moved += try reader.finish()
        return summary
    }

    private func moveOut(_ items: [(UInt32, String)]) throws {
        let rejected = Set([InboundOutcome.Status.rejected.rawValue, InboundOutcome.Status.failed.rawValue])
        let toRejected = items.filter { rejected.contains($0.1) }.map(\.0)
        let toProcessed = items.filter { !rejected.contains($0.1) }.map(\.0)
        try client.markSeen(items.map(\.0))
        try client.move(uids: toProcessed, to: mailbox.processedFolder)
        try client.move(uids: toRejected, to: mailbox.rejectedFolder)
    }

    /// One fetched (or refused) message before the decision.
    enum Fetched {
        case mail(ReadMail)
        case tooLarge(Int)
    }

    /// Decides and records a fetched batch in one transaction, with the checkpoint and the
    /// notifications the decisions queued (built meanwhile on `notifications`' thread).
    private func ingest(_ fetched: [(UInt32, Fetched)], validity: Int64, notifications: NotificationBatch) throws -> [(UInt32, InboundOutcome)] {
        let now = relay.now()
        defer { notifications.reset() }
        let results = try relay.store.write { tx -> [(UInt32, InboundOutcome, String?)] in
          try NotificationBatch.$current.withValue(notifications) {
            var results: [(UInt32, InboundOutcome, String?)] = []
            for (uid, item) in fetched {
                switch item {
                case .tooLarge(let size):
                    let outcome = InboundOutcome(.rejected, "message of \(size) bytes is over max_message_size (\(mailbox.maxMessageSize) bytes); kept unread in \(mailbox.rejectedFolder)")
                    try insert(uid: uid, validity: validity, mail: nil, outcome: outcome, size: size, now: now, tx: tx)
                    results.append((uid, outcome, nil))
                case .mail(let mail):
                    var outcome: InboundOutcome
                    let mark = notifications.mark
                    do {
                        outcome = try tx.savepoint {
                            let outcome = try Decider(relay: relay).decide(mail, tx: tx)
                            try insert(uid: uid, validity: validity, mail: mail, outcome: outcome, size: mail.raw.count, now: now, tx: tx)
                            return outcome
                        }
                    } catch {
                        // The decision failed (a bug, a constraint): keep the message and say
                        // why, so that it can be replayed after a fix.
                        notifications.discard(from: mark)
                        outcome = InboundOutcome(.failed, "processing failed: \(error)")
                        try insert(uid: uid, validity: validity, mail: mail, outcome: outcome, size: mail.raw.count, now: now, tx: tx)
                    }
                    results.append((uid, outcome, mail.messageID))
                }
            }
            try notifications.insertAll(tx: tx)
            // The checkpoint commits with the outcomes: once per batch.
            if let highest = fetched.map({ Int64($0.0) }).max() {
                let previous = try tx.checkpoint(mailbox: mailbox.name)
                let last = previous?.uidValidity == validity ? max(previous?.lastUid ?? 0, highest) : highest
                try tx.save(CheckpointRecord(mailbox: mailbox.name, uidValidity: validity, lastUid: last, updatedAt: now))
            }
            return results
          }
        }
        for (uid, outcome, messageID) in results {
            // Metadata costs per message: only when the line is logged.
            guard logger.logLevel <= (outcome.status == .failed ? .error : .info) else { continue }
            var log = logger
            log[metadataKey: "uid"] = "\(uid)"
            if let messageID { log[metadataKey: "message-id"] = "\(messageID)" }
            log.log(level: outcome.status == .failed ? .error : .info, "\(outcome.status.rawValue): \(outcome.reason)")
        }
        return results.map { ($0.0, $0.1) }
    }

    private func insert(uid: UInt32, validity: Int64, mail: ReadMail?, outcome: InboundOutcome, size: Int, now: Date, tx: StoreTransaction) throws {
        let inbound = try tx.insertInbound(InboundRecord(
            mailbox: mailbox.name, uidValidity: validity, uid: Int64(uid), messageId: mail?.messageID,
            hash: mail?.hash ?? "", status: outcome.status.rawValue, reason: outcome.reason,
            fromAddress: mail?.from?.address, subject: mail?.subject, size: size, raw: Data(mail?.raw ?? []),
            commentId: outcome.commentId, receivedAt: now))
        // The comment made from this email names it (a comment's row comes first: its
        // foreign key to the inbound row is checked at once).
        if outcome.madeComment, let commentId = outcome.commentId {
            try tx.setInbound(commentId: commentId, inboundId: inbound.id!)
        }
    }
}
