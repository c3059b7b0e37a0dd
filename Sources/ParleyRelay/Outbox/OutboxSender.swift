import Foundation
import Logging
import ParleyCore
import ParleyStore

/// What one flush did.
public struct FlushSummary: Sendable, Equatable {
    public var sent = 0
    public var deferred = 0
    public var failed = 0

    public init() {}

    /// `3 sent, 1 deferred, 0 failed`.
    public var line: String { "\(sent) sent, \(deferred) deferred, \(failed) failed" }
}

/// Sends due messages from the durable outbox over one reused SMTP connection.
///
/// Before each try the attempt count and the next attempt time (``RetrySchedule``) are
/// saved; the outcome is saved in the same write as the next message's attempt. So at
/// most one message is ever sent but not yet recorded: a crash causes at most one
/// duplicate (that message is sent again at its next attempt), never a loss.
///
/// Outcomes: 2xx → `sent`; 4xx or a lost connection → `deferred` until the next attempt,
/// or `failed` once `retry_for` has passed since it was queued; 5xx or an address that
/// cannot be sent to → `failed` with the server's reply. A 550/551/553 refusal of the
/// recipient also counts as a hard bounce (``BounceHandler``). When the server cannot be
/// reached, refuses the login or TLS, or closes with 421, the flush stops and every other
/// message due waits until the failed one's next attempt: the outbox backs off as one.
public struct OutboxSender {
    let relay: Relay
    let transport: any MailTransport
    let schedule: RetrySchedule
    let connection: ConnectionRetry

    public init(relay: Relay, transport: any MailTransport, connection: ConnectionRetry = ConnectionRetry()) {
        self.relay = relay
        self.transport = transport
        self.schedule = RetrySchedule(base: relay.config.outboxRetryBase, retryFor: relay.config.outboxRetryFor)
        self.connection = connection
    }

    /// A tried message whose outcome is not saved yet.
    private struct Outcome {
        var message: OutboundRecord
        /// The recipient's address was refused permanently: a hard bounce.
        var addressRefused: Bool
        /// The failure concerns the server, not this message.
        var serverWide = false
    }

    /// Sends everything due now, `batch` rows read at a time.
    public func flush(batch: Int = 200) throws -> FlushSummary {
        var summary = FlushSummary()
        var tried = Set<Int64>()
        var pending: Outcome?
        let committer = Committer(store: relay.store)
        outer: while true {
            let due = try relay.store.read { try $0.dueOutbound(now: relay.now(), limit: batch) }.filter { !tried.contains($0.id!) }
            if due.isEmpty { break }
            for (index, var message) in due.enumerated() {
                tried.insert(message.id!)
                let now = relay.now()
                message.attempts += 1
                let retryAt = schedule.nextAttempt(after: message.attempts, queuedAt: message.createdAt, now: now)
                message.nextAttemptAt = retryAt ?? now
                // The previous message's outcome and this one's attempt commit on the
                // committer thread while the SMTP envelope (MAIL FROM, RCPT TO, DATA)
                // goes out; the message's bytes are held back until the commit is done,
                // so a crash still costs at most one duplicate and never a loss.
                let done = pending
                let attempted = message
                let commit = committer.commit { tx in
                    if let done { try save(done, tx: tx) }
                    try tx.updateDelivery(attempted)
                }
                pending = nil
                // The next message's envelope may follow this one's data (PIPELINING).
                let next = due.indices.contains(index + 1) ? Self.envelope(due[index + 1]) : nil
                let (outcome, stop) = attempt(message, next: next, retryAt: retryAt, summary: &summary, beforeData: { commit.wait() == nil })
                if let error = commit.wait() { throw error }
                pending = outcome
                if stop { break outer }
            }
        }
        if let done = pending {
            try relay.store.write { tx in
                try save(done, tx: tx)
                if done.serverWide, done.message.status == "deferred" {
                    // Not tried, so no attempt is counted; they are retried with this one.
                    summary.deferred += try tx.deferDue(now: relay.now(), until: done.message.nextAttemptAt,
                                                        reason: "not tried: \(done.message.lastError ?? "the SMTP server is unavailable")",
                                                        except: done.message.id!)
                }
            }
        }
        return summary
    }

    /// One try; returns the outcome to save and whether the flush must stop.
    private static func envelope(_ message: OutboundRecord) -> MailEnvelope {
        MailEnvelope(from: message.envelopeFrom, to: message.recipient, size: message.raw.count)
    }

