// Writes the bytes of a MIME message by hand: header fields folded as RFC 5322 asks, text
// parts in quoted-printable, CRLF everywhere. What ``MessageBuilder`` builds with.

/// An append-only buffer of message bytes with the header-field rules built in.
///
/// Header lines are folded (RFC 5322 §2.2.3: a CRLF inserted before white space, which
/// unfolding removes again) so that each stays within 78 octets wherever a fold point
/// exists (§2.1.1), and never reaches 998: a word that could not fit on a line of its own
/// is written as encoded-words, which can be split. Fold points are only the white space
/// between items (words, encoded-words, msg-ids, the phrase and the angle-addr), so no
/// value changes when it is unfolded.
///
/// The writer never trusts text to be on one line: every control character in a word,
/// phrase or unstructured value is written as a space, so none can end a header field or
/// start another. Items written as they are (msg-ids, addresses, URLs) are the caller's
/// to check (``MessageBuilder/isVerbatimItem(_:)``, `EmailAddress`).
struct MIMEWriter {
    /// Octets a line should not exceed, CRLF not counted (RFC 5322 §2.1.1).
    static let lineLimit = 78
    /// Octets a line must not exceed, CRLF not counted (RFC 5322 §2.1.1).
    static let hardLineLimit = 998

    /// The message so far.
    private(set) var bytes: [UInt8] = []
    /// Octets on the current line so far.
    var column = 0
    /// Whether the current header line holds a value item, so that a fold point exists
    /// before the next one (never directly after the field name's colon).
    var lineHasItem = false

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: Bytes

    mutating func append(_ s: String) {
        // Through the contiguous UTF-8 (no copy for a native string): appending the
        // `utf8` view itself went a slower, generic way.
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: b)
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends `text` in quoted-printable (see ``QuotedPrintable``); returns whether it
    /// ended with a line break (and so the output with a CRLF).
    @discardableResult
    mutating func quotedPrintable(_ text: String) -> Bool {
        let endsWithBreak = QuotedPrintable.encode(text, into: &bytes)
        column = 0
        lineHasItem = false
        return endsWithBreak
    }

    /// Ends the current line (every line break Parley writes is CRLF, RFC 5322 §2.1).
    mutating func newline() {
        bytes.append(0x0D)
        bytes.append(0x0A)
        column = 0
        lineHasItem = false
    }

    // MARK: Header fields

    /// `name: value` on one line, for values that are known to be short, printable ASCII
    /// and one item (a date, `1.0`, a keyword).
    mutating func field(_ name: String, _ value: String) {
        append(name)
        append(": ")
        append(value)
        newline()
    }

    /// Starts a field whose value is then written item by item with ``beginItem(spaces:length:)``.
    mutating func startField(_ name: String) {
        append(name)
        append(byte: 0x3A)
        column = name.utf8.count + 1
        lineHasItem = false
    }

    /// Makes room for a value item of `length` octets preceded by `spaces` spaces (at least
    /// one): folds first when the item would pass ``lineLimit`` and a fold point exists,
    /// then writes the spaces. The caller appends exactly `length` octets next.
    mutating func beginItem(spaces: Int, length: Int) {
        if lineHasItem && column + spaces + length > MIMEWriter.lineLimit {
            bytes.append(0x0D)
            bytes.append(0x0A)
            column = 0
        }
        for _ in 0..<spaces { bytes.append(0x20) }
        column += spaces + length
        lineHasItem = true
    }

    /// One item of a structured value that is never split or encoded, in angle brackets
    /// (a msg-id, an addr-spec, a URL), and the comma that ends it in a list if `comma`,
    /// with its own fold point before it.
    mutating func angleItem(_ s: String, comma: Bool = false) {
        beginItem(spaces: 1, length: s.utf8.count + (comma ? 3 : 2))
        append(byte: 0x3C)
        append(s)
        append(byte: 0x3E)
        if comma { append(byte: 0x2C) }
    }

    /// A field whose value is msg-ids (`Message-Id`, `In-Reply-To`, `References`, RFC
    /// 5322 §3.6.4), folded between the ids: a long References chain is many short lines.
    mutating func msgIDField(_ name: String, _ ids: [String]) {
        startField(name)
        for id in ids { angleItem(id) }
        newline()
    }

    /// A field of unstructured text (RFC 5322 §3.2.5, `Subject` and the like): ASCII words
    /// as they are, and RFC 2047 encoded-words (§5 rule 1) for each run of words that holds
    /// non-ASCII, looks like an encoded-word itself, or is too long for a line of its own.
    /// White space is kept exactly, apart from blanks at either end, which no reader shows.
    mutating func unstructuredField(_ name: String, _ value: String) {
        startField(name)
        var copy = value
        copy.withUTF8 { words($0, phrase: false) }
        newline()
    }

