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
            registry.makeGauge(descriptor: Self.outboxDepth, labels: []).set(Double(depth))
        }
        for (name, board) in health.snapshot {
            registry.makeGauge(descriptor: Self.lastPoll, labels: [("mailbox", name)])
                .set(board.lastSuccess?.timeIntervalSince1970 ?? 0)
            registry.makeGauge(descriptor: Self.mailboxUp, labels: [("mailbox", name)])
                .set(Double(board.state == "ok" ? 1 : 0))
        }
        return registry.emitToString()
    }

    // The gauges' names: namespace, name and unit joined by underscores (an empty unit is left out).
    private static var outboxDepth: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "parley", metricName: "outbox_depth", unitName: "",
        helpText: "Outbound messages waiting to be sent (queued or deferred).") }
    private static var lastPoll: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "parley", metricName: "last_successful_poll_timestamp", unitName: "seconds",
        helpText: "Unix time of the mailbox's last successful ingest pass (0: none yet).") }
    private static var mailboxUp: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "parley", metricName: "mailbox_up", unitName: "",
        helpText: "1 while the mailbox's ingest loop is working, 0 while it starts, fails or has stopped.") }
}
