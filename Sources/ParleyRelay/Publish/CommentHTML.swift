/// Renders a comment's plain text as HTML: every character escaped, paragraphs at blank
/// lines, `<br>` at single line breaks, and http(s) URLs made into links marked
/// `rel="nofollow ugc"` (so that search engines give commenters' links no credit).
///
/// Nothing but `<p>`, `<br>` and `<a href="http(s)://…" rel="nofollow ugc">` is ever
/// produced; everything a commenter writes ends up as text.
public enum CommentHTML {
    /// The HTML of a comment body.
    public static func render(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        var paragraphs: [[Substring]] = []
        var current: [Substring] = []
        for line in lines {
            if line.allSatisfy({ $0.isWhitespace }) {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs.map { lines in
            "<p>" + lines.map { linkify(String($0)) }.joined(separator: "<br>\n") + "</p>"
        }.joined(separator: "\n")
    }

    /// Escapes a line, turning each http(s) URL in it into a link.
    static func linkify(_ line: String) -> String {
        var out = ""
        let scalars = Array(line.unicodeScalars)
        var i = 0
        var plainStart = 0
        while i < scalars.count {
            if let end = urlEnd(scalars, from: i) {
                out += HTMLEscaping.escape(String(String.UnicodeScalarView(scalars[plainStart..<i])))
                let url = HTMLEscaping.escape(String(String.UnicodeScalarView(scalars[i..<end])))
                out += "<a href=\"\(url)\" rel=\"nofollow ugc\">\(url)</a>"
                i = end
                plainStart = end
            } else {
                i += 1
            }
        }
        out += HTMLEscaping.escape(String(String.UnicodeScalarView(scalars[plainStart...])))
        return out
    }

    /// If an `http://` or `https://` URL with a host starts at `start` (and not in the
    /// middle of a word), where it ends; else nil.
    static func urlEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        // Every URL starts with an h (any case): other positions are passed at once. This
        // was called for every character with two arrays built each time (600 µs per
        // comment: a 10,000-comment page took 6 s to write).
        guard s[start] == "h" || s[start] == "H" || (s[start].value > 0x7F && s[start].properties.lowercaseMapping == "h") else { return nil }
        if start > 0, isWordScalar(s[start - 1]) { return nil }
        guard let prefix = urlPrefixes.first(where: { p in
            start + p.count <= s.count && zip(p, s[start..<(start + p.count)]).allSatisfy { a, b in
                a == b || (b.properties.isUppercase && b.properties.lowercaseMapping == String(a))
            }
        }) else { return nil }
        var end = start + prefix.count
        while end < s.count, isURLScalar(s[end]) { end += 1 }
        // Trailing punctuation belongs to the sentence, not the URL; a closing
        // parenthesis stays when the URL opened one.
        while end > start + prefix.count {
            let last = s[end - 1]
            if ".,;:!?'*".unicodeScalars.contains(last) { end -= 1; continue }
            if last == ")" {
                let opens = s[start..<end].filter { $0 == "(" }.count
                let closes = s[start..<end].filter { $0 == ")" }.count
                if closes > opens { end -= 1; continue }
            }
            break
        }
        // A host is needed: at least one character after the scheme that is not a slash.
        let afterScheme = s[(start + prefix.count)..<end]
        guard let first = afterScheme.first, first != "/", first != "?", first != "#" else { return nil }
        return end
    }

    private static let urlPrefixes: [[Unicode.Scalar]] = [Array("https://".unicodeScalars), Array("http://".unicodeScalars)]

    /// Printable ASCII allowed in a URL as people paste it (RFC 3986 characters), apart
    /// from the ones that end a URL in running text or could start markup.
    static func isURLScalar(_ c: Unicode.Scalar) -> Bool {
        guard c.value > 0x20, c.value < 0x7F else { return false }
        return !"<>\"`{}|\\^ ".unicodeScalars.contains(c)
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "/" || c == "="
    }
}
