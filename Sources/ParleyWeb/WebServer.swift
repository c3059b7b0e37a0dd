import Foundation
import Hummingbird
import Logging
import ParleyRelay
import ServiceLifecycle

/// The HTTP server of `parley serve`, a service of its ServiceGroup: on graceful
/// shutdown it stops accepting, finishes the requests in hand and closes its connections.
public enum WebServer {
    /// The server for `[http] listen`, as a service.
    /// `changed` is called after a POST changed something (see ``WebRoutes``).
    public static func service(relay: Relay, health: HealthBoard, metrics: WebMetrics,
                               changed: @escaping @Sendable () -> Void = {},
                               mentionReceived: @escaping @Sendable () -> Void = {}) throws -> any Service {
        guard let (host, port) = ListenAddress.parse(relay.config.httpListen) else {
            throw WebConfigError(message: "http.listen: expected HOST:PORT (e.g. \"127.0.0.1:8080\"), found \"\(relay.config.httpListen)\"")
        }
        var serviceLogger = relay.logger
        serviceLogger[metadataKey: "service"] = "http"
        let logger = serviceLogger
        let router = WebRoutes(relay: relay, health: health, metrics: metrics, changed: changed, mentionReceived: mentionReceived).router()
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Parley"),
            onServerRunning: { channel in
                logger.info("http: listening on \(channel.localAddress.map { "\($0)" } ?? relay.config.httpListen)")
            },
            logger: logger)
    }
}

/// `[http] listen` that is not HOST:PORT.
public struct WebConfigError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