    /// A field holding one mailbox (RFC 5322 §3.4): `display-name <addr-spec>`, or the
    /// bare addr-spec when there is no name. The address must be ASCII (an internationalised
    /// one is the caller's to route elsewhere).
    mutating func mailboxField(_ name: String, displayName: String?, address: String) {
        startField(name)
        var display = displayName ?? ""
        if display.withUTF8({ phrase($0) }) {
            angleItem(address)
        } else {
            beginItem(spaces: 1, length: address.utf8.count)
            append(address)
        }
        newline()
    }

    // MARK: Display names

    /// Writes a display name (RFC 5322 §3.2.5 `phrase`) in the plainest form that keeps
    /// it exact: atoms when it is atext words with single spaces, a quoted-string when it
    /// is printable ASCII with specials, else atoms and encoded-words (RFC 2047 §5 rule 3).
    /// Returns false, having written nothing, for a name that is empty or only blanks.
    private mutating func phrase(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        let name = MIMEWriter.trimmed(raw)
        guard !name.isEmpty else { return false }
        if MIMEWriter.phraseForm(name) == .quoted {
            quotedString(name)
        } else {
            words(name, phrase: true)
        }
        return true
    }

    enum PhraseForm { case atoms, quoted, encoded }

    /// Which form ``phrase(_:)`` writes a (trimmed) display name in.
    static func phraseForm(_ name: UnsafeBufferPointer<UInt8>) -> PhraseForm {
        var atoms = true
        var previous: UInt8 = 0
        var run = 0
        for byte in name {
            if byte >= 0x80 || byte < 0x20 || byte == 0x7F { return .encoded }
            if byte == 0x3F && previous == 0x3D { return .encoded }  // "=?"
            if byte == 0x20 {
                if previous == 0x20 { atoms = false }
                run = 0
            } else {
                if !isAtext(byte) { atoms = false }
                run += byte == 0x22 || byte == 0x5C ? 2 : 1
                // A word that cannot fit on a line of its own (after at most `Reply-To: "`,
                // and its closing quote) can only be split as encoded-words.
                if run + 20 > hardLineLimit { return .encoded }
            }
            previous = byte
        }
        return atoms ? .atoms : .quoted
    }

    /// A quoted-string (RFC 5322 §3.2.4), `"` and `\` escaped as quoted-pairs, folded at
    /// its spaces: FWS inside a quoted-string is allowed, and unfolding keeps the space.
    private mutating func quotedString(_ name: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var spaces = 1
        while start < name.count {
            var end = start
            var length = 0
            while end < name.count && name[end] != 0x20 {
                length += (name[end] == 0x22 || name[end] == 0x5C) ? 2 : 1
                end += 1
            }
            let opens = start == 0, closes = end == name.count
            beginItem(spaces: spaces, length: length + (opens ? 1 : 0) + (closes ? 1 : 0))
            if opens { append(byte: 0x22) }
            for i in start..<end {
                if name[i] == 0x22 || name[i] == 0x5C { append(byte: 0x5C) }
                append(byte: name[i])
            }
            if closes { append(byte: 0x22) }
            // The spaces before the next piece; a name does not end in one (it is trimmed).
            spaces = 0
            start = end
            while start < name.count && name[start] == 0x20 {
                spaces += 1
                start += 1
            }
        }
    }

    // MARK: Words and encoded-words

