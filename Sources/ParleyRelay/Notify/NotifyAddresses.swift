import ParleyCore

/// The two machine addresses every notification carries besides its reply address,
/// both made from the `reply_address` pattern so that they reach the same mailbox:
///
/// - the envelope sender, a VERP address (`talk+bounce-{token}@…`) whose token names the
///   outbound message and its recipient, so that a bounce (RFC 3464 §2, sent to the
///   envelope sender, RFC 5321 §4.5.5) identifies both even when it quotes nothing;
/// - the `List-Unsubscribe` mailto (`talk+unsubscribe-{token}@…`, RFC 2369 §3.2), whose
///   token is the recipient's reply token: any message to it unsubscribes that person
///   from what the notification was about.
struct NotifyAddresses: Sendable {
    static let bouncePrefix = "bounce-"
    static let unsubscribePrefix = "unsubscribe-"

    let pattern: ReplyAddressPattern

    /// The VERP envelope sender for an outbound token.
    func bounceAddress(token: String) -> String { pattern.address(for: Self.bouncePrefix + token) }

    /// The unsubscribe address for a reply token.
    func unsubscribeAddress(token: String) -> String { pattern.address(for: Self.unsubscribePrefix + token) }

    /// The token of a VERP bounce address, or nil.
    func bounceToken(in address: String) -> String? { token(in: address, prefix: Self.bouncePrefix) }

    /// The token of an unsubscribe address, or nil.
    func unsubscribeToken(in address: String) -> String? { token(in: address, prefix: Self.unsubscribePrefix) }

    private func token(in address: String, prefix: String) -> String? {
        guard let inner = pattern.token(in: address), inner.hasPrefix(prefix), inner.count > prefix.count else { return nil }
        return String(inner.dropFirst(prefix.count))
    }
}

extension Relay {
    /// The VERP and unsubscribe addresses, from the first mailbox's reply pattern.
    var notifyAddresses: NotifyAddresses { NotifyAddresses(pattern: replyPattern) }

    /// The headers that can carry the address a message was sent to (the sub-address
    /// survives in `Delivered-To`/`X-Original-To` when `To` was rewritten).
    static let recipientHeaders = ["To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"]
}
