import Foundation
import Testing
@testable import ParleyMail
import ParleyTesting

/// Reads the HTML reply fixtures in `Fixtures/html/`.
private enum HTMLFixture {
    /// Every `NAME.html` fixture that has a `NAME.expected.txt` beside it.
    static let replies = [
        "gmail-web",
        "gmail-mobile-de",
        "outlook-desktop-fr",
        "outlook-desktop-classic",
        "outlook-web",
        "apple-mail",
        "apple-mail-attribution-outside",
        "ios-mail-ru",
        "thunderbird",
        "thunderbird-bottom-post",
        "thunderbird-forward",
        "yahoo",
        "protonmail-ja",
        "k9",
        "zoho",
    ]

    static func url(_ fileName: String) throws -> URL {
        let resources = try #require(Bundle.module.resourceURL)
        return resources.appendingPathComponent("Fixtures/html/\(fileName)")
    }

    static func read(_ fileName: String) throws -> String {
        try String(contentsOf: url(fileName), encoding: .utf8)
    }
}

@Suite("HTMLText: client replies")
struct HTMLTextClientReplyTests {
    @Test("converts the new text of a client's HTML reply exactly", arguments: HTMLFixture.replies)
    func newTextMatchesExpected(name: String) throws {
        let html = try HTMLFixture.read("\(name).html")
        var expected = try HTMLFixture.read("\(name).expected.txt")
        while expected.hasSuffix("\n") { expected.removeLast() }

        let result = HTMLText.convert(html)
        #expect(result.text == expected)
        #expect(!result.quoted.isEmpty, "the quoted original should have been found")
    }

    @Test("keeps everything, quote included, when not removing quotes", arguments: HTMLFixture.replies)
    func keepingQuotes(name: String) throws {
        let html = try HTMLFixture.read("\(name).html")
        let stripped = HTMLText.convert(html)
        let full = HTMLText.convert(html, removingQuotes: false)
        #expect(full.quoted.isEmpty)
        #expect(full.text.count > stripped.text.count)
        // Every line of the new text is still there.
        for line in stripped.text.split(separator: "\n") {
            #expect(full.text.contains(line))
        }
    }

    @Test func gmailQuoteGoesToQuoted() throws {
        let result = HTMLText.convert(try HTMLFixture.read("gmail-web.html"))
        #expect(result.quoted.contains("On Tue, Mar 12, 2024 at 10:15 AM Anna Lindqvist <anna@example.com> wrote:"))
        #expect(result.quoted.contains("New comment on \"Faster Swift builds\":"))
        #expect(result.quoted.contains("Tom Becker"), "the elided signature is reported too")
        #expect(!result.text.contains("Tom Becker"))
    }

    @Test func outlookHeaderCutsToTheEndOfTheDocument() throws {
        let result = HTMLText.convert(try HTMLFixture.read("outlook-desktop-classic.html"))
        #expect(!result.text.contains("original"))
        #expect(result.quoted.contains("From: Parley [mailto:reply+beef@parley.example]"))
        #expect(result.quoted.contains("This paragraph is after the quoted block but still part of the original."))
    }

    @Test func bottomPostedReplyKeepsTextAfterTheQuote() throws {
        let result = HTMLText.convert(try HTMLFixture.read("thunderbird-bottom-post.html"))
        #expect(result.quoted.contains("Am 12.03.24 um 10:15 schrieb Parley:"))
        #expect(result.quoted.contains("Warum nicht einfach UTC überall?"))
    }
}

/// One quote-structure rule: a minimal body in the client's shape, and the expected new text.
struct QuoteRuleCase: Sendable, CustomTestStringConvertible {
    let client: String
    let html: String
    let text: String

    var testDescription: String { client }

