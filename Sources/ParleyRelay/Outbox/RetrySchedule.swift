import Foundation

/// When to try a deferred message again.
///
/// The schedule: after the n-th failed attempt wait 1 min × 2^(n−1), at most 6 hours:
/// 1, 2, 4, 8, 16, 32, 64, 128, 256 min, then every 6 h, until `retryFor` has passed
/// since the message was queued; then the message is marked failed.
public struct RetrySchedule: Sendable {
    public var base: Duration
    public var cap: Duration
    public var retryFor: Duration

    public init(base: Duration = .seconds(60), cap: Duration = .seconds(6 * 3600), retryFor: Duration) {
        self.base = base
        self.cap = cap
        self.retryFor = retryFor
    }

    /// The next attempt after `attempts` failed ones, or nil when retrying is over.
    public func nextAttempt(after attempts: Int, queuedAt: Date, now: Date) -> Date? {
        let exponent = min(max(attempts - 1, 0), 30)
        let delay = min(base.seconds * pow(2, Double(exponent)), cap.seconds)
        let next = now.addingTimeInterval(delay)
        return next.timeIntervalSince(queuedAt) <= retryFor.seconds ? next : nil
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
