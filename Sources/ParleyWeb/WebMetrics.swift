import Foundation
import Metrics
import ParleyRelay
import Prometheus

/// `/metrics`: the Prometheus registry behind swift-metrics.
///
/// Counters and the ingest latency histogram are recorded by the services as they work
/// (``RelayMetrics``); the gauges here are read when the page is asked for:
/// `parley_outbox_depth` (queued or deferred messages, from the database),
/// `parley_last_successful_poll_timestamp_seconds{mailbox}` (Unix time, 0 before the
/// first) and `parley_mailbox_up{mailbox}` (1 while the mailbox loop is healthy).
public final class WebMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Makes this registry swift-metrics' backend for the whole process. Once only.
    public func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The Prometheus text exposition, gauges refreshed.
    func render(relay: Relay, health: HealthBoard) -> String {
        if let depth = try? relay.store.read({ try $0.outboxDepth() }) {
            registry.makeGauge(name: "parley_outbox_depth", labels: [],
                               help: "Outbound messages waiting to be sent (queued or deferred).").set(Double(depth))
        }
        for (name, board) in health.snapshot {
            registry.makeGauge(name: "parley_last_successful_poll_timestamp_seconds", labels: [("mailbox", name)],
                               help: "Unix time of the mailbox's last successful ingest pass (0: none yet).")
                .set(board.lastSuccess?.timeIntervalSince1970 ?? 0)
            registry.makeGauge(name: "parley_mailbox_up", labels: [("mailbox", name)],
                               help: "1 while the mailbox's ingest loop is working, 0 while it starts, fails or has stopped.")
                .set(Double(board.state == "ok" ? 1 : 0))
        }
        return registry.emitToString()
    }
}
