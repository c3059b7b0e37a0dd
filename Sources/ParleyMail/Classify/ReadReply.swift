import Foundation

/// What the daemon reads out of one parsed incoming email before deciding: the new text
/// (HTML-only mail turned into text with the client's quotes cut from the HTML, the cut
/// part kept with the elided text) and the classification of SPEC step 3. One function
/// for the daemon's reader (ParleyRelay's `ReadMail`) and the classifier's fixtures, so
/// the tests read mail exactly as the daemon does.
public struct ReadReply: Sendable {
    public var extracted: ExtractedReply
    public var classification: MailClassification
    /// The text that was trimmed: the text part, else the HTML part as text with the
    /// client's HTML quote cut (what ``againstOriginal(body:original:answered:)`` reads).
    public var body: String

    public init(_ parsed: ParsedMail, classifier: MessageClassifier) {
        var body = ""
        var htmlQuoted = ""
        if let text = parsed.text {
            body = text
        } else if let html = parsed.html {
            (body, htmlQuoted) = HTMLText.convert(html, removingQuotes: true)
        }
        self.body = body
        var extracted = ReplyExtractor.extract(body)
        let quoted = htmlQuoted.trimmingCharacters(in: .whitespacesAndNewlines)
        if !quoted.isEmpty {
            extracted.elided = extracted.elided.isEmpty ? quoted : extracted.elided + "\n\n" + quoted
        }
        self.extracted = extracted
        classification = classifier.classify(parsed, trimmedText: extracted.text)
    }
}

extension ReadReply {
    /// The reply's new text read against the notification it answers (`original`, its
    /// raw bytes; `answered`, the text of the comment or post excerpt it carried), see
    /// ``OriginalReading``; nil when the two cannot be lined up. The same for the daemon
    /// and `parley message inspect --config`.
    ///
    /// `body` is ``body``: for HTML-only mail the client's quote (its `blockquote`) is cut
    /// already, structurally; what else lines up with the original (an Outlook header block
    /// and pasted original without markup) is cut here.
    public static func againstOriginal(body: String, original raw: [UInt8], answered: String?) -> ExtractedReply? {
        guard let originalText = NotificationText.text(of: raw) else { return nil }
        return OriginalReading.read(reply: body, original: originalText, answered: answered)
    }
}
