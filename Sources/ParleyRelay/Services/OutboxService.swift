import Foundation
import Logging
import ParleyCore
import ServiceLifecycle

/// The outbox sender as a service: flushes whatever is due, then sleeps until woken by
/// an ingest pass or until `interval` has passed. SMTP failures are the outbox's own
/// business (retries with backoff, recorded per message); this loop only keeps going.
public struct OutboxService: Service {
    let relay: Relay
    let wake: StopSignal
    let interval: Double

    public init(relay: Relay, wake: StopSignal, interval: Double = 5) {
        self.relay = relay
        self.wake = wake
        self.interval = interval
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await runBlocking(name: "outbox") { loop() }
        } onGracefulShutdown: {
            wake.trigger()
        }
    }

    func loop() {
        var lastProblem: String?
        let connection = ConnectionRetry()
        var lastPrune = Date.distantPast
        while !wake.isStopped {
            // Hourly: the bytes of notifications older than `[outbox] keep_sent` go.
            if Date().timeIntervalSince(lastPrune) >= 3600 {
                lastPrune = Date()
                do {
                    let n = try relay.pruneOutbox()
                    if n > 0 { relay.logger.info("outbox: emptied the bytes of \(n) notification(s) sent longer ago than keep_sent") }
                } catch {
                    relay.logger.error("outbox: pruning failed: \(error)")
                }
            }
            do {
                let summary = try relay.flushOutbox(connection: connection)
                RelayMetrics.flush(summary)
                if summary.sent + summary.failed + summary.deferred > 0 { relay.logger.info("outbox: \(summary.line)") }
                lastProblem = nil
            } catch {
                let problem = "\(error)"
                if problem != lastProblem { relay.logger.error("outbox: \(problem)") }
                lastProblem = problem
            }
            // A broken connection is retried as soon as its short backoff allows.
            wake.sleep(min(interval, connection.pendingDelay ?? interval))
        }
    }
}