    private func attempt(_ message: OutboundRecord, next: MailEnvelope?, retryAt: Date?, summary: inout FlushSummary, beforeData: () -> Bool) -> (Outcome, Bool) {
        var message = message
        var held = false
        do {
            let receipt = try transport.send(Self.envelope(message), data: [UInt8](message.raw), next: next,
                                             beforeData: { held = !beforeData(); return !held })
            message.status = "sent"
            message.sentAt = relay.now()
            message.smtpReply = "\(receipt.replyCode) \(receipt.reply)"
            message.lastError = nil
            summary.sent += 1
            connection.succeeded()
            return (Outcome(message: message, addressRefused: false), false)
        } catch {
            // The bookkeeping commit failed: the caller throws its error; nothing was sent.
            if held { return (Outcome(message: message, addressRefused: false), true) }
            let serverWide = [.connection, .tls, .authentication].contains(error.kind) || error.replyCode == 421
            message.lastError = error.description
            message.smtpReply = error.replyCode.map { code in
                let detail = error.detail ?? ""
                return detail.hasPrefix("\(code)") ? detail : "\(code) \(detail)"
            }
            var refused = false
            if error.kind == .permanent || error.kind == .invalidInput || retryAt == nil {
                message.status = "failed"
                if retryAt == nil && error.isTemporary {
                    message.lastError = "gave up: still failing after outbox.retry_for (\(relay.config.outboxRetryFor)); last error: \(error)"
                }
                refused = error.kind == .permanent && BounceHandler.isAddressRefusal(replyCode: error.replyCode, reply: error.detail)
                summary.failed += 1
                relay.logger.error("outbound \(message.id!) to \(message.recipient) failed: \(error)")
            } else {
                message.status = "deferred"
                if error.kind == .connection, let retryAt {
                    // A connection that broke or never answered says nothing about this
                    // message: try again soon on a new one (``ConnectionRetry``).
                    message.nextAttemptAt = min(retryAt, relay.now().addingTimeInterval(connection.failed()))
                }
                summary.deferred += 1
                relay.logger.warning("outbound \(message.id!) to \(message.recipient) deferred until \(message.nextAttemptAt): \(error)")
            }
            return (Outcome(message: message, addressRefused: refused, serverWide: serverWide), serverWide)
        }
    }

    private func save(_ outcome: Outcome, tx: StoreTransaction) throws {
        try tx.updateDelivery(outcome.message)
        if outcome.addressRefused, let person = outcome.message.recipientId {
            let reply = outcome.message.smtpReply ?? ""
            let status = reply.split(separator: " ").dropFirst().first.map(String.init).flatMap { $0.first == "5" && $0.contains(".") ? $0 : nil }
            try BounceHandler(relay: relay).record(personId: person, outbound: outcome.message, permanent: true, status: status,
                                                   diagnostic: "refused at sending: \(reply)", annotate: false, tx: tx)
        }
    }
}

/// Runs the outbox's per-message bookkeeping writes on a thread of their own, one at a
/// time and in order, so that the sender can go on with the SMTP envelope meanwhile.
final class Committer: @unchecked Sendable {
    private let store: Store
    private let queue = DispatchQueue(label: "parley-outbox-commit")

    init(store: Store) {
        self.store = store
    }

    /// One write, started now.
    final class Pending: @unchecked Sendable {
        private let condition = NSCondition()
        private var finished = false
        private var error: Error?

        func finish(_ error: Error?) {
            condition.lock()
            self.error = error
            finished = true
            condition.broadcast()
            condition.unlock()
        }

        /// Waits until the write is committed or failed; its error, if any.
        func wait() -> Error? {
            condition.lock()
            defer { condition.unlock() }
            while !finished { condition.wait() }
            return error
        }
    }

    /// The writes' closures hold the sender's values; only this queue runs them, and the
    /// sender waits for each before it makes the next.
    private struct Body: @unchecked Sendable {
        let run: (StoreTransaction) throws -> Void
    }

    func commit(_ body: @escaping (StoreTransaction) throws -> Void) -> Pending {
        let pending = Pending()
        let work = Body(run: body)
        queue.async { [store] in
            do {
                try store.write(work.run)
                pending.finish(nil)
            } catch {
                pending.finish(error)
            }
        }
        return pending
    }
}
