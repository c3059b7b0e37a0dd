/// Renders a comment's plain text as HTML: every character escaped, paragraphs at blank
/// lines, `<br>` at single line breaks, and http(s) URLs made into links marked
/// `rel="nofollow ugc"` (so that search engines give commenters' links no credit).
///
/// Nothing but `<p>`, `<br>` and `<a href="http(s)://…" rel="nofollow ugc">` is ever
/// produced; everything a commenter writes ends up as text.
public enum CommentHTML {
    /// The HTML of a comment body.
    ///
    /// Works on the UTF-8 bytes: the byte-level scan is about twenty times faster than
    /// the scalar arrays and NSString replacing it replaced (a notification renders the
    /// comment once, a thread's page every comment), with the same output
    /// (`CommentHTMLTests` compares the two on seeded random text).
    public static func render(_ text: String) -> String {
        var text = text
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8 + 16)
        text.withUTF8 { b in
            var inParagraph = false, first = true
            var i = 0, start = 0
            func line(_ r: Range<Int>) {
                if isBlank(b, r) {
                    if inParagraph { out += Self.closeP; inParagraph = false }
                    return
                }
                if inParagraph {
                    out += Self.br
                } else {
                    if !first { out.append(10) }
                    out += Self.openP
                    inParagraph = true
                    first = false
                }
                linkify(b, r, into: &out)
            }
            // Lines end at LF, CRLF or a lone CR.
            while i < b.count {
                if b[i] == 10 {
                    line(start..<i)
                    i += 1
                    start = i
                } else if b[i] == 13 {
                    line(start..<i)
                    i += i + 1 < b.count && b[i + 1] == 10 ? 2 : 1
                    start = i
                } else {
                    i += 1
                }
            }
            line(start..<b.count)
            if inParagraph { out += Self.closeP }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let openP = Array("<p>".utf8), closeP = Array("</p>".utf8), br = Array("<br>\n".utf8)
    private static let linkOpen = Array("<a href=\"".utf8), linkMiddle = Array("\" rel=\"nofollow ugc\">".utf8), linkClose = Array("</a>".utf8)

    /// Whether a line holds only white space (Unicode's White_Space, as
    /// `Character.isWhitespace`).
    private static func isBlank(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var ascii = true
        for i in r {
            switch b[i] {
            case 0x20, 0x09, 0x0B, 0x0C: continue
            case 0x80...: ascii = false
            default: return false
            }
        }
        return ascii || String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self).allSatisfy(\.isWhitespace)
    }

    /// Escapes a line into `out`, turning each http(s) URL in it into a link.
    private static func linkify(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, into out: inout [UInt8]) {
        var i = r.lowerBound, plain = r.lowerBound
        while i < r.upperBound {
            // Every URL starts with an h (no other scalar lower-cases to one).
            if b[i] | 0x20 == 0x68, let end = urlEnd(b, from: i, in: r) {
                escape(b, plain..<i, into: &out)
                out += linkOpen
                escape(b, i..<end, into: &out)
                out += linkMiddle
                escape(b, i..<end, into: &out)
                out += linkClose
                i = end
                plain = end
            } else {
                i += 1
            }
        }
        escape(b, plain..<r.upperBound, into: &out)
    }

    /// If an `http://` or `https://` URL with a host starts at `start` (and not in the
    /// middle of a word), where it ends; else nil.
    private static func urlEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int, in r: Range<Int>) -> Int? {
        if start > r.lowerBound, endsWithWordScalar(b, before: start, from: r.lowerBound) { return nil }
        guard let prefix = urlPrefixes.first(where: { p in
            start + p.count <= r.upperBound && p.indices.allSatisfy { k in
                let c = b[start + k]
                return c == p[k] || (p[k] >= 0x61 && p[k] <= 0x7A && c == p[k] - 0x20)
            }
        }) else { return nil }
        let afterScheme = start + prefix.count
        var end = afterScheme
        while end < r.upperBound, isURLByte(b[end]) { end += 1 }
        // Trailing punctuation belongs to the sentence, not the URL; a closing
        // parenthesis stays when the URL opened one.
        while end > afterScheme {
            let last = b[end - 1]
            if trailing.contains(last) { end -= 1; continue }
            if last == 0x29 {
                var opens = 0, closes = 0
                for k in start..<end { if b[k] == 0x28 { opens += 1 } else if b[k] == 0x29 { closes += 1 } }
                if closes > opens { end -= 1; continue }
            }
            break
        }
        // A host is needed: at least one character after the scheme that is not a slash.
        guard end > afterScheme, b[afterScheme] != 0x2F, b[afterScheme] != 0x3F, b[afterScheme] != 0x23 else { return nil }
        return end
    }

    private static let urlPrefixes: [[UInt8]] = [Array("https://".utf8), Array("http://".utf8)]
    private static let trailing = Set(".,;:!?'*".utf8)

    /// Printable ASCII allowed in a URL as people paste it (RFC 3986 characters), apart
    /// from the ones that end a URL in running text or could start markup.
    private static func isURLByte(_ c: UInt8) -> Bool {
        guard c > 0x20, c < 0x7F else { return false }
        switch c {
        case 0x3C, 0x3E, 0x22, 0x60, 0x7B, 0x7D, 0x7C, 0x5C, 0x5E: return false  // < > " ` { } | \ ^
        default: return true
        }
    }

    /// Whether the scalar ending right before `end` is a letter (any script), a digit,
    /// `_`, `/` or `=`: a URL does not start in the middle of a word or of another URL.
    private static func endsWithWordScalar(_ b: UnsafeBufferPointer<UInt8>, before end: Int, from lower: Int) -> Bool {
        let c = b[end - 1]
        if c < 0x80 {
            return (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c == 0x2F || c == 0x3D
        }
        var s = end - 1
        while s > lower, b[s] & 0xC0 == 0x80 { s -= 1 }
        guard let scalar = String(decoding: UnsafeBufferPointer(rebasing: b[s..<end]), as: UTF8.self).unicodeScalars.first else { return false }
        return scalar.properties.isAlphabetic
    }

    /// Appends the bytes escaped for HTML and XML (as ``HTMLEscaping/escape(_:)``):
    /// markup characters as entities, characters XML forbids (C0 and C1 controls but
    /// tab and line ends, U+FFFE, U+FFFF) dropped.
    private static func escape(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, into out: inout [UInt8]) {
        var i = r.lowerBound
        while i < r.upperBound {
            let c = b[i]
            switch c {
            case 0x26: out += amp
            case 0x3C: out += lt
            case 0x3E: out += gt
            case 0x22: out += quot
            case 0x27: out += apos
            case 0x09, 0x0A, 0x0D, 0x20...0x7E: out.append(c)
            case 0x00...0x1F, 0x7F: break
            case 0xC2 where i + 1 < r.upperBound && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F:
                i += 2
                continue
            case 0xEF where i + 2 < r.upperBound && b[i + 1] == 0xBF && (b[i + 2] == 0xBE || b[i + 2] == 0xBF):
                i += 3
                continue
            default: out.append(c)
            }
            i += 1
        }
    }

    private static let amp = Array("&amp;".utf8), lt = Array("&lt;".utf8), gt = Array("&gt;".utf8)
    private static let quot = Array("&quot;".utf8), apos = Array("&#39;".utf8)
}
