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

    public var line: String { "\(sent) sent, \(deferred) deferred, \(failed) failed" }
}

/// Sends due messages from the durable outbox over one reused SMTP connection.
///
/// Before each try the attempt count and the next attempt time are saved, so a crash
/// between sending and recording causes at most one duplicate, never a loss.
public struct OutboxSender {
    let relay: Relay
    let transport: any MailTransport
    let schedule: RetrySchedule

    public init(relay: Relay, transport: any MailTransport) {
        self.relay = relay
        self.transport = transport
        self.schedule = RetrySchedule(retryFor: relay.config.outboxRetryFor)
    }

    /// Sends everything due now; stops early when the server is unreachable.
    public func flush(batch: Int = 200) throws -> FlushSummary {
        var summary = FlushSummary()
        var skip = Set<Int64>()
        while true {
            let now = relay.now()
            let due = try relay.store.read { try $0.dueOutbound(now: now, limit: batch) }.filter { !skip.contains($0.id!) }
            if due.isEmpty { break }
            for var message in due {
                skip.insert(message.id!)
                var unreachable = false
                message.attempts += 1
                let retryAt = schedule.nextAttempt(after: message.attempts, queuedAt: message.createdAt, now: now)
                message.nextAttemptAt = retryAt ?? now
                try relay.store.write { try $0.update(message) }
                do {
                    let receipt = try transport.send(from: message.envelopeFrom, to: message.recipient, data: [UInt8](message.raw))
                    message.status = "sent"
                    message.sentAt = relay.now()
                    message.smtpReply = "\(receipt.replyCode) \(receipt.reply)"
                    message.lastError = nil
                    summary.sent += 1
                } catch {
                    unreachable = error.kind == .connection
                    message.lastError = error.description
                    message.smtpReply = error.replyCode.map { "\($0) \(error.detail ?? "")" }
                    if error.kind == .permanent || error.kind == .invalidInput || retryAt == nil {
                        message.status = "failed"
                        summary.failed += 1
                        relay.logger.error("outbound \(message.id!) to \(message.recipient) failed: \(error)")
                    } else {
                        message.status = "deferred"
                        summary.deferred += 1
                        relay.logger.warning("outbound \(message.id!) to \(message.recipient) deferred: \(error)")
                    }
                }
                try relay.store.write { try $0.update(message) }
                if unreachable {
                    // The server is unreachable: the rest waits for the next flush.
                    return summary
                }
            }
        }
        return summary
    }
}
