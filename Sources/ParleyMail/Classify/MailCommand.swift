// Commands a sender can give by mailing a single word.

/// A command mailed as the whole new text (or as the subject of an otherwise empty mail).
public enum MailCommand: String, Sendable, Equatable {
    /// Stop notifications for this subscription.
    case unsubscribe
    /// Same effect as `unsubscribe`; the word people type on phones.
    case stop
    /// Moderator: publish the held comment.
    case approve
    /// Moderator: discard the held comment.
    case reject

    /// The command that `text` consists of, if any.
    ///
    /// Only the whole text counts, so "please don't stop" is not a command. Surrounding
    /// whitespace, trailing `.`/`!` and letter case are tolerated because phones add a full
    /// stop and capitalise the first word on their own.
    static func parse(_ text: String) -> MailCommand? {
        let words = ClassifierText.trimming(Substring(text).unicodeScalars) { $0.properties.isWhitespace }
        let scalars = ClassifierText.trimming(words, leading: false) {
            $0.properties.isWhitespace || $0 == "." || $0 == "!"
        }
        // The longest command word is 11 letters; anything much longer cannot match, and
        // checking that first keeps lower-casing of a long text off the hot path.
        guard !scalars.isEmpty, scalars.prefix(17).count <= 16 else { return nil }
        return MailCommand(rawValue: String(scalars).lowercased())
    }
}
