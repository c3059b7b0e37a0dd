import Foundation
import ParleyCore

/// Everything that goes into one email Parley sends; ``MessageBuilder`` makes the bytes.
public struct OutgoingMail: Sendable {
    public var from: EmailAddress
    public var to: EmailAddress
    /// The recipient's personal reply address (carries their token).
    public var replyTo: EmailAddress
    public var subject: String
    /// Without angle brackets.
    public var messageID: String
    /// Message-IDs without angle brackets; the last one is the direct parent.
    public var references: [String]
    /// `List-Id` value, e.g. `one2one <one2one.talk.example.org>`.
    public var listID: String
    /// HTTPS one-click unsubscribe URL (RFC 8058).
    public var unsubscribeURL: String
    /// `mailto:` unsubscribe address.
    public var unsubscribeMailto: String
    public var date: Date
    /// The text part (UTF-8, LF line endings).
    public var text: String
    /// The HTML part, if any.
    public var html: String?

    public init(from: EmailAddress, to: EmailAddress, replyTo: EmailAddress, subject: String, messageID: String,
                references: [String], listID: String, unsubscribeURL: String, unsubscribeMailto: String,
                date: Date, text: String, html: String?) {
        self.from = from; self.to = to; self.replyTo = replyTo; self.subject = subject; self.messageID = messageID
        self.references = references; self.listID = listID; self.unsubscribeURL = unsubscribeURL
        self.unsubscribeMailto = unsubscribeMailto; self.date = date; self.text = text; self.html = html
    }
}
