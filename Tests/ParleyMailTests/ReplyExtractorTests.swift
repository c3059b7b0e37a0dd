import Foundation
import Testing

@testable import ParleyMail

/// One bare reply body and the text a commenter would expect to see published.
struct ReplyCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let expected: String

    init(_ name: String, _ body: String, _ expected: String) {
        self.name = name
        self.body = body
        self.expected = expected
    }

    var testDescription: String { name }
}

@Suite("Reply extraction")
struct ReplyExtractorTests {
    // MARK: - The shared corpus

    /// `Tests/ParleyMailTests/ReplyExtractorTests.swift` → repository root → `../shared/…`.
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("../shared/corpus/reply-trimming")
        .standardizedFileURL

    // The corpus lives beside the repository on the development machines only; a
    // user's clone has no ../shared, and there the test is reported as skipped.
    @Test("The reply-trimming corpus scores at least 62 of 64",
          .enabled(if: FileManager.default.fileExists(atPath: corpus.path),
                   "needs ../shared/corpus/reply-trimming next to the repository"))
    func corpusScore() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { $0.hasSuffix(".eml") }
            .map { String($0.dropLast(4)) }
            .sorted()
        #expect(names.count == 64)
        var failed: [String] = []
        for name in names {
            let input = try Data(contentsOf: Self.corpus.appendingPathComponent(name + ".eml"))
            let expected = try Data(contentsOf: Self.corpus.appendingPathComponent(name + ".expected.txt"))
            let got = ReplyExtractor.extract(String(decoding: input, as: UTF8.self)).text
            if Self.normalised(got) != Self.normalised(String(decoding: expected, as: UTF8.self)) {
                failed.append(name)
            }
        }
        #expect(names.count - failed.count >= 62, "failed: \(failed.joined(separator: ", "))")
    }

    /// The scorer's normalisation: CRLF/CR → LF, trailing whitespace stripped per line,
    /// runs of blank lines collapsed, leading and trailing blank lines removed.
    static func normalised(_ text: String) -> [String] {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out: [String] = []
        for raw in unified.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            while let last = line.last, last.isWhitespace { line = line.dropLast() }
            if line.isEmpty && (out.last?.isEmpty ?? true) { continue }
            out.append(String(line))
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out
    }

    // MARK: - Attribution lines in many languages

    static let attributions: [ReplyCase] = [
        ReplyCase("English Gmail",
                  "Sounds good.\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Smith <john@example.com> wrote:\n\n> Original\n",
                  "Sounds good."),
        ReplyCase("English Gmail wrapped over three lines",
                  "Sounds good.\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Smith <\njohn.smith@example.com>\nwrote:\n\n> Original\n",
                  "Sounds good."),
        ReplyCase("German Apple Mail, quoted",
                  "Klingt gut.\n\n> Am 01.01.2024 um 10:00 schrieb Hans <hans@example.de>:\n> \n> Text\n",
                  "Klingt gut."),
        ReplyCase("German Thunderbird, no address",
                  "Passt.\n\nAm 01.01.24 um 10:00 schrieb Hans Müller:\n> Text\n",
                  "Passt."),
        ReplyCase("French, non-breaking space before the colon",
                  "Parfait.\n\nLe lun. 1 janv. 2024 à 10:00, Jean <jean@example.fr> a écrit\u{A0}:\n\n> Texte\n",
                  "Parfait."),
        ReplyCase("Spanish",
                  "Perfecto.\n\nEl lun, 1 ene 2024 a las 10:00, Juan (<juan@example.es>) escribió:\n\n> Texto\n",
                  "Perfecto."),
        ReplyCase("Portuguese",
                  "Obrigado.\n\nEm seg., 1 de jan. de 2024 às 10:00, Maria <maria@example.pt> escreveu:\n\n> Texto\n",
                  "Obrigado."),
        ReplyCase("Italian",
                  "Va bene.\n\nIl giorno lun 1 gen 2024 alle ore 10:00 Mario <mario@example.it> ha scritto:\n\n> Testo\n",
                  "Va bene."),
        ReplyCase("Dutch",
                  "Bedankt.\n\nOp ma 1 jan 2024 om 10:00 schreef Jan <jan@example.nl>:\n\n> Tekst\n",
                  "Bedankt."),
        ReplyCase("Swedish",
                  "Tack.\n\nDen mån 1 jan. 2024 kl 10:00 skrev John <john@example.com>:\n\n> Original\n",
                  "Tack."),
        ReplyCase("Danish",
                  "Tak.\n\nDen man. 1. jan. 2024 kl. 10.00 skrev John <john@example.com>:\n\n> Original\n",
                  "Tak."),
        ReplyCase("Polish",
                  "Dzięki.\n\npon., 1 sty 2024 o 10:00 Jan <jan@example.pl> napisał(a):\n\n> Tekst\n",
                  "Dzięki."),
        ReplyCase("Czech",
                  "Díky.\n\npo 1. 1. 2024 v 10:00 odesílatel Jan Novák <jan@example.cz> napsal:\n\n> Text\n",
                  "Díky."),
        ReplyCase("Russian, wrapped",
                  "Да.\n\nпн, 1 янв. 2024 г. в 10:00, Иван <\nivan@example.ru>:\n\n> Текст\n",
                  "Да."),
        ReplyCase("Ukrainian",
                  "Дякую.\n\nпн, 1 січ. 2024 р. о 10:00 Іван <ivan@example.ua> пише:\n\n> Оригінал\n",
                  "Дякую."),
        ReplyCase("Turkish",
                  "Teşekkürler.\n\n1 Oca 2024 Pzt, 10:00 tarihinde John <john@example.com> şunu yazdı:\n\n> Orijinal\n",
                  "Teşekkürler."),
        ReplyCase("Chinese, full-width colon",
                  "好的\n\nJohn <john@example.com> 于2024年1月1日周一 10:00写道：\n\n> 原文\n",
                  "好的"),
        ReplyCase("Japanese (date and address only)",
                  "了解しました。\n\n2024年1月1日(月) 10:00 Taro Yamada <taro@example.jp>:\n\n> 元のメッセージ\n",
                  "了解しました。"),
        ReplyCase("Korean",
                  "감사합니다.\n\n2024년 1월 1일 (월) 오전 10:00, Kim <kim@example.kr>님이 작성:\n\n> 원문\n",
                  "감사합니다."),
        ReplyCase("Finnish",
                  "Kiitos.\n\nma 1. tammik. 2024 klo 10.00 John (john@example.com) kirjoitti:\n\n> Alkuperäinen\n",
                  "Kiitos."),
        ReplyCase("Verb before the date",
                  "Fine by me.\n\nJohn Smith wrote on Mon, Jan 1, 2024 at 10:00:\n> Original\n",
                  "Fine by me."),
        ReplyCase("Yahoo, indented, unquoted original",
                  "Sure.\n\n    On Monday, January 1, 2024, 10:00:00 AM GMT+1, Jane Doe <jane@example.com> wrote:\n\n Original text here\n",
                  "Sure."),
    ]

    @Test("An attribution and the quote under it are cut", arguments: attributions)
    func attribution(_ c: ReplyCase) {
        #expect(ReplyExtractor.extract(c.body).text == c.expected)
    }

    // MARK: - Outlook/Exchange header blocks and forwarded messages

    static let headerBlocks: [ReplyCase] = [
        ReplyCase("English, with Outlook's rule line",
                  "Ok then.\n\n________________________________\nFrom: Jane <jane@example.com>\nSent: Monday, January 1, 2024 10:00 AM\nTo: John <john@example.com>\nSubject: Plan\n\nOriginal\n",
                  "Ok then."),
        ReplyCase("German",
                  "Danke dir.\n\nVon: Hans <hans@example.de>\nGesendet: Montag, 1. Januar 2024 10:00\nAn: Grete <grete@example.de>\nBetreff: Plan\n\nText.\n",
                  "Danke dir."),
        ReplyCase("French typography",
                  "Merci.\n\nDe : Jean <jean@example.fr>\nEnvoyé : lundi 1 janvier 2024 10:00\nÀ : Marie <marie@example.fr>\nObjet : Plan\n\nTexte.\n",
                  "Merci."),
        ReplyCase("Dutch",
                  "Bedankt.\n\nVan: Jan <jan@example.nl>\nVerzonden: maandag 1 januari 2024 10:00\nAan: Piet <piet@example.nl>\nOnderwerp: Plan\n\nTekst.\n",
                  "Bedankt."),
        ReplyCase("Swedish in capitals",
                  "Tack.\n\nFRÅN: Sven <sven@example.se>\nSKICKAT: den 1 januari 2024 10:00\nTILL: Anna\nÄMNE: Plan\n\nText.\n",
                  "Tack."),
        ReplyCase("Polish",
                  "Dzięki.\n\nOd: Jan <jan@example.pl>\nWysłano: poniedziałek, 1 stycznia 2024 10:00\nDo: Anna <anna@example.pl>\nTemat: Plan\n\nTreść.\n",
                  "Dzięki."),
        ReplyCase("Russian",
                  "Спасибо!\n\nОт: Иван <ivan@example.ru>\nОтправлено: 1 января 2024 г. 10:00\nКому: Петр <petr@example.ru>\nТема: План\n\nТекст письма.\n",
                  "Спасибо!"),
        ReplyCase("Chinese, full-width colons",
                  "好的。\n\n发件人：张三 <zhang@example.cn>\n发送时间：2024年1月1日 10:00\n收件人：李四\n主题：计划\n\n原文。\n",
                  "好的。"),
        ReplyCase("Original-message separator",
                  "Ok.\n\n-----Original Message-----\nFrom: Jane\nSent: Monday\n\nText\n",
                  "Ok."),
        ReplyCase("Russian original-message separator",
                  "Ок.\n\n-------- Исходное сообщение --------\nОт: Иван\nТема: План\n\nТекст\n",
                  "Ок."),
        ReplyCase("Gmail forward after a comment",
                  "FYI.\n\n---------- Forwarded message ---------\nFrom: Jane <jane@example.com>\nDate: Mon, Jan 1, 2024 at 10:00 AM\nSubject: Plan\nTo: <john@example.com>\n\nBody\n",
                  "FYI."),
        ReplyCase("Apple Mail forward after a comment",
                  "FYI, see below.\n\nBegin forwarded message:\n\nFrom: Jane <jane@example.com>\nSubject: Plan\nDate: 1 January 2024 at 10:00:00 CET\nTo: John <john@example.com>\n\nOriginal\n",
                  "FYI, see below."),
    ]

    @Test("A pasted header block ends the new text", arguments: headerBlocks)
    func headerBlock(_ c: ReplyCase) {
        #expect(ReplyExtractor.extract(c.body).text == c.expected)
    }

    // MARK: - Signatures and footers

    static let signatures: [ReplyCase] = [
        ReplyCase("RFC 3676 delimiter", "Thanks!\n\n-- \nJohn Doe\nCEO, Example\n", "Thanks!"),
        ReplyCase("Sent from my iPhone", "Ok.\n\nSent from my iPhone\n", "Ok."),
        ReplyCase("Sent from my Android, then the quote",
                  "Ok.\n\nSent from my Android\n\nOn Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:\n> q\n",
                  "Ok."),
        ReplyCase("Get Outlook for iOS with link", "Ok.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n", "Ok."),
        ReplyCase("Spanish", "Perfecto.\n\nEnviado desde mi iPhone\n", "Perfecto."),
        ReplyCase("German", "Gut.\n\nVon meinem iPhone gesendet\n", "Gut."),
        ReplyCase("French", "Bien.\n\nEnvoyé de mon iPhone\n", "Bien."),
        ReplyCase("Japanese", "はい。\n\niPhoneから送信\n", "はい。"),
        ReplyCase("Mailing-list footer under a rule line",
                  "Yes, that works.\n\n_______________________________________________\nfoo-users mailing list\nfoo-users@lists.example.org\nhttps://lists.example.org/mailman/listinfo/foo-users\n",
                  "Yes, that works."),
    ]

    @Test("Signatures and client footers are cut", arguments: signatures)
    func signature(_ c: ReplyCase) {
        #expect(ReplyExtractor.extract(c.body).text == c.expected)
    }

    /// Sentences that open the way a device footer does are text (issue 18).
    static let footerLikeSentences: [ReplyCase] = [
        ReplyCase("Sent from … with a colon", "Sent from the airport: I agree with every word of this.\n",
                  "Sent from the airport: I agree with every word of this."),
        ReplyCase("Sent by … as a long sentence", "Thanks.\nSent by my editor yesterday and I loved every page\n",
                  "Thanks.\nSent by my editor yesterday and I loved every page"),
        ReplyCase("Enviado desde … as a sentence", "Enviado desde casa, pero creo que tienes razón sobre la confianza y el tiempo.\n",
                  "Enviado desde casa, pero creo que tienes razón sobre la confianza y el tiempo."),
        ReplyCase("a question", "Sent from which city, though?\n", "Sent from which city, though?"),
        // Footers with a few words after the device still go.
        ReplyCase("footer with an excuse", "Yes.\n\nSent from my phone, please excuse typos\n", "Yes."),
        ReplyCase("Yahoo footer", "Yes.\n\nSent from Yahoo Mail for Android\n", "Yes."),
    ]

    @Test("A sentence that merely opens like a device footer is text", arguments: footerLikeSentences)
    func footerLikeSentence(_ c: ReplyCase) {
        #expect(ReplyExtractor.extract(c.body).text == c.expected)
    }

    // MARK: - What must be kept

    static let kept: [ReplyCase] = [
        ReplyCase("Prose starting with On and a time",
                  "On Monday we meet at 10:00 in room 5.\n\nSee you there.\n",
                  "On Monday we meet at 10:00 in room 5.\n\nSee you there."),
        ReplyCase("Prose quoting someone",
                  "I agree.\n\nAs Jane wrote:\n> something important\n\nand that's right.\n",
                  "I agree.\n\nAs Jane wrote:\n> something important\n\nand that's right."),
        ReplyCase("An address and a verb but no date",
                  "Ask bob@example.org, who wrote the spec:\n> quote\n\nreply text\n",
                  "Ask bob@example.org, who wrote the spec:\n> quote\n\nreply text"),
        ReplyCase("Log lines with dates",
                  "Logs:\n2024-01-01 10:00 UTC restarted\n2024-01-01 10:01 UTC ok\n\nThanks\n",
                  "Logs:\n2024-01-01 10:00 UTC restarted\n2024-01-01 10:01 UTC ok\n\nThanks"),
        ReplyCase("A long sentence that starts with Sent",
                  "Sent the invoice yesterday, please check that it arrived and tell me if anything is missing.\n",
                  "Sent the invoice yesterday, please check that it arrived and tell me if anything is missing."),
        ReplyCase("From my point of view", "From my point of view this is fine.\n", "From my point of view this is fine."),
        ReplyCase("Code fence protecting look-alikes",
                  "Try this:\n\n```\n--\n> not a quote\nOn Mon, Jan 1, 2024 at 10:00 AM x <x@example.org> wrote:\n```\n\nCheers\n",
                  "Try this:\n\n```\n--\n> not a quote\nOn Mon, Jan 1, 2024 at 10:00 AM x <x@example.org> wrote:\n```\n\nCheers"),
        ReplyCase("A markdown rule inside long text",
                  "Part one.\n\n---\n\nl1\nl2\nl3\nl4\nl5\nl6\nl7\n",
                  "Part one.\n\n---\n\nl1\nl2\nl3\nl4\nl5\nl6\nl7"),
        ReplyCase("Inline answers keep their quotes",
                  "Hi Jane,\n\nOn Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:\n> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two.\n\n> Bye\n",
                  "Hi Jane,\n\n> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two."),
        ReplyCase("Inline answers under a leading attribution",
                  "On Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:\n> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two.\n",
                  "> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two."),
        ReplyCase("Reply written below the whole quote",
                  "On Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:\n> The question.\n\nThe answer.\n",
                  "The answer."),
        ReplyCase("Only a quote", "> Just a quote.\n", "> Just a quote."),
    ]

    @Test("New text is kept, inline quotes with it", arguments: kept)
    func keeps(_ c: ReplyCase) {
        #expect(ReplyExtractor.extract(c.body).text == c.expected)
    }

    // MARK: - Line endings and the elided part

    @Test("CRLF bodies give LF text")
    func crlf() {
        let body = "Reply here\r\nsecond line\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:\r\n> Original\r\n"
        let result = ReplyExtractor.extract(body)
        #expect(result.text == "Reply here\nsecond line")
        #expect(result.elided == "On Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:\n> Original")
    }

    @Test("Everything cut is returned, in order")
    func elidedInOrder() {
        let body = """
            Thanks!

            Sent from my iPhone

            On Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:
            > Question?
            """
        let result = ReplyExtractor.extract(body)
        #expect(result.text == "Thanks!")
        #expect(result.elided == """
            Sent from my iPhone

            On Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:
            > Question?
            """)
    }

    @Test("Nothing to cut leaves the body and an empty elided part")
    func nothingCut() {
        let result = ReplyExtractor.extract("\n\nJust text.\n\n")
        #expect(result == ExtractedReply(text: "Just text.", elided: ""))
        #expect(ReplyExtractor.extract("") == ExtractedReply(text: "", elided: ""))
    }

    // MARK: - Hostile input: bounded, no crash

    @Test("200,000 lines of quote markers")
    func manyQuoteMarkers() {
        let body = String(repeating: ">\n", count: 200_000)
        let result = ReplyExtractor.extract("Hi\n\n" + body)
        #expect(result.text == "Hi")
        #expect(result.elided.utf8.count == body.utf8.count - 1)
    }

    @Test("A 50 MB body")
    func hugeBody() {
        let line = "Some long line of text that keeps going, written on 2024-01-01 at 10:00:\n"
        let body = "Top.\n\n-- \n" + String(repeating: line, count: 50_000_000 / line.utf8.count)
        let result = ReplyExtractor.extract(body)
        #expect(result.text == "Top.")
        #expect(result.elided.hasPrefix("-- \nSome long line"))
    }

    @Test("Binary garbage, as a lossy UTF-8 decoder hands it over")
    func garbage() {
        // Random bytes as they arrive after lossy decoding: control characters, NULs,
        // CRs, U+FFFD and stray two-byte characters. The bytes are generated already
        // valid, because decoding megabytes of invalid UTF-8 under Swift Testing is
        // slow (every repaired sequence is a thrown-and-caught error it records).
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = []
        bytes.reserveCapacity(6_000_000)
        for _ in 0..<4_000_000 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let b = UInt8(truncatingIfNeeded: state)
            switch b {
            case 0..<0x80: bytes.append(b)
            case 0x80..<0xC0: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: bytes.append(contentsOf: [0xC2 | (b & 0x1D), 0x80 | (b & 0x3F)])
            }
        }
        let body = String(decoding: bytes, as: UTF8.self)
        let result = ReplyExtractor.extract(body)
        #expect(result.text.utf8.count + result.elided.utf8.count > body.utf8.count / 2)

        // And a short run of raw invalid bytes through the real lossy decoder.
        let raw = String(decoding: bytes.prefix(4_096).map { $0 ^ 0x80 }, as: UTF8.self)
        let small = ReplyExtractor.extract(raw)
        #expect(small.text.utf8.count + small.elided.utf8.count > 0)
    }
}
