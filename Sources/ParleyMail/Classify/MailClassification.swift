// What an incoming email is, as decided by `MessageClassifier`.

/// The kind of an incoming email. The relay acts on it: loops and auto-replies are dropped,
/// bounces feed the bounce bookkeeping, commands are executed, replies go on to token checks.
public enum MailClassification: Sendable, Equatable {
    /// The mail came from one of Parley's own addresses (or carries `X-Parley-Origin`):
    /// answering it could start a mail loop.
    case loop
    /// A delivery status notification (non-delivery report or delay warning).
    case bounce(BounceReport)
    /// An automatic response (vacation, out-of-office, autoresponder, bulk mail, read receipt);
    /// `reason` names the signal that decided it, e.g. `Auto-Submitted: auto-replied`.
    case autoReply(reason: String)
    /// The sender's whole new text is a single command word.
    case command(MailCommand)
    /// Looks like a reply; whether it belongs to a thread is decided by the relay with the token.
    case reply
    /// Not a reply at all: no `In-Reply-To`/`References`, no reply subject prefix,
    /// no token-looking recipient.
    case other

    /// A stable lower-case name for logs and tests:
    /// `loop`, `bounce`, `auto-reply`, `command`, `reply` or `other`.
    public var name: String {
        switch self {
        case .loop: "loop"
        case .bounce: "bounce"
        case .autoReply: "auto-reply"
        case .command: "command"
        case .reply: "reply"
        case .other: "other"
        }
    }
}
