import Foundation
import ParleyRelay
import ParleyTesting
import Testing

@Suite("Comment HTML")
struct CommentHTMLTests {
    @Test("paragraphs at blank lines, <br> at single line breaks")
    func paragraphs() {
        let html = CommentHTML.render("First line\nsecond line\n\n\nNew paragraph\r\nwith CRLF\n")
        #expect(html == "<p>First line<br>\nsecond line</p>\n<p>New paragraph<br>\nwith CRLF</p>")
    }

    @Test("every markup character is escaped", arguments: [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("a & b \"c\" 'd'", "<p>a &amp; b &quot;c&quot; &#39;d&#39;</p>"),
        ("&lt;already&gt; &amp;", "<p>&amp;lt;already&amp;gt; &amp;amp;</p>"),
        ("{{body_html}} {{{site}}}", "<p>{{body_html}} {{{site}}}</p>"),
    ])
    func escaping(_ input: String, _ expected: String) {
        #expect(CommentHTML.render(input) == expected)
    }

    @Test("a quote followed by a combining mark is still escaped")
    func combiningMarkAfterQuote() {
        // "\u{301} is one Character; escaping by Character would miss the quote.
        let html = CommentHTML.render("x\"\u{301} onmouseover=alert(1) <\u{338}b>")
        #expect(!html.unicodeScalars.contains("\""))
        #expect(html.unicodeScalars.elementsEqual("<p>x&quot;\u{301} onmouseover=alert(1) &lt;\u{338}b&gt;</p>".unicodeScalars))
    }

    @Test("http(s) URLs become nofollow ugc links; trailing punctuation stays outside")
    func links() {
        #expect(CommentHTML.render("See https://example.org/a?b=1&c=2.")
            == "<p>See <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc\">https://example.org/a?b=1&amp;c=2</a>.</p>")
        #expect(CommentHTML.render("(http://example.org/wiki/Foo_(bar))")
            == "<p>(<a href=\"http://example.org/wiki/Foo_(bar)\" rel=\"nofollow ugc\">http://example.org/wiki/Foo_(bar)</a>)</p>")
    }

    @Test("nothing but http(s) becomes a link", arguments: [
        "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "ftp://example.org/",
        "xhttps://example.org", "https:///nohost", "//example.org/x",
    ])
    func noOtherSchemes(_ input: String) {
        #expect(!CommentHTML.render(input).contains("<a "))
    }

    @Test("a URL ends at a quote or angle bracket, so it cannot leave its attribute")
    func urlCannotBreakOut() {
        let html = CommentHTML.render("https://example.org/\"onmouseover=\"alert(1) https://example.org/<script>")
        #expect(html.contains("href=\"https://example.org/\""))
        #expect(!html.contains("onmouseover=\"alert"))
        #expect(html.contains("&lt;script&gt;"))
    }

    @Test("characters XML forbids are dropped, bidi controls kept as text")
    func controlCharacters() {
        let html = CommentHTML.render("a\u{0}b\u{7}c\u{1B}d \u{202E}evil\u{202C}")
        #expect(html == "<p>abcd \u{202E}evil\u{202C}</p>")
    }

    @Test("empty and whitespace-only text renders as nothing")
    func empty() {
        #expect(CommentHTML.render("") == "")
        #expect(CommentHTML.render(" \n\t\n") == "")
    }

    @Test("escape() is safe in element content and in quoted attributes")
    func escapeFunction() {
        #expect(HTMLEscaping.escape("<a href='x'>\"&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;")
    }

    @Test("the byte-level renderer gives exactly what the scalar-level one gave, on seeded random text mixing URLs, markup, line ends, controls and non-ASCII")
    func sameAsReference() {
        let seed = TestSeed.make("CommentHTML vs reference")
        var rng = SplitMix64(seed: seed)
        let pieces = ["h", "H", "ttp", "https://", "http://", "HTTPS://", "hTtP://", "example.org", "/a", "?q=1&b=2", "#f",
                      ".", ",", ")", "(", "<", ">", "&", "\"", "'", "`", "*", ";", ":", "!", "?", "_", "/", "=", "x", "7",
                      "\n", "\r\n", "\r", "\n\n", " ", "\t", "\u{0B}", "\u{0C}", "\u{A0}", "\u{85}", "\u{2028}", "\u{3000}",
                      "\u{0}", "\u{7}", "\u{1B}", "\u{7F}", "\u{80}", "\u{9F}", "\u{FFFE}", "\u{FFFF}", "\u{FFFD}",
                      "é", "ß", "日本語", "\u{301}", "\u{338}", "\u{202E}", "\u{17F}", "\u{212A}", "Ｈ", "🙂", "👩‍👩‍👧", "Ω"]
        var mismatches: [String] = []
        for _ in 0..<4000 {
            let count = Int.random(in: 0...24, using: &rng)
            let text = (0..<count).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
            if CommentHTML.render(text) != ReferenceCommentHTML.render(text) { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(3).map(\.debugDescription))")
    }
}

/// The scalar-level renderer CommentHTML had before its byte-level rewrite, kept as the
/// reference the rewrite must match.
enum ReferenceCommentHTML {
    /// The HTML of a comment body.
    static func render(_ text: String) -> String {
        // Line ends by scalars. (The old code replaced through NSString, which leaves a CR
        // that a combining mark follows, "\r\u{301}", inside the line: the rewrite ends the
        // line there, as at every CR.)
        var normalized = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                normalized.append("\n")
                previousCR = true
                continue
            }
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            normalized.append(scalar)
        }
        let lines = String(normalized)
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
