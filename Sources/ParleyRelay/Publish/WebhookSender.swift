import Foundation
import ParleyCore
import ParleyStore

/// What one webhook flush did.
public struct WebhookSummary: Sendable, Equatable {
    public var delivered = 0
    public var deferred = 0
    public var failed = 0

    public init() {}

    public var line: String { "\(delivered) delivered, \(deferred) deferred, \(failed) failed" }
}

/// Sends due webhook deliveries, like the outbox sends mail.
///
/// A 2xx answer delivers; 410 Gone (the receiver says it is gone for good) and a URL
/// that cannot be used fail at once; anything else (no answer, 4xx, 5xx) is retried on
/// the outbox's schedule (``RetrySchedule``: 1 min doubling to 6 h) for `outbox.retry_for`.
/// The attempt is counted and the next one saved before each POST.
struct WebhookSender {
    let relay: Relay
    let poster: any HTTPPoster

    func flush(batch: Int = 100) throws -> WebhookSummary {
        var summary = WebhookSummary()
        guard let url = relay.config.publish.webhookURL, let secret = relay.config.publish.webhookSecret else { return summary }
        let schedule = RetrySchedule(retryFor: relay.config.outboxRetryFor)
        var seen = Set<Int64>()
        while true {
            let now = relay.now()
            let due = try relay.store.read { try $0.dueWebhooks(now: now, limit: batch) }.filter { !seen.contains($0.id!) }
            if due.isEmpty { break }
            for var delivery in due {
                seen.insert(delivery.id!)
                delivery.attempts += 1
                let retryAt = schedule.nextAttempt(after: delivery.attempts, queuedAt: delivery.createdAt, now: now)
                delivery.nextAttemptAt = retryAt ?? now
                try relay.store.write { try $0.update(delivery) }
                var unreachable = false
                let headers: [(name: String, value: String)] = [
                    ("Content-Type", "application/json"),
                    ("X-Parley-Event", delivery.event),
                    ("X-Parley-Delivery", "\(delivery.id!)"),
                    ("X-Parley-Signature", WebhookPayload.signature(delivery.payload, secret: secret)),
                ]
                var permanent = false
                do {
                    let response = try poster.post(url: url, body: [UInt8](delivery.payload), headers: headers)
                    delivery.responseCode = response.status
                    if (200..<300).contains(response.status) {
                        delivery.status = "delivered"
                        delivery.deliveredAt = relay.now()
                        delivery.lastError = nil
                        summary.delivered += 1
                        try relay.store.write { try $0.update(delivery) }
                        continue
                    }
                    let excerpt = String(decoding: response.body.prefix(200), as: UTF8.self)
                    delivery.lastError = "the receiver answered HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
                    permanent = response.status == 410
                } catch let error as MailError {
                    delivery.lastError = error.description
                    permanent = error.kind == .invalidInput
                    unreachable = error.kind == .connection
                }
                if permanent || retryAt == nil {
                    delivery.status = "failed"
                    summary.failed += 1
                    relay.logger.error("webhook delivery \(delivery.id!) (\(delivery.event), post \(delivery.postId)) failed: \(delivery.lastError ?? "")")
                } else {
                    delivery.status = "deferred"
                    summary.deferred += 1
                    relay.logger.warning("webhook delivery \(delivery.id!) deferred: \(delivery.lastError ?? "")")
                }
                try relay.store.write { try $0.update(delivery) }
                if unreachable { return summary }
            }
        }
        return summary
    }
}
