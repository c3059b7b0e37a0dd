/// How to reach and log in to one mail server.
public struct ServerOptions: Sendable {
    /// Whether to upgrade a plain connection with STARTTLS.
    public enum TLSMode: String, Sendable {
        /// Fail when the server does not offer STARTTLS.
        case required
        /// Use STARTTLS when offered.
        case optional
        /// Never (loopback test servers only).
        case never
    }

    /// `imap://`, `imaps://`, `smtp://` or `smtps://` with host and port.
    public var url: String
    public var username: String?
    /// The password; never logged.
    public var password: String?
    /// An OAuth 2 bearer token for XOAUTH2; never logged.
    public var oauth2Token: String?
    /// STARTTLS for `imap://` and `smtp://` (implicit TLS URLs ignore it).
    public var tls: TLSMode
    /// Extra CA bundle, e.g. for a self-signed server.
    public var caFile: String?
    public var connectTimeoutSeconds: Int
    public var responseTimeoutSeconds: Int

    public init(url: String, username: String? = nil, password: String? = nil, oauth2Token: String? = nil,
                tls: TLSMode = .required, caFile: String? = nil, connectTimeoutSeconds: Int = 15,
                responseTimeoutSeconds: Int = 60) {
        self.url = url
        self.username = username
        self.password = password
        self.oauth2Token = oauth2Token
        self.tls = tls
        self.caFile = caFile
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.responseTimeoutSeconds = responseTimeoutSeconds
    }
}
