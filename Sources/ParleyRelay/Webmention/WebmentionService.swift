import Foundation
import Logging
import ParleyCore
import ParleyCurl
import ServiceLifecycle

/// The Webmention loop of `parley serve`: verifies the mentions received (woken by
/// `POST /webmention`; ``Relay/webmentionFetchers`` sources at a time) and sends those
/// the blogs' new posts owe, one at a time, then sleeps until the next is due (at most a
/// minute). libcurl handles for fetching and one for posting, reused.
public struct WebmentionService: Service {
    let relay: Relay
    let wake: StopSignal
    /// Woken when a view changed: the outbox loop publishes the views.
    let outboxWake: StopSignal?

    public init(relay: Relay, wake: StopSignal, outboxWake: StopSignal? = nil) {
        self.relay = relay
        self.wake = wake
        self.outboxWake = outboxWake
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await runBlocking(name: "webmention") { loop() }
        } onGracefulShutdown: {
            wake.trigger()
        }
    }

    func loop() {
        let logger = relay.logger
        let fetchers: [CurlFeedFetcher], poster: CurlHTTPPoster
        do {
            fetchers = try (0..<Relay.webmentionFetchers).map { _ in try CurlFeedFetcher() }
            poster = try relay.webmentionPoster()
        } catch {
            logger.error("webmention loop cannot start: \(error)")
            return
        }
        while !wake.isStopped {
            var wait = 60.0
            do {
                var checked = 0
                repeat {
                    checked = try relay.verifyWebmentions(fetchers: fetchers, limit: 10)
                    checked += try relay.sendWebmentions(fetcher: fetchers[0], poster: poster, limit: 10)
                    if checked > 0 { outboxWake?.wake() }
                } while checked > 0 && !wake.isStopped
                let next = try relay.store.read { tx in [try tx.nextWebmentionDue(), try tx.nextWebmentionSendDue()].compactMap { $0 }.min() }
                if let next { wait = min(wait, max(0.05, next.timeIntervalSince(relay.now()))) }
            } catch {
                logger.error("webmention loop: \(error)")
            }
            wake.sleep(wait)
        }
        logger.info("webmention loop stopped")
    }
}
