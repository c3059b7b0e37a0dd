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
        /// For a line quoted from the answered text: the first and last of that text's
        /// lines (paragraphs, as Parley writes a comment) it holds words of.
        var paragraphs: [Int: ClosedRange<Int32>] = [:]
        /// The words of the line being read (one buffer for all lines).
        var scratch = Words()

        init(doc: ReplyDocument, source: WordStream, content: WordStream?) {
            self.doc = doc
            self.source = source
            self.content = content
        }

        mutating func run() -> ExtractedReply? {
            let n = doc.count
            roles = Array(repeating: .new, count: n)
            var matchedAny = false
            var previousEnd = -1  // where the previous line's match ended in the original
            for i in 0..<n {
                let line = doc.lines[i]
                // Overlong lines bound the work: their first 4 KB decide.
                let lineBytes = UnsafeBufferPointer(rebasing: doc.bytes[line.contentStart..<min(line.end, line.contentStart + 4096)])
                // `|` is punctuation to the word splitter: a `| `-quoted line reads as its text.
                scratch.removeAll()
                scratch.append(lineBytes)
                let ws = scratch
                let marked = line.depth > 0 || Self.hasBarQuote(lineBytes)
                if line.contentIsBlank {
                    roles[i] = .blank
                    continue
                }
                if ws.isEmpty {
                    // No letters or digits: a rule, "-- ", an emoji, "+1"…, or nothing but a
                    // link's `<https://…>` that a converter wrapped onto a line of its own.
                    let bare = UnsafeBufferPointer(rebasing: doc.bytes[line.trimmedStart..<line.trimmedEnd])
                    if bare.first == 0x3C, let end = Words.linkEnd(bare, from: 0), end == bare.count - 1 {
                        roles[i] = .blank
                    } else {
                        roles[i] = marked ? .otherQuote : doc.kinds[i] == .signatureDelimiter ? .structure : .new
                    }
                    continue
                }
                let match = source.find(ws, after: previousEnd)
                if let match {
                    let accepted = marked || ws.count >= 4 || (ws.count >= 2 && source.isWholeLine(match))
                        || (previousEnd >= 0 && match.lowerBound == previousEnd)
                    if accepted {
                        var inContent = false
                        if let content, let r = content.find(ws, after: -1) {
                            inContent = true
                            paragraphs[i] = content.paragraphOfWord[r.lowerBound]...content.paragraphOfWord[r.upperBound - 1]
                        }
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
                // The answered lines directly above, when the sender answered inline: the
                // paragraph of the answered text that ends right above the answer, as the
                // reply quotes it (a client that ran the paragraphs together gives the
                // lines holding words of that paragraph), never what stands above it.
                var quote: [Int] = []
                var q = i - 1
                while q >= 0 && roles[q] == .blank { q -= 1 }
                if q >= 0, roles[q] == .original(content: true), let last = paragraphs[q]?.upperBound {
                    while q >= 0, roles[q] == .original(content: true), let p = paragraphs[q], p.upperBound == last {
                        quote.insert(q, at: 0)
                        if p.lowerBound < last { break }  // this line starts inside an earlier paragraph
                        q -= 1
                    }
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

        static func hasBarQuote(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == 0x7C
        }
    }
}

/// The normalised words of a text: letters and digits only (ASCII lower-cased), each
/// kept as its bytes and a hash, so that lines are compared without a `String` per word.
struct Words {
    var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []
    var hashes: [UInt64] = []

    var count: Int { ranges.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
    }
    var isEmpty: Bool { ranges.isEmpty }

    /// Appends the words of `text` (UTF-8); returns how many.
    @discardableResult
    mutating func append(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        let before = ranges.count
        bytes.reserveCapacity(bytes.count + text.count)
        let basis: UInt64 = 0xcbf29ce484222325
        var start = -1
        var hash = basis
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            var keep: UInt8 = 0  // 0: punctuation (skipped), 1: a space (ends a word), else the byte kept
            var length = 1
            if b == 0x3C, let close = Self.linkEnd(text, from: i) {
                // `<https://…>` after a link's text, as HTML-to-text converters write it
                // (Outlook, Thunderbird): not words of the text.
                i = close + 1
                continue
            }
            if b < 0x80 {
                switch b {
                case 0x30...0x39, 0x61...0x7A: keep = b
                case 0x41...0x5A: keep = b | 0x20
                case 0x20, 0x09, 0x0A, 0x0D: keep = 1
                default: keep = 0  // punctuation inside a word joins its pieces ("don't", "x.org")
                }
            } else {
                // A non-ASCII scalar: a letter or digit is kept as written, anything else
                // (typographic quotes, dashes, ellipses) is punctuation, a space ends a word.
                length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                length = min(length, n - i)
                var value: UInt32 = length == 1 ? UInt32(b) : UInt32(b) & (0xFF >> UInt32(length + 1))
                var k = i + 1
                while k < i + length { value = value << 6 | UInt32(text[k] & 0x3F); k += 1 }
                if let scalar = Unicode.Scalar(value) {
                    if scalar.properties.isWhitespace { keep = 1 }
                    else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil { keep = 2 }
                }
            }
            if keep == 1 {
                if start >= 0 {
                    ranges.append(start..<bytes.count)
                    hashes.append(hash)
                    start = -1
                    hash = basis
                }
            } else if keep != 0 {
                if start < 0 { start = bytes.count }
                if length == 1 {
                    bytes.append(keep)
                    hash = (hash ^ UInt64(keep)) &* 0x100000001b3
                } else {
                    for k in i..<(i + length) {
                        bytes.append(text[k])
                        hash = (hash ^ UInt64(text[k])) &* 0x100000001b3
                    }
                }
            }
            i += length
        }
        if start >= 0 {
            ranges.append(start..<bytes.count)
            hashes.append(hash)
        }
        return ranges.count - before
    }

    /// Where the `>` closing a `<scheme:…>` link target that starts at `from` is, if it is one.
    static func linkEnd(_ text: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from + 1
        var colon = false
        while i < text.count && i - from < 2048 {
            let b = text[i]
            if b == 0x3E { return colon ? i : nil }
            if b == 0x20 || b == 0x0A || b == 0x3C { return nil }
            if b == 0x3A { colon = true }
            i += 1
        }
        return nil
    }

    /// Whether word `i` of `self` equals word `j` of `other` (or, with `prefix`, starts with it).
    func same(_ i: Int, _ other: Words, _ j: Int, prefix: Bool = false) -> Bool {
        let a = ranges[i], b = other.ranges[j]
        if prefix {
            guard b.count <= a.count else { return false }
            return bytes[a.lowerBound..<(a.lowerBound + b.count)].elementsEqual(other.bytes[b])
        }
        return hashes[i] == other.hashes[j] && a.count == b.count && bytes[a].elementsEqual(other.bytes[b])
    }
}

/// A text as a stream of normalised words, with the word ranges of its lines, for
/// finding a line's words in order. Three flat arrays: no allocation per word.
struct WordStream {
    private(set) var words = Words()
    /// For a word that starts a line of the text: where that line's words end; else -1.
    private var lineEnd: [Int32] = []
    /// The paragraph (lines between blank lines) of the text each word is in, from 0.
    private(set) var paragraphOfWord: [Int32] = []
    /// (hash, position) of every word, sorted: the positions of a word by binary search.
    private var index: [(hash: UInt64, position: Int32)] = []

    init(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            var paragraph: Int32 = 0
            var blankSince = false
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
                let before = words.count
                words.append(UnsafeBufferPointer(rebasing: bytes[start..<i]))
                lineEnd.append(contentsOf: repeatElement(-1, count: words.count - before))
                if words.count > before {
                    lineEnd[before] = Int32(words.count)
                    if blankSince && before > 0 { paragraph += 1 }
                    blankSince = false
                    paragraphOfWord.append(contentsOf: repeatElement(paragraph, count: words.count - before))
                } else if bytes[start..<i].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    blankSince = true
                }
                start = i + 1
            }
        }
        index = words.hashes.enumerated().map { (hash: $0.element, position: Int32($0.offset)) }
        index.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.position < $1.position }
    }

    /// Where the word with this hash occurs, in order.
    private func positions(of hash: UInt64) -> ArraySlice<(hash: UInt64, position: Int32)> {
        var low = 0, high = index.count
        while low < high {
            let mid = (low + high) / 2
            if index[mid].hash < hash { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < index.count && index[end].hash == hash { end += 1 }
        return index[low..<end]
    }

    /// Where `line` runs through the stream in order (its last word may be cut short, as
    /// clients cut overlong quoted lines); the first run starting at or after `after` is
    /// preferred, else the first anywhere.
    func find(_ line: Words, after: Int) -> Range<Int>? {
        guard !line.isEmpty else { return nil }
        let count = line.count
        var fallback: Range<Int>?
        func check(_ p: Int) -> Range<Int>? {
            guard p + count <= words.count else { return nil }
            for k in 0..<count where !words.same(p + k, line, k, prefix: k == count - 1) { return nil }
            return p..<(p + count)
        }
        let exact = positions(of: line.hashes[0])
        if exact.isEmpty && count == 1 {
            // A one-word line may be the start of a word cut short.
            for p in 0..<words.count {
                if let r = check(p) { if p >= after { return r }; if fallback == nil { fallback = r } }
            }
            return fallback
        }
        for entry in exact {
            guard let r = check(Int(entry.position)) else { continue }
            if r.lowerBound >= after { return r }
            if fallback == nil { fallback = r }
        }
        return fallback
    }

    /// Whether a found range is exactly one line of the text.
    func isWholeLine(_ range: Range<Int>) -> Bool {
        range.lowerBound < lineEnd.count && lineEnd[range.lowerBound] == Int32(range.upperBound)
    }
}
