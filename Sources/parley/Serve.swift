import ArgumentParser
import Foundation
import Logging
import ParleyRelay
import ServiceLifecycle

/// `parley serve`: the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: every mailbox's ingest loop and the outbox sender; SIGTERM/SIGINT stop it gracefully.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let relay = try options.relay()
        let health = HealthBoard()
        let outboxWake = StopSignal()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = relay.config.mailboxes.map {
            .init(service: MailboxService(relay: relay, mailbox: $0, health: health, outboxWake: outboxWake))
        }
        services.append(.init(service: OutboxService(relay: relay, wake: outboxWake)))
        var config = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: relay.logger)
        config.maximumGracefulShutdownDuration = .seconds(9)
        relay.logger.info("parley serve: \(relay.config.mailboxes.count) mailbox(es), database \(relay.config.databasePath)")
        try await ServiceGroup(configuration: config).run()
        relay.logger.info("parley serve: stopped")
    }
}