    static let all: [QuoteRuleCase] = [
        QuoteRuleCase(client: "blockquote.gmail_quote alone",
                      html: #"<div>New</div><blockquote class="gmail_quote">old</blockquote><div>old too</div>"#,
                      text: "New"),
        QuoteRuleCase(client: "div.gmail_attr alone",
                      html: #"<div>New</div><div class="gmail_attr">On Mon, 1 Jan 2024 X wrote:</div><div>old</div>"#,
                      text: "New"),
        QuoteRuleCase(client: "blockquote[type=cite] with inline attribution",
                      html: "New<br><br>On 1 Jan 2024, at 10:00, X &lt;<a href=\"mailto:x@example.com\">x@example.com</a>&gt; wrote:<br><br><blockquote type=\"cite\">old</blockquote>",
                      text: "New"),
        QuoteRuleCase(client: "text ending in a colon without a date is not an attribution",
                      html: #"<div>Here is what I mean:</div><blockquote type="cite">old</blockquote>"#,
                      text: "Here is what I mean:"),
        QuoteRuleCase(client: "Thunderbird moz-cite-prefix",
                      html: #"<p>New</p><div class="moz-cite-prefix">On 01/01/2024 10:00, X wrote:<br></div><p>old</p>"#,
                      text: "New"),
        QuoteRuleCase(client: "Outlook divRplyFwdMsg without appendonsend",
                      html: #"<div><div>New</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> X<br><b>Sent:</b> Y</div></div><div>old</div>"#,
                      text: "New"),
        QuoteRuleCase(client: "Outlook hr followed by a From:/Sent: header",
                      html: "<div>New</div><hr><div><b>Von:</b> X<br><b>Gesendet:</b> Y<br><b>An:</b> Z</div><div>old</div>",
                      text: "New"),
        QuoteRuleCase(client: "Outlook border-top header in another colour",
                      html: #"<p class="MsoNormal">New</p><div style="border:none; border-top:solid #CCCCCC 1pt"><p><b>From:</b> X<br><b>Sent:</b> Y</p></div><p>old</p>"#,
                      text: "New"),
        QuoteRuleCase(client: "a border-top div that is no reply header stays",
                      html: #"<div>New</div><div style="border-top: solid #ccc 1px">Footnote 1</div>"#,
                      text: "New\nFootnote 1"),
        QuoteRuleCase(client: "Outlook 2003 OutlookMessageHeader",
                      html: #"<div><font>New</font></div><div class="OutlookMessageHeader" lang="en-us" dir="ltr" align="left"><hr tabindex="-1"><b>From:</b> X</div><div>old</div>"#,
                      text: "New"),
        QuoteRuleCase(client: "Yahoo id only",
                      html: #"<div>New</div><div id="yahoo_quoted_1234567890"><div>old</div></div>"#,
                      text: "New"),
        QuoteRuleCase(client: "ProtonMail blockquote only",
                      html: #"<div>New</div><blockquote class="protonmail_quote">old</blockquote>"#,
                      text: "New"),
        QuoteRuleCase(client: "Zoho zmail_extra",
                      html: #"<div>New</div><div class="zmail_extra"><blockquote>old</blockquote></div>"#,
                      text: "New"),
        QuoteRuleCase(client: "gmail_signature without quote",
                      html: #"<div>New</div><div class="gmail_signature">Sig</div>"#,
                      text: "New"),
        QuoteRuleCase(client: "interleaved answers keep every answer",
                      html: #"<div class="moz-cite-prefix">On 1/1/2024 10:00, X wrote:</div><blockquote type="cite">Question one?</blockquote><p>Answer one.</p><blockquote type="cite">Question two?</blockquote><p>Answer two.</p>"#,
                      text: "Answer one.\n\nAnswer two."),
        QuoteRuleCase(client: "quote only",
                      html: #"<blockquote type="cite">old</blockquote>"#,
                      text: ""),
    ]
}

@Suite("HTMLText: quote rules")
struct HTMLTextQuoteRuleTests {
    @Test(arguments: QuoteRuleCase.all)
    func rule(_ rule: QuoteRuleCase) {
        #expect(HTMLText.convert(rule.html).text == rule.text)
        // The text-only entry point strips on the tree itself and undoes its changes.
        #expect(HTMLText.text(rule.html) == rule.text)
    }
}

@Suite("HTMLText: conversion rules")
struct HTMLTextConversionTests {
    @Test func paragraphsAndLineBreaks() {
        let html = "<p>First   paragraph\n  continues.</p><p>Second<br>line two<br></p><div>div one</div><div>div two</div>"
        #expect(HTMLText.convert(html).text == "First paragraph continues.\n\nSecond\nline two\n\ndiv one\ndiv two")
    }

    @Test func nestedLists() {
        let html = """
        <ul>
          <li>fruit
            <ul><li>apple</li><li>pear<ol><li>conference</li><li>williams</li></ol></li></ul>
          </li>
          <li>veg</li>
        </ul>
        <ol start="4"><li>four</li><li>five<br>continued</li></ol>
        """
        let expected = """
        - fruit
          - apple
          - pear
            1. conference
            2. williams
        - veg
        4. four
        5. five
           continued
        """
        #expect(HTMLText.convert(html).text == expected)
    }

    @Test func preformattedTextKeepsWhitespace() {
        let html = "<p>Try this:</p><pre>\nfunc f() {\n    return  1\n}\n</pre><p>done</p>"
        #expect(HTMLText.convert(html).text == "Try this:\n\nfunc f() {\n    return  1\n}\n\ndone")
    }

    @Test func entitiesAreDecoded() {
        let html = "<p>&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39; &eacute;&#x263A;&nbsp;&mdash;&nbsp;caf&#233;</p>"
        #expect(HTMLText.convert(html).text == "<b> & \"q\" 's' é☺ — café")
    }

