// The classifier: one decision per incoming mail, in the order the SPEC gives.

/// Decides what an incoming email is.
///
/// The checks run in a fixed order, first match wins (SPEC): loop → bounce → auto-reply →
/// command → reply → other. Loops come first so Parley never answers itself, bounces before
/// auto-replies because most bounces are also `Auto-Submitted`, and both before commands so a
/// machine quoting "stop" cannot unsubscribe anyone.
///
/// Every check reads headers and decoded text only, never fails, and is linear in the size
/// of the mail.
public struct MessageClassifier: Sendable {
    /// Parley stamps this header on everything it sends (value: an instance identifier). Any
    /// incoming mail that carries it at the top level is Parley's own mail come back, e.g.
    /// through a forwarding address or a subscriber address that points at Parley itself.
    /// Bounces are not affected: they carry the stamp only inside the returned headers part.
    public static let originHeader = "X-Parley-Origin"

    private let ownAddresses: Set<String>
    private let ownMailboxes: [(local: String, domain: String)]
    private let bounces = BounceDetector()
    private let autoReplies = AutoReplyDetector()

    /// Creates a classifier.
    ///
    /// - Parameter ownAddresses: Parley's own addresses (the From address, the base of the
    ///   reply address pattern such as `reply@parley.example` for `reply+TOKEN@parley.example`,
    ///   the bounce address). Compared case-insensitively; display names (`Parley <a@b>`) are
    ///   allowed and ignored.
    public init(ownAddresses: [String]) {
        let addresses = ownAddresses.compactMap { MailAddressText.address(in: $0) }
        self.ownAddresses = Set(addresses)
        self.ownMailboxes = addresses.compactMap { address in
            guard let parts = MailAddressText.split(address) else { return nil }
            // A pattern base written as `reply+@host` means the same as `reply@host`.
            var local = String(parts.local)
            while let last = local.last, Self.subaddressSeparators.contains(last) { local.removeLast() }
            return local.isEmpty ? nil : (local, String(parts.domain))
        }
    }

    /// Separators between a mailbox and its detail part: `+` (Postfix, Gmail, RFC 5233),
    /// `-` (qmail, Exim setups).
    private static let subaddressSeparators: Set<Character> = ["+", "-"]

    /// Classifies `mail`.
    ///
    /// - Parameters:
    ///   - mail: The parsed mail.
    ///   - trimmedText: The sender's new text (quotes and signature already removed), used for
    ///     command detection.
    public func classify(_ mail: ParsedMail, trimmedText: String) -> MailClassification {
        if isLoop(mail) { return .loop }
        if let report = bounces.detect(mail) { return .bounce(report) }
        if let reason = autoReplies.detect(mail) { return .autoReply(reason: reason) }
        if let command = command(mail, trimmedText: trimmedText) { return .command(command) }
        if isReply(mail) { return .reply }
        return .other
    }

    // MARK: Loop

    private func isLoop(_ mail: ParsedMail) -> Bool {
        if mail.header(Self.originHeader) != nil { return true }
        let senders = mail.headers(named: "From").flatMap(MailAddressText.addresses(inList:))
        return senders.contains { ownAddresses.contains($0) || isOwnSubaddress($0) }
    }

    /// Whether `address` is one of Parley's mailboxes with a detail part
    /// (`reply+TOKEN@host` for `reply@host`), i.e. one of its generated reply addresses.
    private func isOwnSubaddress(_ address: String) -> Bool {
        guard let parts = MailAddressText.split(address) else { return false }
        return ownMailboxes.contains { own in
            guard parts.domain == own.domain, parts.local.count > own.local.count + 1,
                  parts.local.hasPrefix(own.local) else { return false }
            let separator = parts.local[parts.local.index(parts.local.startIndex, offsetBy: own.local.count)]
            return Self.subaddressSeparators.contains(separator)
        }
    }

    // MARK: Command

    /// The command word making up the whole new text, or the subject when the text is empty
    /// (people put "unsubscribe" in the subject of a blank mail, as RFC 2369 mailto links do).
    private func command(_ mail: ParsedMail, trimmedText: String) -> MailCommand? {
        if Self.isBlank(trimmedText) {
            return mail.header("Subject").flatMap(MailCommand.parse)
        }
        return MailCommand.parse(trimmedText)
    }

    private static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    // MARK: Reply

    /// A reply by its threading headers (RFC 5322 §3.6.4), its subject prefix, or its
    /// recipient: mail to a token-bearing reply address is a reply even when the client
    /// dropped the threading headers and the subject.
    private func isReply(_ mail: ParsedMail) -> Bool {
        let threading = mail.headers(named: "In-Reply-To") + mail.headers(named: "References")
        if threading.contains(where: { !ClassifierText.trimmed($0).isEmpty }) { return true }
        if let subject = mail.header("Subject"), ReplySubject.isReply(subject) { return true }
        // Delivered-To/X-Original-To/Envelope-To hold the envelope recipient when the
        // reply address was only a Bcc or an alias rewrote To.
        let recipients = ["To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"]
            .flatMap { mail.headers(named: $0) }
            .flatMap(MailAddressText.addresses(inList:))
        return recipients.contains(where: isOwnSubaddress)
    }
}
