import Hummingbird
import NIOCore

/// The request context of Parley's routes: Hummingbird's basic one, plus the client's
/// address (the follow form is rate-limited per client IP; the IP is never stored).
public struct ParleyRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
