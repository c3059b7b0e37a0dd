// Byte-level text helpers shared by the classifier's detectors.
//
// They work on UTF-8 bytes and fold only ASCII case: header names, DSN field names, SMTP
// replies and the English phrases of bounce texts are ASCII, and byte scans keep every
// pass linear in the size of the mail (no regular expressions, no backtracking).

enum ClassifierText {
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }

    /// Space, tab, CR or LF.
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func lowerASCII(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    /// The UTF-8 bytes of `text` with ASCII letters lower-cased (multi-byte sequences untouched).
    static func loweredBytes<S: StringProtocol>(_ text: S) -> [UInt8] {
        text.utf8.map(lowerASCII)
    }

    /// `text` without leading and trailing Unicode whitespace (including line breaks).
    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        // Almost always nothing to trim: ends that are ASCII and not White_Space. (The
        // Unicode property lookup per scalar was a tenth of the classifier's time.)
        let utf8 = Substring(text).utf8
        if let first = utf8.first, let last = utf8.last, first < 0x80, last < 0x80,
           !isASCIIWhitespace(first), !isASCIIWhitespace(last) {
            return String(text)
        }
        return String(trimming(Substring(text).unicodeScalars) { $0.properties.isWhitespace })
    }

    /// The ASCII characters with the Unicode White_Space property: tab, LF, VT, FF, CR, space.
    static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// `scalars` without trailing (and, if `leading`, leading) scalars matching `drop`. Walks
    /// indices once; repeated `dropFirst()`/`dropLast()` on a scalar view can cost O(n) each.
    static func trimming(_ scalars: Substring.UnicodeScalarView, leading: Bool = true,
                         where drop: (Unicode.Scalar) -> Bool) -> Substring.UnicodeScalarView {
        var start = scalars.startIndex
        var end = scalars.endIndex
        while leading, start < end, drop(scalars[start]) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard drop(scalars[before]) else { break }
            end = before
        }
        return scalars[start..<end]
    }

    /// Decodes `bytes[range]` as UTF-8, repairing invalid sequences, and trims it.
    static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        return trimmed(String(decoding: bytes[lower..<upper], as: UTF8.self))
    }

    /// The first index of `needle` (lower-case ASCII) in `haystack` (already lowered) within
    /// `start..<end`. Naive matching: O(n·m) with m a short constant phrase, so linear in n.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0, to end: Int? = nil) -> Int? {
        let limit = min(end ?? haystack.count, haystack.count)
        guard let first = needle.first, start >= 0, limit - start >= needle.count else { return nil }
        var i = start
        let last = limit - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// ASCII case-insensitive "contains" for header values and subjects.
    static func contains(_ text: String, _ phrase: String) -> Bool {
        containsAny(text, Phrases([phrase]))
    }

    /// Whether `text` contains any of `phrases` (lower-case ASCII), ignoring ASCII case.
    /// Lowers `text` once for all phrases.
    static func containsAny(_ text: String, _ phrases: [String]) -> Bool {
        containsAny(text, Phrases(phrases))
    }

    /// Whether `text` contains any of `phrases`, ignoring ASCII case.
    static func containsAny(_ text: String, _ phrases: Phrases) -> Bool {
        guard !text.isEmpty else { return false }
        let haystack = loweredBytes(text)
        return phrases.bytes.contains { find($0, in: haystack) != nil }
    }

    /// Lower-case ASCII phrases as UTF-8 bytes, converted once (kept in statics) rather
    /// than on every search.
    struct Phrases: Sendable {
        let bytes: [[UInt8]]

        init(_ phrases: [String]) {
            bytes = phrases.map { Array($0.utf8) }
        }
    }

    /// The first enhanced status code (RFC 3463 §2: `class.subject.detail`, class 2, 4 or 5,
    /// subject and detail of 1–3 digits) in `bytes[start..<end]`.
    ///
    /// A code directly after a three-digit SMTP reply code (`550 5.1.1`), a `#` (qmail's
    /// `(#5.1.1)`) or a `Status:` label is preferred over a bare one, because bounce texts also
    /// carry version numbers and dates that look alike. Digits or dots on either side reject a
    /// candidate so that IP addresses such as `192.0.2.4` do not yield `2.4`-style codes.
    static func statusCode(in bytes: [UInt8], from start: Int = 0, to end: Int? = nil) -> (code: String, at: Int)? {
        let limit = min(end ?? bytes.count, bytes.count)
        var fallback: (code: String, at: Int)?
        var i = max(0, start)
        while i < limit {
            let b = bytes[i]
            guard b == 0x32 || b == 0x34 || b == 0x35 else { i += 1; continue }
            if i > 0, isDigit(bytes[i - 1]) || bytes[i - 1] == 0x2E || isLetter(bytes[i - 1]) { i += 1; continue }
            guard let end = codeEnd(bytes, from: i, limit: limit) else { i += 1; continue }
            let code = string(bytes, i..<end)
            if isAnchored(bytes, at: i) { return (code, i) }
            if fallback == nil { fallback = (code, i) }
            i = end
        }
        return fallback
    }

    /// The end of `d.d{1,3}.d{1,3}` starting at `i`, if the code is not glued to more digits.
    private static func codeEnd(_ bytes: [UInt8], from i: Int, limit: Int) -> Int? {
        var j = i + 1
        for _ in 0..<2 {
            guard j < limit, bytes[j] == 0x2E else { return nil }
            j += 1
            let digitsStart = j
            while j < limit, isDigit(bytes[j]), j - digitsStart < 4 { j += 1 }
            let count = j - digitsStart
            guard count >= 1, count <= 3 else { return nil }
        }
        if j < limit {
            if isDigit(bytes[j]) || isLetter(bytes[j]) { return nil }
            if bytes[j] == 0x2E, j + 1 < limit, isDigit(bytes[j + 1]) { return nil }
        }
        return j
    }

    /// Whether the code at `i` follows `NNN `, `NNN-`, `#` or `status:` (see `statusCode`).
    private static func isAnchored(_ bytes: [UInt8], at i: Int) -> Bool {
        guard i > 0 else { return false }
        if bytes[i - 1] == 0x23 { return true }  // '#'
        var k = i - 1
        while k > 0 && (bytes[k] == 0x20 || bytes[k] == 0x09) { k -= 1 }
        if k >= 6 {
            let label = bytes[(k - 6)...k].map(lowerASCII)
            if label == Array("status:".utf8) { return true }
        }
        guard bytes[i - 1] == 0x20 || bytes[i - 1] == 0x2D, i >= 4 else { return false }
        let reply = bytes[(i - 4)..<(i - 1)]
        guard reply.allSatisfy(isDigit), let first = reply.first, first >= 0x32, first <= 0x35 else { return false }
        return i == 4 || !isDigit(bytes[i - 5])
    }
}
