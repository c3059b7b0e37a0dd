import Foundation

/// The outbox's backoff after broken SMTP connections (cut, reset, no answer): 1, 2, 4…
/// seconds, at most 5 minutes, back to 1 s as soon as a message goes through.
///
/// A connection that broke says nothing about the message that was on it, so the
/// message is not made to wait out its own schedule (``RetrySchedule``: a minute, then
/// longer); after a flaky stretch the outbox recovers within seconds instead of
/// minutes. A refusal by the server (4xx) still follows the message's schedule. Owned
/// by one thread (the outbox loop).
public final class ConnectionRetry: @unchecked Sendable {
    private let backoff = Backoff(base: 1, cap: 300)
    private var failures = 0

    public init() {}

    /// Records a broken connection; returns the seconds to wait before the next try.
    func failed() -> Double {
        failures += 1
        return backoff.delay(afterFailures: failures)
    }

    /// A message went through: the next failure starts small again.
    func succeeded() { failures = 0 }

    /// The wait after the last failure, or nil when the last try succeeded.
    public var pendingDelay: Double? { failures == 0 ? nil : backoff.delay(afterFailures: failures) }
}
