/// The answer to one HTTP request.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code (200, 404…).
    public var status: Int
    /// The response body, cut at a few KB.
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Sends HTTP POST requests, as the webhook sender needs it.
///
/// Calls block (one network round trip); an implementation is owned by one thread at a
/// time and is not `Sendable`.
public protocol HTTPPoster: AnyObject {
    /// POSTs `body` to `url` with extra header fields. Returns whatever status the server
    /// answered; throws ``MailError`` (`.connection`, `.tls`, `.invalidInput`) only when
    /// no answer came.
    func post(url: String, body: [UInt8], headers: [(name: String, value: String)]) throws(MailError) -> HTTPResponse
}
