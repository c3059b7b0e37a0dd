import ParleyMail

/// Text as feeds carry it: titles and excerpts as plain text, whatever the markup.
enum FeedText {
    /// How many words an excerpt keeps.
    static let excerptWords = 60

    /// Whitespace runs (Unicode's White_Space, which includes no-break and ideographic
    /// spaces) made one space, trimmed. On the UTF-8 bytes: asking each scalar for its
    /// properties was a fifth of reading a feed.
    static func collapsed(_ s: String) -> String {
        var text = s
        return text.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var space = false
            var i = 0
            let n = bytes.count
            while i < n {
                let width = whitespaceWidth(bytes, i)
                if width > 0 {
                    space = !out.isEmpty
                    i += width
                    continue
                }
                if space { out.append(0x20); space = false }
                out.append(bytes[i])
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The length of the white space character starting at `i`, or 0.
    @inline(__always)
    private static func whitespaceWidth(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = b[i]
        if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return 1 }
        if c < 0xC2 { return 0 }
        let n = b.count
        if c == 0xC2, i + 1 < n, b[i + 1] == 0xA0 || b[i + 1] == 0x85 { return 2 }   // U+00A0, U+0085
        guard i + 2 < n else { return 0 }
        let c1 = b[i + 1], c2 = b[i + 2]
        switch c {
        case 0xE1: return c1 == 0x9A && c2 == 0x80 ? 3 : 0                          // U+1680
        case 0xE2:
            if c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF) { return 3 }  // U+2000–200A, 2028, 2029, 202F
            return c1 == 0x81 && c2 == 0x9F ? 3 : 0                                 // U+205F
        case 0xE3: return c1 == 0x80 && c2 == 0x80 ? 3 : 0                          // U+3000
        default: return 0
        }
    }

    /// Whether a text holds markup or an entity that HTML would turn into something else.
    static func looksLikeHTML(_ s: String) -> Bool {
        var previous: UInt8 = 0
        for b in s.utf8 {
            if previous == UInt8(ascii: "<"), (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "/") || b == UInt8(ascii: "!") { return true }
            if b == UInt8(ascii: "&") { return true }
            previous = b
        }
        return false
    }

    /// HTML made plain text (tags gone, entities decoded, blocks separated), collapsed.
    static func fromHTML(_ html: String) -> String {
        guard looksLikeHTML(html) else { return collapsed(html) }
        return collapsed(HTMLText.textAndLinks(html).text)
    }

    /// Plain text and links of an HTML fragment.
    static func textAndLinks(_ html: String) -> (text: String, links: [String]) {
        HTMLText.textAndLinks(html)
    }

    /// The first ``excerptWords`` words of a plain text, with "…" when some were cut.
    static func excerpt(_ text: String) -> String? {
        var c = collapsed(text)
        guard !c.isEmpty else { return nil }
        // Words are separated by single spaces now: cut at the 60th.
        let cut: Int? = c.withUTF8 { bytes in
            var words = 0
            for (i, b) in bytes.enumerated() where b == 0x20 {
                words += 1
                if words == excerptWords { return i }
            }
            return nil
        }
        guard let cut else { return c }
        return c.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[..<cut]), as: UTF8.self) } + "…"
    }
}
