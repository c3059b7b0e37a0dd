import Foundation
import Metrics

/// The daemon's counters, through swift-metrics (`parley serve` bootstraps a Prometheus
/// backend and serves it at `/metrics`; elsewhere they go nowhere). Recorded by the
/// services from each pass's result.
///
/// - `parley_emails_ingested_total{mailbox, outcome}`: inbound messages recorded, by
///   outcome (`published`, `pending`, `duplicate`, `rejected`, `bounce`, …).
/// - `parley_ingest_latency_seconds{mailbox}`: how long an ingest pass that found mail
///   took, from the first fetch to the last commit and move.
/// - `parley_notifications_total{outcome}`: outbound messages by delivery outcome
///   (`sent`, `deferred`, `failed`).
/// - `parley_polls_total{mailbox, result}`: passes that succeeded or failed.
///
/// Outbox depth and the time of each mailbox's last successful poll are gauges read when
/// `/metrics` is asked (ParleyWeb), from the database and the ``HealthBoard``.
public enum RelayMetrics {
    /// After a successful ingest pass.
    static func pass(mailbox: String, _ summary: PassSummary, seconds: Double) {
        Counter(label: "parley_polls_total", dimensions: [("mailbox", mailbox), ("result", "ok")]).increment()
        for (outcome, n) in summary.byStatus where n > 0 {
            Counter(label: "parley_emails_ingested_total", dimensions: [("mailbox", mailbox), ("outcome", outcome)]).increment(by: n)
        }
        if summary.fetched > 0 {
            Timer(label: "parley_ingest_latency_seconds", dimensions: [("mailbox", mailbox)])
                .recordNanoseconds(Int64(max(0, seconds) * 1e9))
        }
    }

    /// After an ingest pass that failed (server unreachable, login refused, …).
    static func failedPass(mailbox: String) {
        Counter(label: "parley_polls_total", dimensions: [("mailbox", mailbox), ("result", "failed")]).increment()
    }

    /// After an outbox flush.
    static func flush(_ summary: FlushSummary) {
        for (outcome, n) in [("sent", summary.sent), ("deferred", summary.deferred), ("failed", summary.failed)] where n > 0 {
            Counter(label: "parley_notifications_total", dimensions: [("outcome", outcome)]).increment(by: n)
        }
    }
}
