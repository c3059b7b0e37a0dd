import Foundation
import Logging
import ServiceLifecycle

/// One blog's feed loop as a service: sync, then sleep the poll interval, or until the
/// blog is due again after failures (the syncer backs off and logs once per change of
/// state). A feed that answered 410 Gone is no longer fetched; the loop idles until the
/// daemon stops.
public struct FeedService: Service {
    let relay: Relay
    let blog: ParleyConfig.Blog
    /// Woken after a sync that queued notifications.
    let outboxWake: StopSignal?
    /// Woken after a sync that queued Webmentions.
    let webmentionWake: StopSignal?

    public init(relay: Relay, blog: ParleyConfig.Blog, outboxWake: StopSignal? = nil, webmentionWake: StopSignal? = nil) {
        self.relay = relay
        self.blog = blog
        self.outboxWake = outboxWake
        self.webmentionWake = webmentionWake
    }

    public func run() async throws {
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            await runBlocking(name: "feed \(blog.name)") { loop(stop) }
        } onGracefulShutdown: {
            stop.trigger()
        }
    }

    public func loop(_ stop: StopSignal) {
        var logger = relay.logger
        logger[metadataKey: "blog"] = "\(blog.name)"
        let syncer: FeedSyncer
        do {
            syncer = try FeedSyncer(relay: relay)
        } catch {
            logger.error("feed reader cannot start: \(error)")
            return
        }
        while !stop.isStopped {
            var wait = blog.pollInterval.seconds
            do {
                let report = try syncer.sync(blog)
                switch report.outcome {
                case .updated:
                    if report.added + report.changed > 0 { _ = try? relay.publishPending() }
                    if report.notified > 0 { outboxWake?.wake() }
                    if report.webmentions > 0 { webmentionWake?.wake() }
                case .failed, .waiting:
                    if let next = report.nextAttempt { wait = max(1, next.timeIntervalSince(relay.now())) }
                case .gone:
                    wait = 3600
                case .notModified:
                    break
                }
            } catch {
                // The database, not the feed: retried at the next interval.
                logger.error("feed sync failed: \(error)")
            }
            stop.sleep(wait)
        }
        logger.info("feed loop stopped")
    }
}