    /// Writes white-space-separated words: each plain word as it is after its spaces, and
    /// each run of words that must be encoded as encoded-words (see ``writeEncoded(_:)``).
    ///
    /// A word must be encoded when it holds a byte outside printable ASCII, holds `=?`
    /// (a reader would decode it), is too long for a line of its own, or, in a phrase, is
    /// not an atom or follows more than one space (phrase white space is read as one space).
    /// The spaces between the words of a run go inside the encoded text, because readers
    /// drop white space between adjacent encoded-words (RFC 2047 §6.2); a run keeps one
    /// literal space before it, as the separator §5 requires.
    private mutating func words(_ raw: UnsafeBufferPointer<UInt8>, phrase: Bool) {
        let value = MIMEWriter.trimmed(raw)
        // The first word's line already holds the field name, its colon and a space.
        let firstLineRoom = MIMEWriter.hardLineLimit - column - 1
        var runStart = -1  // where the encoded text of the open run starts
        var runEnd = -1
        var i = 0
        var first = true
        while i < value.count {
            var spaces = 0
            while i < value.count && MIMEWriter.isBlank(value[i]) {
                spaces += 1
                i += 1
            }
            let wordStart = i
            var encode = false
            var previous: UInt8 = 0
            while i < value.count && !MIMEWriter.isBlank(value[i]) {
                let byte = value[i]
                if byte >= 0x7F || (byte == 0x3F && previous == 0x3D) || (phrase && !MIMEWriter.isAtext(byte)) { encode = true }
                previous = byte
                i += 1
            }
            let length = i - wordStart
            if first {
                if length > firstLineRoom { encode = true }
            } else if spaces + length > MIMEWriter.hardLineLimit || (phrase && spaces > 1) {
                encode = true
            }
            if encode {
                // The run's text starts after the one literal separating space.
                if runStart < 0 { runStart = first ? wordStart : wordStart - spaces + 1 }
                runEnd = i
            } else {
                if runStart >= 0 {
                    writeEncoded(UnsafeBufferPointer(rebasing: value[runStart..<runEnd]))
                    runStart = -1
                }
                beginItem(spaces: first ? 1 : spaces, length: length)
                append(UnsafeBufferPointer(rebasing: value[wordStart..<i]))
            }
            first = false
        }
        if runStart >= 0 {
            writeEncoded(UnsafeBufferPointer(rebasing: value[runStart..<runEnd]))
        }
    }

    /// Writes `text` as one or more encoded-words (RFC 2047 §2: `=?utf-8?q?…?=` or
    /// `=?utf-8?b?…?=`, each at most 75 characters), the first after one space, each next
    /// one after a space or a fold. Each word takes whole UTF-8 sequences only, so every
    /// word decodes on its own (§5: "each encoded-word MUST represent an integral number
    /// of characters"). Q is used when it is no longer than B: names and subjects with a
    /// few accents stay readable in the raw message.
    private mutating func writeEncoded(_ text: UnsafeBufferPointer<UInt8>) {
        let preferQ = MIMEWriter.qLength(text) <= (text.count + 2) / 3 * 4
        var i = 0
        while i < text.count {
            let budget = min(MIMEWriter.maxEncodedWord, MIMEWriter.lineLimit - column - 1)
            var word = MIMEWriter.nextWord(text, from: i, budget: budget, preferQ: preferQ)
            if word.end == i || (lineHasItem && budget < MIMEWriter.minEncodedWord) {
                // Nothing fits on this line: start the word on the next.
                word = MIMEWriter.nextWord(text, from: i, budget: MIMEWriter.maxEncodedWord, preferQ: preferQ)
                if lineHasItem { newline() }
            }
            let chunk = UnsafeBufferPointer(rebasing: text[i..<word.end])
            let length = MIMEWriter.encodedWordOverhead + (word.q ? MIMEWriter.qLength(chunk) : (chunk.count + 2) / 3 * 4)
            beginItem(spaces: 1, length: length)
            if word.q { appendQWord(chunk) } else { appendBWord(chunk) }
            i = word.end
        }
    }
}

extension MIMEWriter {
    /// `=?utf-8?q?` and `?=`.
    static let encodedWordOverhead = 12
    /// RFC 2047 §2: "An 'encoded-word' may not be more than 75 characters long".
    static let maxEncodedWord = 75
    /// Room below which a new encoded-word starts on the next line rather than holding a
    /// character or two at the end of this one.
    static let minEncodedWord = 24

