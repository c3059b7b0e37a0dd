import ParleyRelay
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
}
