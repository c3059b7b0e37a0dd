import Foundation

/// What the daemon reads out of one parsed incoming email before deciding: the new text
/// (HTML-only mail turned into text with the client's quotes cut from the HTML, the cut
/// part kept with the elided text) and the classification of SPEC step 3. One function
/// for the daemon's reader (ParleyRelay's `ReadMail`) and the classifier's fixtures, so
/// the tests read mail exactly as the daemon does.
public struct ReadReply: Sendable {
    public var extracted: ExtractedReply
    public var classification: MailClassification

    public init(_ parsed: ParsedMail, classifier: MessageClassifier) {
        var body = ""
        var htmlQuoted = ""
        if let text = parsed.text {
            body = text
        } else if let html = parsed.html {
            (body, htmlQuoted) = HTMLText.convert(html, removingQuotes: true)
        }
        var extracted = ReplyExtractor.extract(body)
        let quoted = htmlQuoted.trimmingCharacters(in: .whitespacesAndNewlines)
        if !quoted.isEmpty {
            extracted.elided = extracted.elided.isEmpty ? quoted : extracted.elided + "\n\n" + quoted
        }
        self.extracted = extracted
        classification = classifier.classify(parsed, trimmedText: extracted.text)
    }
}
