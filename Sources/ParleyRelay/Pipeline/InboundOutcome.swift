/// What became of one incoming email: the status recorded and the reason, in words
/// an admin can act on.
public struct InboundOutcome: Sendable, Equatable {
    /// Statuses recorded in `inbound_messages.status`.
    public enum Status: String, Sendable, CaseIterable {
        case published, pending, command, bounce
        case autoReply = "auto-reply"
        case loop, duplicate, rejected, failed
    }

    public var status: Status
    public var reason: String
    /// The comment this email made or acted on.
    public var commentId: Int64?
    /// Whether this email made that comment (rather than confirming, withdrawing or
    /// deciding on one made before): only then is the comment's source this email.
    public var madeComment: Bool

    public init(_ status: Status, _ reason: String, commentId: Int64? = nil, madeComment: Bool = false) {
        self.status = status
        self.reason = reason
        self.commentId = commentId
        self.madeComment = madeComment
    }

    /// Published, held, commands and reports go to the processed folder; the rest to rejected.
    public var isRejected: Bool { status == .rejected || status == .failed }
}
