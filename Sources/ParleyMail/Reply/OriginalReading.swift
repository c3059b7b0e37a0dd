// Reading a reply with the message it answers in hand. Parley knows the exact bytes of
// the notification a reply's token names (the outbox keeps them), so it need not guess
// which lines are quoted: a line whose words run, in order, through the notification's
// text is quoted, wherever it stands and whatever the client did to it (quote markers
// or none, re-wrapped, a last word cut). What is left is what the sender wrote, minus
// the structures that introduce quotes (attributions, header blocks, forward markers)
// and signature blocks, which end where the quote resumes, so an answer below a
// signature (alpine's default) survives.
//
// Quoted lines of the comment or post being answered that stand directly above an
// answer are kept as a short quote block over it (an inline answer reads as one);
// quoted lines of the notification's own boilerplate (headline, links, footer) never.

/// A reply read against the original message it answers.
public enum OriginalReading {
    /// The sender's new text of `reply` (a decoded plain-text body), read against
    /// `original` (the text of the notification it answers). `answered` is the text of
    /// the comment or post excerpt the notification carried: its quoted lines above an
    /// inline answer are kept as a quote. Nil when no line of the reply can be lined up
    /// with the original (nothing was quoted, or the original is unrelated): the
    /// heuristic reading applies then.
    public static func read(reply: String, original: String, answered: String?) -> ExtractedReply? {
        let source = WordStream(original)
        guard !source.words.isEmpty else { return nil }
        let content = answered.map(WordStream.init)
        var body = reply
        return body.withUTF8 { bytes in
            let doc = ReplyDocument(bytes: bytes)
            var reader = Reader(doc: doc, source: source, content: content)
            return reader.run()
        }
    }

    /// What one line turned out to be.
    enum Role: Equatable {
        case blank
        /// Lines up with the original; `content`: with the answered comment or post.
        case original(content: Bool)
        /// Marked as a quote but not from the original (older mail, or mangled).
        case otherQuote
        /// An attribution, header block, forward marker or rule line introducing a quote,
        /// or a signature block.
        case structure
        case new
    }

    struct Reader {
        let doc: ReplyDocument
        let source: WordStream
        let content: WordStream?
        var roles: [Role] = []
        /// The words of each line (after quote markers), normalised.
        var words: [[Substring]] = []

        init(doc: ReplyDocument, source: WordStream, content: WordStream?) {
            self.doc = doc
            self.source = source
            self.content = content
        }

        mutating func run() -> ExtractedReply? {
            let n = doc.count
            roles = Array(repeating: .new, count: n)
            words = []
            words.reserveCapacity(n)
            var matchedAny = false
            var previousEnd = -1  // where the previous line's match ended in the original
            for i in 0..<n {
                let line = doc.lines[i]
                let text = String(decoding: UnsafeBufferPointer(rebasing: doc.bytes[line.contentStart..<line.end]), as: UTF8.self)
                var ws = WordStream.words(of: Self.strippingBarQuote(text))
                words.append(ws)
                let marked = line.depth > 0 || Self.hasBarQuote(text)
                if line.contentIsBlank {
                    roles[i] = .blank
                    continue
                }
                if ws.isEmpty {
                    // No letters or digits: a rule, "-- ", an emoji, "+1"…
                    roles[i] = marked ? .otherQuote : doc.kinds[i] == .signatureDelimiter ? .structure : .new
                    continue
                }
                // Overlong lines bound the work: their first 400 words decide.
                if ws.count > 400 { ws = Array(ws.prefix(400)) }
                let match = source.find(ws, after: previousEnd)
                if let match {
                    let accepted = marked || ws.count >= 4 || (ws.count >= 2 && source.isWholeLine(match))
                        || (previousEnd >= 0 && match.lowerBound == previousEnd)
                    if accepted {
                        let inContent = content.map { $0.find(ws, after: -1) != nil } ?? false
                        roles[i] = .original(content: inContent)
                        previousEnd = match.upperBound
                        matchedAny = true
                        continue
                    }
                }
                previousEnd = -1
                roles[i] = marked ? .otherQuote : .new
            }
            guard matchedAny else { return nil }
            markStructures()
            return assemble()
        }

        /// Attributions, header blocks, forward markers and rule lines that lead into a
        /// quote; signature blocks up to the next quote or the end.
        mutating func markStructures() {
            let n = doc.count
            // The next quoted line (original or other) at or after each index.
            var nextQuoted = Array(repeating: n, count: n + 1)
            for i in stride(from: n - 1, through: 0, by: -1) {
                nextQuoted[i] = isQuoted(i) ? i : nextQuoted[i + 1]
            }
            var i = 0
            while i < n {
                switch doc.kinds[i] {
                case .signatureDelimiter:
                    // "-- " and what follows, up to the quote or an attribution leading into it.
                    var j = i
                    while j < n, !isQuoted(j), !(j > i && leadsIntoQuote(j, nextQuoted)) {
                        if roles[j] != .blank { roles[j] = .structure }
                        j += 1
                    }
                    i = j
                    continue
                case .attribution, .attributionPart, .header, .headerPart, .forward, .delimiter:
                    if roles[i] == .new, leadsIntoQuote(i, nextQuoted) || nextQuoted[i] == n && !hasNewText(after: i) {
                        roles[i] = .structure
                    }
                case .mobileSignature:
                    if roles[i] == .new { roles[i] = .structure }
                default:
                    break
                }
                i += 1
            }
        }

        func isQuoted(_ i: Int) -> Bool {
            switch roles[i] {
            case .original, .otherQuote: return true
            default: return false
            }
        }

