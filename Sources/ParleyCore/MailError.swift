/// A failure talking to a mail server, with what to do about it and the detail kept.
///
/// A struct wrapping a kind, so that kinds can be added without breaking callers.
public struct MailError: Error, Sendable, CustomStringConvertible {
    /// Broad classes of failure; they decide retry and what the admin is told.
    public enum Kind: String, Sendable {
        /// The server could not be reached (DNS, refused, reset, timeout).
        case connection
        /// The server refused the credentials.
        case authentication
        /// TLS could not be set up or the certificate was not trusted.
        case tls
        /// The server answered a command with NO/BAD or an unexpected reply.
        case protocolError = "protocol"
        /// A temporary SMTP refusal (4xx): try again later.
        case temporary
        /// A permanent SMTP refusal (5xx): do not try again.
        case permanent
        /// The caller passed something that cannot be sent (e.g. CR/LF in an address).
        case invalidInput = "invalid-input"
    }

    /// What failed.
    public var kind: Kind
    /// A sentence for a person: what failed and what to do.
    public var message: String
    /// The underlying detail: the libcurl code and text, the server's reply.
    public var detail: String?
    /// The server's reply code (SMTP) if there was one.
    public var replyCode: Int?

    public init(_ kind: Kind, _ message: String, detail: String? = nil, replyCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.detail = detail
        self.replyCode = replyCode
    }

    /// Whether trying again later may succeed.
    public var isTemporary: Bool {
        switch kind {
        case .connection, .temporary, .tls, .authentication, .protocolError: return true
        case .permanent, .invalidInput: return false
        }
    }

    public var description: String {
        var s = message
        if let detail, !detail.isEmpty { s += " (\(detail))" }
        return s
    }
}