    @Test func linksKeepDifferentURLs() {
        let html = """
        <p><a href="https://example.com/post/42">the post</a>, <a href="https://example.com/">example.com</a>, \
        <a href="mailto:me@example.com">me@example.com</a>, <a href="mailto:me@example.com">write me</a>, \
        <a href="javascript:alert(1)">js</a>, <a href="/relative">rel</a></p>
        """
        #expect(HTMLText.convert(html).text
            == "the post <https://example.com/post/42>, example.com, me@example.com, write me <mailto:me@example.com>, js, rel")
    }

    @Test func droppedElements() {
        let html = """
        <html><head><title>Title</title><style>p { color: red }</style></head>
        <body><script>var x = 1;</script><p>Visible <img src="cid:logo" alt="Logo"> text</p>
        <div style="display: none">preheader</div></body></html>
        """
        #expect(HTMLText.convert(html).text == "Visible text")
    }

    @Test func keptBlockquoteIsMarked() {
        let html = "<p>As you wrote:</p><blockquote><p>one</p><p>two</p></blockquote><p>Indeed.</p>"
        #expect(HTMLText.convert(html).text == "As you wrote:\n\n> one\n>\n> two\n\nIndeed.")
    }

    @Test func atMostOneBlankLine() {
        let html = "<div>a</div><div><br></div><div><br></div><div><br></div><p>&nbsp;</p><div>b&nbsp;&nbsp;</div>"
        #expect(HTMLText.convert(html).text == "a\n\nb")
    }

    @Test func metaCharsetIsIgnored() {
        let html = #"<html><head><meta charset="windows-1252"></head><body>Grüße — ½</body></html>"#
        #expect(HTMLText.convert(html).text == "Grüße — ½")
    }

    @Test func malformedHTML() {
        let html = "<div>one<p>two<b>bold <i>both</b> italic?</div></div></div><span>three<li>item</table>"
        let text = HTMLText.convert(html).text
        #expect(text.contains("one"))
        #expect(text.contains("two"))
        #expect(text.contains("bold both italic?"))
        #expect(text.contains("three"))
        #expect(text.contains("- item"))
    }

    @Test func strayClosingTagsAndUnclosedComment() {
        #expect(HTMLText.convert("</div></p>hello</span></div> world").text == "hello world")
        #expect(HTMLText.convert("before<!-- never closed").text == "before")
    }

    @Test(arguments: ["", " ", "\n\n", "<html></html>", "<br><br>", "<!-- only a comment -->"])
    func emptyInput(html: String) {
        let result = HTMLText.convert(html)
        #expect(result.text == "")
        #expect(result.quoted == "")
    }

    @Test func plainTextInput() {
        #expect(HTMLText.convert("just some text,\nno tags").text == "just some text, no tags")
    }

    @Test func signatureSeparator() {
        let html = "<div>See you<br>-- <br>Alex<br>alex.example</div>"
        let result = HTMLText.convert(html)
        #expect(result.text == "See you")
        #expect(result.quoted == "--\nAlex\nalex.example")
    }

    @Test func quotedIsEmptyWithoutQuote() {
        let result = HTMLText.convert("<p>Hello</p>")
        #expect(result == (text: "Hello", quoted: ""))
    }

    /// libxml2 stops building the tree at nesting depth 256 (its HTML parser takes no
    /// `XML_PARSE_HUGE`), so only the text before the deep part survives; what matters here is
    /// that the parse, the copy and the walks neither take long nor overflow the stack.
    @Test func deeplyNestedDivsAreBoundedInTimeAndStack() {
        let depth = (1 << 20) / 11
        let html = "<p>before</p>" + String(repeating: "<div>", count: depth) + "deep"
            + String(repeating: "</div>", count: depth) + "<p>after</p>"
        let clock = ContinuousClock()
        let started = clock.now
        let result = HTMLText.convert(html)
        #expect(result.text.hasPrefix("before"))
        #expect(clock.now - started < .seconds(20))
    }

    @Test func nestingDeeperThanTheFlatteningDepthKeepsText() {
        let depth = 240 // beyond HTMLDocumentParser.maximumDepth, within libxml2's own limit
        let html = String(repeating: "<div><span>", count: depth / 2) + "deep text" + String(repeating: "</span></div>", count: depth / 2)
            + "<p>after</p>"
        #expect(HTMLText.convert(html).text == "deep text\n\nafter")
    }

    @Test func binaryGarbageDoesNotCrash() {
        var generator = SplitMix64(seed: 0x5EED)
        for length in [1, 17, 4096, 300_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let html = String(decoding: bytes, as: UTF8.self)
            let result = HTMLText.convert(html)
            #expect(!result.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        }
        _ = HTMLText.convert("<p>\u{0}nul\u{0}</p><\u{0}div>")
    }

    @Test func concurrentConversions() async {
        let html = "<div dir=\"ltr\">Parallel</div><div class=\"gmail_quote\">old</div>"
        await withTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask { HTMLText.convert(html).text }
            }
            for await text in group {
                #expect(text == "Parallel")
            }
        }
    }
}
