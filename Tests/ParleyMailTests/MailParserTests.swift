// The GMime façade's own contract: which header fields a message reports, mbox separator
// lines, line endings and charsets on the fast paths `parley-bench mail` depends on.

@testable import ParleyMail
import Testing

@Suite("MailParser")
struct MailParserTests {
    private static func parse(_ text: String) -> ParsedMail {
        MailParser.parse(Array(text.utf8))
    }

    /// Every top-level field, in order, with the Content-* fields among them (GMime's
    /// GMimeMessage would keep those on its MIME part and leave them out).
    @Test func topLevelHeadersIncludeContentFields() {
        let mail = Self.parse("""
            From: Anna <anna@example.net>\r
            Subject: Re: hello\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8; format=flowed\r
            Content-Language: de\r
            Content-Transfer-Encoding: 8bit\r
            X-Mailer: Test\r
            \r
            Hallo\r

            """)
        #expect(mail.headers.map(\.name) == [
            "From", "Subject", "MIME-Version", "Content-Type", "Content-Language", "Content-Transfer-Encoding", "X-Mailer",
        ])
        #expect(mail.header("content-type") == "text/plain; charset=utf-8; format=flowed")
        #expect(mail.contentType == "text/plain")
        #expect(mail.parameters["format"] == "flowed")
        #expect(mail.text == "Hallo\n")
    }

    /// An mbox "From " separator line is not a header and does not hide the ones after it.
    @Test func mboxSeparatorLineIsSkipped() {
        let mail = Self.parse("From sender@example.net Tue Mar  3 10:00:00 2026\nFrom: A <a@example.net>\nSubject: Re: hi\n\nHello there\n")
        #expect(mail.headers.map(\.name) == ["From", "Subject"])
        #expect(mail.header("Subject") == "Re: hi")
        #expect(mail.text == "Hello there\n")
    }

    /// Folded values are unfolded and trimmed; the space after the colon is not kept.
    @Test func foldedAndPaddedValues() {
        let mail = Self.parse("From: a@example.net\nSubject:   Re: a long\n\tsubject  \nReferences: <a@x>\n <b@x>\n\nx\n")
        #expect(mail.header("Subject") == "Re: a long\tsubject")
        #expect(mail.header("References") == "<a@x> <b@x>")
    }

    /// Line endings become LF whatever the charset path: UTF-8 checked in place, a
    /// single-byte charset through iconv, and lone CRs too.
    @Test(arguments: [
        ("utf-8", [0x47, 0x72, 0xC3, 0xBC, 0xC3, 0x9F, 0x65, 0x0D, 0x0A, 0x7A, 0x77, 0x65, 0x69, 0x0D, 0x64, 0x72, 0x65, 0x69, 0x0D, 0x0A] as [UInt8]),
        ("iso-8859-1", [0x47, 0x72, 0xFC, 0xDF, 0x65, 0x0D, 0x0A, 0x7A, 0x77, 0x65, 0x69, 0x0D, 0x64, 0x72, 0x65, 0x69, 0x0D, 0x0A] as [UInt8]),
    ])
    func lineEndingsOnEveryPath(charset: String, body: [UInt8]) {
        let head = Array("From: a@example.net\r\nSubject: x\r\nContent-Type: text/plain; charset=\(charset)\r\n\r\n".utf8)
        let mail = MailParser.parse(head + body)
        #expect(mail.text == "Grüße\nzwei\ndrei\n")
    }

    /// A body that is not UTF-8 under a UTF-8 label is still read (as windows-1252), and
    /// an ISO-2022-JP body, 7-bit but stateful, is converted rather than taken as ASCII.
    @Test func mislabelledAndStatefulBodies() {
        let latin = MailParser.parse(Array("From: a@example.net\nContent-Type: text/plain; charset=utf-8\n\n".utf8) + [0x5A, 0x6F, 0xEB, 0x0A])
        #expect(latin.text == "Zoë\n")
        let jis: [UInt8] = [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x1B, 0x28, 0x42, 0x0D, 0x0A]  // 日本
        let japanese = MailParser.parse(Array("From: a@example.net\nContent-Type: text/plain; charset=ISO-2022-JP\n\n".utf8) + jis)
        #expect(japanese.text == "日本\n")
    }

    /// `HTMLText.text` is `HTMLText.convert(…).text` without rendering the removed quote:
    /// same text for a top-posted Gmail reply, an Outlook reply header, an interleaved reply
    /// and a bottom-posted one, with and without quote removal.
    @Test(arguments: [
        "<div dir=\"ltr\">Thanks!<div><br></div><div>Olu</div></div><br><div class=\"gmail_quote\"><div class=\"gmail_attr\">On Tue, Talk wrote:<br></div><blockquote class=\"gmail_quote\"><div>old text</div></blockquote></div>",
        "<p class=\"MsoNormal\">Regards<o:p></o:p></p><div id=\"divRplyFwdMsg\"><hr><b>From:</b> Talk<br><b>Sent:</b> Tuesday</div><div><p>old</p></div>",
        "<blockquote type=\"cite\">question one</blockquote><p>answer one</p><blockquote type=\"cite\">question two</blockquote><p>answer two</p>",
        "<blockquote type=\"cite\">the post</blockquote><p>my answer below</p>",
        "<p>no quote at all, &nbsp;just&#160;text</p>",
    ])
    func htmlTextIsConvertText(html: String) {
        #expect(HTMLText.text(html) == HTMLText.convert(html).text)
        #expect(HTMLText.text(html, removingQuotes: false) == HTMLText.convert(html, removingQuotes: false).text)
    }
}

/// Mail whose lines end in a bare CR (issue 18).
struct BareCRTests {
    @Test("a reply with bare-CR line endings reads like any other: headers, text, the new words")
    func bareCR() throws {
        let raw = Array(("From: Ann Reader <ann@example.org>\rTo: talk+abc@example.org\rSubject: Re: On letters\r"
            + "Content-Type: text/plain; charset=utf-8\r\rMy answer, from an old Mac.\r\r"
            + "On Mon, 7 Dec 2026 at 09:00, Liz <liz@example.org> wrote:\r> quoted\r> more\r").utf8)
        let mail = MailParser.parse(raw)
        #expect(mail.header("From") == "Ann Reader <ann@example.org>")
        #expect(mail.header("Subject") == "Re: On letters")
        #expect(ReplyExtractor.extract(mail.text ?? "").text == "My answer, from an old Mac.")
        // A CRLF message with a stray CR inside a line is left alone.
        let crlf = Array("From: a@example.org\r\nSubject: x\r\n\r\nOne\rstill one line\r\n".utf8)
        #expect(MailParser.withBareCRAsLF(crlf) == nil)
    }
}
