// Any charset is decoded to UTF-8 (SPEC, step 4): bodies in every transfer encoding and
// RFC 2047 encoded-word headers, in real encoded bytes (Fixtures/charsets, made by
// scripts/make-charset-fixtures.py with Python's codecs, independently of GMime and iconv).

import Foundation
import ParleyMail
import Testing

@Suite("Charsets")
struct CharsetTests {
    /// One fixture: a reply whose Subject, From display name and body are in `charset`.
    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        var transferEncoding: String
        var subject: String
        var from: String
        var body: String
        var testDescription: String { "\(fixture) (\(transferEncoding) body)" }
    }

    static let cases: [Case] = [
        Case(fixture: "utf-8", transferEncoding: "8bit",
             subject: "Re: Grüße aus Köln — ☕ und 日本語", from: "Jürgen Müller <sender-0@example.net>",
             body: "Schöne Grüße aus Köln!\nDer Kaffee ☕ war großartig — danke.\nEmoji: 🎉 und Mathe: ∑ x² ≤ ∞\n"),
        Case(fixture: "iso-8859-1", transferEncoding: "quoted-printable",
             subject: "Re: Café, crème brûlée et garçon", from: "François Dupré <sender-1@example.net>",
             body: "Voilà : la crème brûlée était parfaite.\nÀ bientôt, señor Núñez, ¿qué tal? ©®±\n"),
        Case(fixture: "iso-8859-15", transferEncoding: "8bit",
             subject: "Re: Prix de l'œuvre : 20 €", from: "Chloé Œuvray <sender-2@example.net>",
             body: "L'œuvre coûte 20 € (vingt euros).\nŠárka et Žofie ont payé 5 €.\n"),
        Case(fixture: "windows-1251", transferEncoding: "base64",
             subject: "Re: Привет из Москвы", from: "Иван Петров <sender-3@example.net>",
             body: "Съешь же ещё этих мягких французских булок, да выпей чаю.\nЁлка, «кавычки» и тире — №5.\n"),
        Case(fixture: "windows-1252", transferEncoding: "quoted-printable",
             subject: "Re: “Smart quotes” cost 5 €", from: "Zoë O’Brien <sender-4@example.net>",
             body: "“Smart quotes” and ‘single ones’ — they cost 5 € … or £4.\nŒuvre, Šimon, ™ and • bullets.\n"),
        Case(fixture: "koi8-r", transferEncoding: "8bit",
             subject: "Re: Ответ на комментарий", from: "Ёжик Туманов <sender-5@example.net>",
             body: "Спасибо за статью, очень интересно!\nЁжик в тумане - лучший мультфильм.\n"),
        Case(fixture: "shift_jis", transferEncoding: "base64",
             subject: "Re: 表示について", from: "山田 太郎 <sender-6@example.net>",
             body: "こんにちは。記事を読みました。\n表示がソフトによって違います。ｶﾀｶﾅ（半角）も。\n"),
        Case(fixture: "iso-2022-jp", transferEncoding: "7bit",
             subject: "Re: 日本語のメール", from: "鈴木 花子 <sender-7@example.net>",
             body: "お世話になっております。\n返信ありがとうございます。カタカナと漢字。\n"),
        Case(fixture: "euc-jp", transferEncoding: "8bit",
             subject: "Re: 東京の天気", from: "佐藤 一郎 <sender-8@example.net>",
             body: "東京は晴れです。\n明日は雨かもしれません。\n"),
        Case(fixture: "euc-kr", transferEncoding: "base64",
             subject: "Re: 답장 감사합니다", from: "김 민수 <sender-9@example.net>",
             body: "안녕하세요, 글 잘 읽었습니다.\n다음 글도 기대하겠습니다.\n"),
        Case(fixture: "gb2312", transferEncoding: "quoted-printable",
             subject: "Re: 你好，世界", from: "王 小明 <sender-10@example.net>",
             body: "谢谢你的文章，写得很好。\n期待下一篇！\n"),
        Case(fixture: "gbk", transferEncoding: "8bit",
             subject: "Re: 朱镕基的讲话", from: "李 镕 <sender-11@example.net>",
             body: "镕字不在GB2312里，但在GBK里。\n另外：喆、堃。\n"),
        Case(fixture: "gb18030", transferEncoding: "base64",
             subject: "Re: 欢迎 😀", from: "张 𠮷 <sender-12@example.net>",
             body: "欢迎！😀 表情符号需要四字节编码。\n蒙古文：ᠮᠣᠩᠭᠣᠯ\n"),
        Case(fixture: "big5", transferEncoding: "quoted-printable",
             subject: "Re: 許功蓋的問題", from: "陳 大文 <sender-13@example.net>",
             body: "繁體中文：謝謝您的回覆。\n許功蓋這些字的第二個位元組是反斜線。\n"),
    ]

    @Test("Body, Subject and From display name decode to the exact text", arguments: cases)
    func decodesCharset(_ c: Case) throws {
        let mail = try Self.load(c.fixture)
        #expect(mail.header("Subject") == c.subject)
        #expect(mail.header("From") == c.from)
        #expect(mail.text == c.body)
    }

    // MARK: Labels that are missing, unknown or wrong

    @Test("An unknown charset label reads UTF-8 bytes as UTF-8")
    func unknownLabelUTF8() throws {
        let mail = try Self.load("unknown-label-utf8")
        #expect(mail.text == "Grüße aus Köln ☕\n")
        #expect(mail.header("Subject") == "Grüße ☕")
        #expect(mail.header("From") == "Jürgen <j@example.de>")
    }

    @Test("An unknown charset label reads other bytes as windows-1252")
    func unknownLabelLatin1() throws {
        let mail = try Self.load("unknown-label-latin1")
        #expect(mail.text == "Grüße aus Köln, café\n")
        #expect(mail.header("Subject") == "Grüße")
        #expect(mail.header("From") == "Jürgen <j@example.de>")
    }

    @Test("UTF-8 behind an ISO-8859-1 label is read as UTF-8, not as mojibake")
    func utf8LabelledLatin1() throws {
        let mail = try Self.load("lying-latin1-is-utf8")
        #expect(mail.text == "Grüße aus Köln — ☕ 日本\n")
        #expect(mail.header("Subject") == "Grüße — ☕")
        #expect(mail.header("From") == "Jürgen Müller <j@example.de>")
    }

    @Test("windows-1252 behind a UTF-8 label is read as windows-1252, not as U+FFFD")
    func cp1252LabelledUTF8() throws {
        let mail = try Self.load("lying-utf8-is-cp1252")
        #expect(mail.text == "“Quotes” cost 5 € — café\n")
        #expect(mail.header("Subject") == "“Quotes” cost 5 €")
        #expect(mail.header("From") == "Zoë O’Brien <zoe@example.ie>")
    }

    @Test("Raw 8-bit header bytes without encoded-words", arguments: ["raw-header-utf8", "raw-header-latin1"])
    func rawHeaderBytes(_ fixture: String) throws {
        let mail = try Self.load(fixture)
        #expect(mail.header("From") == "Jürgen Müller <j@example.de>")
        #expect(mail.header("Subject")?.hasPrefix("Grüße aus Köln") == true)
        #expect(mail.text?.hasPrefix("Danke") == true)
        #expect(mail.text?.contains("\u{FFFD}") == false)
    }

    // MARK: Parameters and format=flowed

    @Test("RFC 2231 file names: charset, percent-encoding and continuations")
    func rfc2231FileNames() throws {
        let mail = try Self.load("rfc2231-filenames")
        #expect(mail.text == "Two files attached.")
        #expect(mail.parts.map(\.filename) == [nil, "€ Preise für 2026.pdf", "Grüße aus Köln.txt"])
        #expect(mail.parts.last?.text == "Grüße")
    }

    @Test("format=flowed joins soft line breaks, unstuffs, keeps quotes and the signature line")
    func formatFlowed() throws {
        let mail = try Self.load("flowed")
        #expect(mail.text == """
            This paragraph was softly wrapped by the client at about seventy columns, and it ends here.

            From a space-stuffed line.

            > A quoted line that flows on.
            -- \nAna

            """)
    }

    @Test("format=flowed with DelSp=yes removes the space it added at each soft break")
    func formatFlowedDelSp() throws {
        let mail = try Self.load("flowed-delsp")
        #expect(mail.text == "日本語の長い文章は途中で折り返されます。\nSplit in the middle of a word.\n")
    }

    // MARK: Encoded-word edge cases

    @Test("Encoded-words: adjacent words join, split multi-byte characters survive, oddities stay readable",
          arguments: [
              // §6.2: the space between two encoded-words is not part of the text.
              ("=?utf-8?Q?Gr=C3=BC?= =?utf-8?Q?=C3=9Fe?=", "Grüße"),
              // One character's bytes split across two words (common, though not allowed by §5).
              ("=?utf-8?B?5pel?= =?utf-8?B?5pys?=", "日本"),
              // Text around words, a word glued to text, a language suffix (RFC 2231 §5).
              ("Re:=?utf-8?Q?caf=C3=A9?= und =?utf-8*de?Q?K=C3=B6ln?=", "Re:café und Köln"),
              // Lower-case encoding letters and missing base64 padding.
              ("=?UTF-8?b?R3LDvMOfZQ?=", "Grüße"),
              // Not encoded-words: left as written.
              ("=?utf-8?X?abc?= and =?utf-8?Q?no end", "=?utf-8?X?abc?= and =?utf-8?Q?no end"),
          ])
    func encodedWordEdgeCases(_ raw: String, _ expected: String) {
        let message = "From: a@example.org\r\nSubject: \(raw)\r\n\r\nbody\r\n"
        #expect(MailParser.parse(Array(message.utf8)).header("Subject") == expected)
    }

    @Test("A folded header is unfolded")
    func foldedHeader() {
        let message = "From: a@example.org\r\nSubject: one\r\n two\r\n\t=?utf-8?Q?dr=C3=A9i?=\r\n\r\nbody\r\n"
        #expect(MailParser.parse(Array(message.utf8)).header("Subject") == "one two\tdréi")
    }

    static func load(_ name: String) throws -> ParsedMail {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/charsets/\(name).eml")
        return MailParser.parse([UInt8](try Data(contentsOf: url)))
    }
}
