// What a bounce says about the failed delivery.

/// The facts extracted from a delivery status notification (RFC 3464) or from a
/// non-standard bounce's text. Every field is optional because real bounces omit any of them.
public struct BounceReport: Sendable, Equatable {
    /// The failed recipient, lower-cased, without the `rfc822;` address type and without `<>`.
    /// From a DSN, `Original-Recipient` is preferred over `Final-Recipient` (RFC 3464 §2.3.1–2.3.2)
    /// because it is the address Parley sent to, before any forwarding or aliasing.
    public var recipient: String?
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`.
    public var status: String?
    /// The DSN `Action` (RFC 3464 §2.3.3), lower-cased: `failed`, `delayed`, `delivered`,
    /// `relayed` or `expanded`; nil for bounces without a delivery-status part.
    public var action: String?
    /// True when delivery will not be retried: a `5.x.x` status or `Action: failed`.
    public var isPermanent: Bool
    /// The remote server's words (`Diagnostic-Code` without its `smtp;` type), or the body
    /// line that carried the status code for non-standard bounces.
    public var diagnostic: String?
    /// The `Message-ID` of the bounced message, without `<>`, from the returned headers.
    public var originalMessageID: String?
    /// Every recipient a delivery-status report says failed, in its order (``recipient``
    /// is the first of them); empty for a bounce without a delivery-status part.
    public var failedRecipients: [String] = []

    /// Creates a report; every field but `isPermanent` defaults to unknown.
    public init(recipient: String? = nil, status: String? = nil, action: String? = nil,
                isPermanent: Bool, diagnostic: String? = nil, originalMessageID: String? = nil) {
        self.recipient = recipient
        self.status = status
        self.action = action
        self.isPermanent = isPermanent
        self.diagnostic = diagnostic
        self.originalMessageID = originalMessageID
    }
}