        /// Whether only blank lines and structure lines stand between line `i` and a quote.
        func leadsIntoQuote(_ i: Int, _ nextQuoted: [Int]) -> Bool {
            guard doc.kinds[i] != .text && doc.kinds[i] != .fenced && doc.kinds[i] != .blank else { return false }
            let q = nextQuoted[i]
            guard q < doc.count else { return false }
            for k in i..<q {
                switch doc.kinds[k] {
                case .blank, .attribution, .attributionPart, .header, .headerPart, .forward, .delimiter: continue
                default: if roles[k] != .blank { return false }
                }
            }
            return true
        }

        func hasNewText(after i: Int) -> Bool {
            ((i + 1)..<doc.count).contains { roles[$0] == .new }
        }

        /// The new lines, each run of them under the answered lines quoted right above it.
        func assemble() -> ExtractedReply {
            let n = doc.count
            var out: [String] = []
            var elided: [String] = []
            var kept = Array(repeating: false, count: n)
            var i = 0
            var wroteAny = false
            while i < n {
                guard roles[i] == .new else { i += 1; continue }
                // A run of new text (blank lines inside it stay).
                var end = i
                var k = i
                while k < n, roles[k] == .new || roles[k] == .blank {
                    if roles[k] == .new { end = k }
                    k += 1
                }
                // The answered lines directly above, when the sender answered inline.
                var quote: [Int] = []
                var q = i - 1
                while q >= 0 {
                    if roles[q] == .blank { q -= 1; continue }
                    guard roles[q] == .original(content: true) else { break }
                    quote.insert(q, at: 0)
                    q -= 1
                }
                if !quote.isEmpty {
                    if wroteAny { out.append("") }
                    for l in quote {
                        out.append("> " + lineContent(l))
                        kept[l] = true
                    }
                    out.append("")
                } else if wroteAny {
                    out.append("")
                }
                for l in i...end {
                    out.append(roles[l] == .blank ? "" : lineText(l))
                    kept[l] = true
                }
                wroteAny = true
                i = end + 1
            }
            for l in 0..<n where !kept[l] { elided.append(lineText(l)) }
            return ExtractedReply(text: Self.tidy(out), elided: Self.tidy(elided))
        }

        /// The whole line as written (quote markers included), without a trailing CR.
        func lineText(_ i: Int) -> String {
            let line = doc.lines[i]
            return String(decoding: UnsafeBufferPointer(rebasing: doc.bytes[line.start..<line.end]), as: UTF8.self)
        }

        /// The line after its quote markers, trimmed.
        func lineContent(_ i: Int) -> String {
            let line = doc.lines[i]
            let text = String(decoding: UnsafeBufferPointer(rebasing: doc.bytes[line.trimmedStart..<line.trimmedEnd]), as: UTF8.self)
            return Self.strippingBarQuote(text)
        }

        /// Lines joined by LF: no leading or trailing blank lines, at most one blank in a row.
        static func tidy(_ lines: [String]) -> String {
            var result: [String] = []
            for line in lines {
                let blank = line.allSatisfy { $0 == " " || $0 == "\t" }
                if blank && (result.isEmpty || result.last!.isEmpty) { continue }
                result.append(blank ? "" : line)
            }
            while result.last?.isEmpty == true { result.removeLast() }
            return result.joined(separator: "\n")
        }

        /// `| quoted` (some clients' quote marker), stripped.
        static func strippingBarQuote(_ text: String) -> String {
            var t = Substring(text)
            while let first = t.first, first == " " || first == "\t" { t = t.dropFirst() }
            while t.hasPrefix("|") {
                t = t.dropFirst()
                while let first = t.first, first == " " { t = t.dropFirst() }
            }
            return String(t)
        }

        static func hasBarQuote(_ text: String) -> Bool {
            text.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("|")
        }
    }
}

/// A text as a stream of normalised words (letters and digits only, lower-cased), with
/// the word ranges of its lines, for finding a line's words in order.
struct WordStream {
    private(set) var words: [Substring] = []
    /// Word ranges of the text's non-empty lines.
    private var lineRanges: Set<Range<Int>> = []
    /// Where each word occurs.
    private var positions: [Substring: [Int]] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let ws = Self.words(of: String(line))
            guard !ws.isEmpty else { continue }
            lineRanges.insert(words.count..<(words.count + ws.count))
            for w in ws {
                positions[w, default: []].append(words.count)
                words.append(w)
            }
        }
    }

    /// The normalised words of one line.
    static func words(of line: String) -> [Substring] {
        var out: [Substring] = []
        for token in line.split(whereSeparator: { $0.isWhitespace }) {
            let kept = String(token.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
                .map(Character.init)).lowercased()
            if !kept.isEmpty { out.append(Substring(kept)) }
        }
        return out
    }

    /// Where `line` runs through the stream in order (its last word may be cut short, as
    /// clients cut overlong quoted lines); the first run starting after `after` is
    /// preferred, else the first anywhere.
    func find(_ line: [Substring], after: Int) -> Range<Int>? {
        guard let first = line.first, let starts = positions[first] else {
            // The first word cut short: only a one-word line can start that way.
            return nil
        }
        var fallback: Range<Int>?
        for p in starts where p + line.count <= words.count {
            var ok = true
            for k in 1..<line.count {
                let w = words[p + k]
                if k == line.count - 1 ? !w.hasPrefix(line[k]) : w != line[k] { ok = false; break }
            }
            guard ok else { continue }
            let range = p..<(p + line.count)
            if p >= after { return range }
            if fallback == nil { fallback = range }
        }
        return fallback
    }

    /// Whether a found range is exactly one line of the text.
    func isWholeLine(_ range: Range<Int>) -> Bool {
        lineRanges.contains(range)
    }
}
