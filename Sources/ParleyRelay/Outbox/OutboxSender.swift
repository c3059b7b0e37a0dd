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

    public init(relay: Relay, transport: any MailTransport) {
        self.relay = relay
        self.transport = transport
        self.schedule = RetrySchedule(retryFor: relay.config.outboxRetryFor)
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
        outer: while true {
            let due = try relay.store.read { try $0.dueOutbound(now: relay.now(), limit: batch) }.filter { !tried.contains($0.id!) }
            if due.isEmpty { break }
            for var message in due {
                tried.insert(message.id!)
                let now = relay.now()
                message.attempts += 1
                let retryAt = schedule.nextAttempt(after: message.attempts, queuedAt: message.createdAt, now: now)
                message.nextAttemptAt = retryAt ?? now
                let done = pending
                try relay.store.write { tx in
                    if let done { try save(done, tx: tx) }
                    try tx.updateDelivery(message)
                }
                pending = nil
                let (outcome, stop) = attempt(message, retryAt: retryAt, summary: &summary)
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
    private func attempt(_ message: OutboundRecord, retryAt: Date?, summary: inout FlushSummary) -> (Outcome, Bool) {
        var message = message
        do {
            let receipt = try transport.send(from: message.envelopeFrom, to: message.recipient, data: [UInt8](message.raw))
            message.status = "sent"
            message.sentAt = relay.now()
            message.smtpReply = "\(receipt.replyCode) \(receipt.reply)"
            message.lastError = nil
            summary.sent += 1
            return (Outcome(message: message, addressRefused: false), false)
        } catch {
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
