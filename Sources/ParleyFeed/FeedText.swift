import ParleyMail

/// Text as feeds carry it: titles and excerpts as plain text, whatever the markup.
enum FeedText {
    /// How many words an excerpt keeps.
    static let excerptWords = 60

    /// Whitespace runs (any Unicode white space) made one space, trimmed.
    static func collapsed(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var space = false
        for ch in s.unicodeScalars {
            if ch.properties.isWhitespace {
                space = !out.isEmpty
            } else {
                if space { out.unicodeScalars.append(" "); space = false }
                out.unicodeScalars.append(ch)
            }
        }
        return out
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
        let c = collapsed(text)
        guard !c.isEmpty else { return nil }
        var words = 0
        var index = c.startIndex
        for i in c.indices where c[i] == " " {
            words += 1
            if words == excerptWords {
                index = i
                return String(c[c.startIndex..<index]) + "…"
            }
        }
        return c
    }
}
