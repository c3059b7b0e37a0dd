import ArgumentParser
import Foundation
import Logging
import ParleyRelay
import ParleyWeb
import ServiceLifecycle

/// `parley serve`: the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: every mailbox's ingest loop, every blog's feed reader, the outbox sender, the Webmention verifier and sender, and the HTTP server; SIGTERM/SIGINT stop it gracefully. One serve, poll or outbox flush per database at a time.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let lock = try options.daemonLock("serve")
        defer { withExtendedLifetime(lock) {} }
        let relay = try options.relay()
        let health = HealthBoard()
        let metrics = WebMetrics()
        metrics.bootstrap()
        let outboxWake = StopSignal()
        let webmentionWake = StopSignal()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = relay.config.mailboxes.map {
            .init(service: MailboxService(relay: relay, mailbox: $0, health: health, outboxWake: outboxWake))
        }
        services += relay.config.blogs.map { .init(service: FeedService(relay: relay, blog: $0, outboxWake: outboxWake, webmentionWake: webmentionWake)) }
        services.append(.init(service: OutboxService(relay: relay, wake: outboxWake)))
        services.append(.init(service: WebmentionService(relay: relay, wake: webmentionWake, outboxWake: outboxWake)))
        // A server that cannot listen (port taken) stops the daemon, gracefully: the
        // mailbox loops finish their batch rather than being cancelled.
        services.append(.init(service: try WebServer.service(relay: relay, health: health, metrics: metrics, changed: { outboxWake.wake() },
                                                          mentionReceived: { webmentionWake.wake() }),
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        var config = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: relay.logger)
        config.maximumGracefulShutdownDuration = .seconds(9)
        relay.logger.info("parley serve: \(relay.config.mailboxes.count) mailbox(es), \(relay.config.blogs.count) blog(s), database \(relay.config.databasePath), http \(relay.config.httpListen)")
        try await ServiceGroup(configuration: config).run()
        relay.logger.info("parley serve: stopped")
    }
}
