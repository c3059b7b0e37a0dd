// The value the reply extractor hands to the relay: the words a commenter wrote, and,
// kept beside them, everything that was cut so that a moderator can see what was dropped.

/// The result of trimming a reply body.
public struct ExtractedReply: Sendable, Equatable {
    /// Only the new text the sender wrote (trimmed of leading/trailing blank lines).
    public var text: String
    /// Everything that was removed (quotes, attribution lines, signatures…), in order.
    public var elided: String

    /// Creates a result from the kept text and the removed text.
    public init(text: String, elided: String) {
        self.text = text
        self.elided = elided
    }
}