    /// Bytes `text[from...]` that fill a Q word of at most `budget` characters, ending
    /// on a character boundary.
    static func qWordEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int, budget: Int) -> Int {
        var room = budget - encodedWordOverhead
        var i = start
        while i < text.count {
            let end = characterEnd(text, at: i)
            var cost = 0
            for j in i..<end { cost += isQSafe(text[j]) || isBlank(text[j]) ? 1 : 3 }
            if cost > room { break }
            room -= cost
            i = end
        }
        return i
    }

    /// Where the next encoded-word ends, and whether it is a Q word: Q all along when the
    /// text prefers it; else a B word, unless a Q word would hold more (see ``bWordEnd(_:from:budget:)``).
    static func nextWord(_ text: UnsafeBufferPointer<UInt8>, from start: Int, budget: Int, preferQ: Bool) -> (end: Int, q: Bool) {
        let qEnd = qWordEnd(text, from: start, budget: budget)
        if preferQ { return (qEnd, true) }
        let bEnd = bWordEnd(text, from: start, budget: budget)
        return bEnd >= qEnd ? (bEnd, false) : (qEnd, true)
    }

    /// Bytes `text[from...]` that fill a B word of at most `budget` characters, ending on
    /// a character boundary.
    ///
    /// Only the last word of a run may end in `=` padding: GMime (and readers built like
    /// it) joins the text of adjacent B words of one charset before decoding it, and a
    /// padding inside garbles the rest, so a long name came back cut short. Any other B
    /// word holds a multiple of three bytes, which may leave it short or empty where
    /// characters of different lengths mix; ``nextWord(_:from:budget:preferQ:)`` then
    /// takes a Q word, which ends the B run.
    static func bWordEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int, budget: Int) -> Int {
        let maxBytes = (budget - encodedWordOverhead) / 4 * 3
        guard maxBytes > 0 else { return start }
        if text.count - start <= maxBytes { return text.count }
        var end = start + maxBytes
        while end > start && (text[end] & 0xC0 == 0x80 || (end - start) % 3 != 0) { end -= 1 }
        return end
    }

    /// The end of the UTF-8 sequence that starts at `i` (a stray byte is a character of
    /// its own, so a word never runs past the text).
    static func characterEnd(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        var end = i + 1
        while end < text.count && text[end] & 0xC0 == 0x80 && end - i < 4 { end += 1 }
        return end
    }

    static func qLength(_ chunk: UnsafeBufferPointer<UInt8>) -> Int {
        var length = 0
        for byte in chunk { length += isQSafe(byte) || isBlank(byte) ? 1 : 3 }
        return length
    }

    /// The "Q" encoding (RFC 2047 §4.2) restricted to what §5 rule 3 allows in a phrase,
    /// which is safe in unstructured text too: letters, digits and `!*+-/` as they are,
    /// a space (or a control character, written as a space) as `_`, anything else `=XX`.
    mutating func appendQWord(_ chunk: UnsafeBufferPointer<UInt8>) {
        append("=?utf-8?q?")
        for raw in chunk {
            let byte = MIMEWriter.spaced(raw)
            if MIMEWriter.isQSafe(byte) {
                append(byte: byte)
            } else if byte == 0x20 {
                append(byte: 0x5F)
            } else {
                append(byte: 0x3D)
                append(byte: QuotedPrintable.hexDigit(byte >> 4))
                append(byte: QuotedPrintable.hexDigit(byte & 0x0F))
            }
        }
        append("?=")
    }

    /// The "B" encoding (RFC 2047 §4.1): base64 of the UTF-8 bytes.
    mutating func appendBWord(_ chunk: UnsafeBufferPointer<UInt8>) {
        append("=?utf-8?b?")
        var i = 0
        while i < chunk.count {
            let b0 = UInt32(MIMEWriter.spaced(chunk[i]))
            let b1 = i + 1 < chunk.count ? UInt32(MIMEWriter.spaced(chunk[i + 1])) : 0
            let b2 = i + 2 < chunk.count ? UInt32(MIMEWriter.spaced(chunk[i + 2])) : 0
            let group = b0 << 16 | b1 << 8 | b2
            append(byte: MIMEWriter.base64Digit(group >> 18))
            append(byte: MIMEWriter.base64Digit(group >> 12))
            append(byte: i + 1 < chunk.count ? MIMEWriter.base64Digit(group >> 6) : 0x3D)
            append(byte: i + 2 < chunk.count ? MIMEWriter.base64Digit(group) : 0x3D)
            i += 3
        }
        append("?=")
    }

    @inline(__always)
    static func base64Digit(_ value: UInt32) -> UInt8 {
        let v = UInt8(value & 0x3F)
        switch v {
        case 0..<26: return 0x41 + v
        case 26..<52: return 0x61 + v - 26
        case 52..<62: return 0x30 + v - 52
        case 62: return 0x2B
        default: return 0x2F
        }
    }

    /// Written as themselves in a Q word: RFC 2047 §5 rule 3's set, apart from `=`, `?`
    /// and `_`, which the encoding itself uses.
    @inline(__always)
    static func isQSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x21, 0x2A, 0x2B, 0x2D, 0x2F: true
        default: false
        }
    }

    /// `atext` (RFC 5322 §3.2.3): what an atom may hold.
    @inline(__always)
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E: true
        default: false
        }
    }

    /// A space, or a control character, which is written as a space.
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7F
    }

    /// The byte, or a space for a control character.
    @inline(__always)
    static func spaced(_ byte: UInt8) -> UInt8 {
        isBlank(byte) ? 0x20 : byte
    }

    /// Without blanks at either end.
    static func trimmed(_ raw: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lower = 0
        var upper = raw.count
        while lower < upper && isBlank(raw[lower]) { lower += 1 }
        while upper > lower && isBlank(raw[upper - 1]) { upper -= 1 }
        return UnsafeBufferPointer(rebasing: raw[lower..<upper])
    }
}
