import CGMime
import Foundation
import ParleyCore
@_spi(Benchmarks) @testable import ParleyMail
import ParleyTesting
import Testing

/// The notification writer (``MessageBuilder``) read back the way recipients read it:
/// GMime's parser (``MailParser``) and GMime's address parser for the mailboxes. Every
/// header value and both bodies must come back exactly as given, and the raw bytes must
/// keep to RFC 5322 / RFC 2045–2047 line by line.
@Suite("Message building")
struct MessageBuilderTests {
    // MARK: Fixed cases

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var mail: OutgoingMail
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "plain ASCII", mail: sample()),
        Case(label: "German name and subject", mail: sample(
            toName: "Zoë Ångström-Weiß", subject: "Re: Über Vertrauen — und was es kostet",
            text: "Grüße aus Köln,\nZoë\n", html: "<p>Grüße aus Köln,<br>Zoë</p>\n")),
        Case(label: "Japanese name and subject", mail: sample(
            fromName: "山田 太郎", toName: "鈴木 花子",
            subject: "日本語の件名です。とても長い件名なので折り返しが必要になるでしょう。さらに続きます。",
            text: "本文です。\n二行目。\n", html: "<p>本文です。</p>")),
        Case(label: "emoji", mail: sample(toName: "Ann 🙂👍🏽", subject: "🎉 Party 🎉 👨‍👩‍👧‍👦 family",
                                          text: "🙂\n👍🏽 ok\n", html: "<p>🙂</p>")),
        Case(label: "names with specials", mail: sample(
            fromName: "Smith, John \"JJ\" (admin)", toName: "back\\slash \"quote\"", replyName: "a@b; c: <d>")),
        Case(label: "names and subject that look like encoded-words", mail: sample(
            toName: "=?utf-8?q?x?=", replyName: "Zoë =?utf-8?b?eA==?=",
            subject: "=?utf-8?q?x?= and x=?utf-8?q?y?=z and =?", listID: "=?utf-8?q?l?= <l.example.org>")),
        Case(label: "CR/LF injection in name, subject and list id", mail: sample(
            toName: "Eve\r\nBcc: victim@example.com", replyName: "Eve\nX-Evil: 1",
            subject: "Hi\r\nBcc: victim@example.com\r\n\r\nbody", listID: "list\r\nX-Injected: yes <l.example.org>")),
        Case(label: "Unicode line separators in subject", mail: sample(subject: "one\u{2028}two\u{2029}three\u{85}four")),
        Case(label: "long subject without spaces", mail: sample(subject: String(repeating: "x", count: 300))),
        Case(label: "long non-ASCII subject without spaces", mail: sample(subject: String(repeating: "ü", count: 300))),
        Case(label: "word longer than a line", mail: sample(subject: "Re: " + String(repeating: "y", count: 1200) + " end")),
        Case(label: "many spaces", mail: sample(subject: "a" + String(repeating: " ", count: 1100) + "b  c ")),
        Case(label: "40 references", mail: sample(references: (0..<40).map { "parley.comment.\($0).abcdefgh@example.org" })),
        Case(label: "no references", mail: sample(references: [])),
        Case(label: "awkward text", mail: sample(
            text: String(repeating: "long line ", count: 50) + "\ntrailing spaces   \ntrailing tab\t\n.starts with a dot\n"
                + "From the start\nFrom\n=3D and = signs ==\n\ttabbed\there\n" + String(repeating: "é", count: 200) + "\nend",
            html: "<p>\r\n.dot\r\nFrom here \r\n</p>")),
        Case(label: "CRLF and lone CR text", mail: sample(text: "a\r\nb\rc\n\r\nd\r\n", html: "x\r\ny")),
        Case(label: "no HTML", mail: sample(text: "Just text.\nTwo lines.\n", html: nil)),
        Case(label: "no HTML, no final line break", mail: sample(text: "No break at the end ", html: nil)),
        Case(label: "empty bodies", mail: sample(text: "", html: "")),
        Case(label: "no names, empty list id", mail: sample(fromName: nil, toName: nil, replyName: nil, listID: "")),
        Case(label: "long ASCII names", mail: sample(
            toName: String(repeating: "Averyveryverylongname ", count: 8) + "End",
            replyName: String(repeating: "Quoted, long name ", count: 8))),
    ]

    @Test("reads back exactly, and every line keeps to the rules", arguments: cases)
    func readsBack(_ c: Case) throws {
        let bytes = MessageBuilder.build(c.mail)
        #expect(MessageBuilder.writesItself(c.mail))
        #expect(Self.lineProblems(bytes).isEmpty, "\(Self.lineProblems(bytes))")
        #expect(Self.structureProblems(bytes, html: c.mail.html != nil).isEmpty, "\(Self.structureProblems(bytes, html: c.mail.html != nil))")
        let read = Readback(bytes)
        let expected = Readback(expecting: c.mail)
        #expect(read.differences(from: expected).isEmpty, "\(read.describeDifferences(from: expected))")
    }

    @Test("text from a commenter never makes a header line of its own")
    func noInjection() throws {
        let mail = Self.sample(toName: "Eve\r\nBcc: victim@example.com", replyName: "Eve\nX-Evil: 1",
                               subject: "Hi\r\nBcc: victim@example.com\r\n\r\nbody", listID: "list\nX-Injected: yes <l.example.org>")
        let parsed = MailParser.parse(MessageBuilder.build(mail))
        #expect(parsed.headers.map(\.name) == Readback.headerNames(references: true, html: true))
        for name in ["Bcc", "X-Evil", "X-Injected"] { #expect(parsed.header(name) == nil) }
        #expect(parsed.header("Subject") == "Hi  Bcc: victim@example.com    body")
        #expect(parsed.text == mail.text)
    }

    @Test("an internationalised address goes the GMime way, whole")
    func internationalisedAddress() throws {
        var mail = Self.sample(html: nil)
        mail.to = try #require(EmailAddress(address: "zoë@bücher.example", name: "Zoë"))
        #expect(!MessageBuilder.writesItself(mail))
        // Without HTML there is no random boundary: the bytes are GMime's exactly.
        #expect(MessageBuilder.build(mail) == MessageBuilder.buildWithGMime(mail))
        let parsed = MailParser.parse(MessageBuilder.build(mail))
        #expect(parsed.header("To")?.hasSuffix("<zoë@xn--bcher-kva.example>") == true)
        #expect(parsed.text == mail.text)
    }

    @Test("a reference that cannot be a msg-id is left out, the others stay")
    func unwritableReferences() throws {
        let long = String(repeating: "m", count: 1200) + "@example.org"
        let mail = Self.sample(references: ["root@example.org", "zoë@example.org", "with space@example.org", long])
        let bytes = MessageBuilder.build(mail)
        #expect(Self.lineProblems(bytes).isEmpty, "\(Self.lineProblems(bytes))")
        let parsed = MailParser.parse(bytes)
        #expect(parsed.header("References") == "<root@example.org>")
        #expect(parsed.header("In-Reply-To") == nil, "the direct parent cannot be named, and no other id may stand in for it")
        let last = MailParser.parse(MessageBuilder.build(Self.sample(references: [long, "parent@example.org"])))
        #expect(last.header("In-Reply-To") == "<parent@example.org>")
        #expect(last.header("References") == "<parent@example.org>")
    }

    @Test("quoted-printable bytes, line by line (RFC 2045 §6.7)")
    func quotedPrintable() {
        func qp(_ text: String) -> String {
            var out: [UInt8] = []
            QuotedPrintable.encode(text, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(qp("a = b\n") == "a =3D b\r\n")
        #expect(qp("trailing \nand\t\n") == "trailing=20\r\nand=09\r\n")
        #expect(qp(".dot\nFrom me\nFrom\nFromage\n") == "=2Edot\r\n=46rom me\r\nFrom\r\nFromage\r\n")
        #expect(qp("Zoë\r\n") == "Zo=C3=AB\r\n")
        #expect(qp("\u{1}\u{7F}") == "=01=7F")
        let long = qp(String(repeating: "a", count: 76) + "\n" + String(repeating: "b", count: 77) + "\n")
        #expect(long == String(repeating: "a", count: 76) + "\r\n" + String(repeating: "b", count: 75) + "=\r\nbb\r\n")
        // A soft break that lands before a dot encodes the dot: it starts a line too.
        #expect(qp(String(repeating: "c", count: 75) + ".x") == String(repeating: "c", count: 75) + "=\r\n=2Ex")
        // An escape is never split by a soft break, and the limit counts it whole.
        #expect(qp(String(repeating: "d", count: 74) + "é") == String(repeating: "d", count: 74) + "=\r\n=C3=A9")
        // A space that ends a full line is encoded, on the next line.
        #expect(qp(String(repeating: "e", count: 75) + " \nf") == String(repeating: "e", count: 75) + "=\r\n=20\r\nf")
        #expect(qp(String(repeating: "e", count: 74) + " g") == String(repeating: "e", count: 74) + " g")
    }

    @Test("the boundary starts with =- and is quoted; it comes from the generator passed in")
    func boundary() throws {
        var random = SplitMix64(seed: 7)
        let bytes = MessageBuilder.build(Self.sample(), random: &random)
        let parsed = MailParser.parse(bytes)
        let boundary = try #require(parsed.parameters["boundary"])
        #expect(boundary.hasPrefix("=-") && boundary.count == 13)
        #expect(String(decoding: bytes, as: UTF8.self).contains("boundary=\"\(boundary)\"\r\n"))
        var again = SplitMix64(seed: 7)
        #expect(MessageBuilder.build(Self.sample(), random: &again) == bytes, "the same randomness gives the same bytes")
        #expect(MailParser.parse(MessageBuilder.build(Self.sample())).parameters["boundary"] != boundary)
    }

    @Test("the GMime path and the writer agree on the fixed cases, but for GMime's known losses")
    func agreesWithGMime() {
        for c in Self.cases {
            let expected = Readback(expecting: c.mail)
            let new = Readback(MessageBuilder.build(c.mail))
            let gmimeBytes = MessageBuilder.buildWithGMime(c.mail)
            let gmime = Readback(gmimeBytes)
            for field in new.differences(from: gmime) where Self.gmimeLoss(field, gmimeBytes, gmime, expected, c.mail) == nil {
                Issue.record("\(c.label): \(field) differs from GMime's: \(new[field]) vs \(gmime[field])")
            }
        }
    }

    // MARK: Randomised

    @Test("a few hundred random messages read back exactly, as GMime's do but for GMime's known losses")
    func randomised() throws {
        var rng = SplitMix64(seed: 0x5EED_0F_4D41_494C)
        var gmimeLosses: [String: Int] = [:]
        for n in 0..<400 {
            let mail = Self.randomMail(&rng)
            let bytes = MessageBuilder.build(mail, random: &rng)
            let lines = Self.lineProblems(bytes), structure = Self.structureProblems(bytes, html: mail.html != nil)
            #expect(lines.isEmpty && structure.isEmpty, "message \(n): \(lines + structure)\n\(String(decoding: bytes, as: UTF8.self))")
            let expected = Readback(expecting: mail)
            let read = Readback(bytes)
            #expect(read.differences(from: expected).isEmpty,
                    "message \(n): \(read.describeDifferences(from: expected))\n\(String(decoding: bytes.prefix(3000), as: UTF8.self))")
            let gmimeBytes = MessageBuilder.buildWithGMime(mail)
            let gmime = Readback(gmimeBytes)
            for field in read.differences(from: gmime) {
                if let loss = Self.gmimeLoss(field, gmimeBytes, gmime, expected, mail) {
                    gmimeLosses[loss, default: 0] += 1
                } else {
                    Issue.record("message \(n): \(field) differs from GMime's: \(read[field]) vs \(gmime[field]) in \(Readback.rawHeader(gmimeBytes))")
                }
            }
        }
        print("Fields where GMime's output did not read back as the input, by cause: \(gmimeLosses.sorted { $0.key < $1.key })")
    }

    @Test("a strict reader (Python's email, policy.strict) finds no defect and reads the same values")
    func strictReader() throws {
        var rng = SplitMix64(seed: 0x5717_C7)
        let mails = Self.cases.map(\.mail) + (0..<150).map { _ in Self.randomMail(&rng) }
        let checks = try StrictMailCheck.run(mails.map { MessageBuilder.build($0, random: &rng) })
        try #require(checks.count == mails.count)
        // Python puts a space between adjacent encoded-words of a display name (against
        // RFC 2047 §6.2, which GMime and mail clients follow) and keeps Unicode spaces at
        // the ends: names are compared without white space, values trimmed of it.
        func bare(_ s: String) -> String { s.filter { !$0.isWhitespace } }
        for (n, (mail, check)) in zip(mails, checks).enumerated() {
            #expect(check.defects.isEmpty, "message \(n): \(check.defects)")
            let expected = Readback(expecting: mail)
            #expect(check.header("Subject")?.trimmingHorizontalSpace() == expected.subject, "message \(n)")
            #expect(check.header("List-Id")?.trimmingHorizontalSpace() == expected.listID, "message \(n)")
            for (field, mailbox) in [("From", expected.from), ("To", expected.to), ("Reply-To", expected.replyTo)] {
                let read = check.addresses[field]?.first ?? []
                #expect(read.map(bare) == mailbox.map(bare), "message \(n): \(field)")
            }
            #expect(check.text == expected.text, "message \(n)")
            #expect(check.html == expected.html, "message \(n)")
        }
    }

    /// Why GMime's output of a field does not read back as the input, when it is one of
    /// GMime's known defects (which the writer does not have: it reads back exactly); nil
    /// for any other difference.
    static func gmimeLoss(_ field: String, _ gmimeBytes: [UInt8], _ gmime: Readback, _ expected: Readback, _ mail: OutgoingMail) -> String? {
        guard gmime[field] != expected[field] else { return nil }
        if field == "text" {
            return mail.html == nil && !mail.text.normalisingLineEndings().hasSuffix("\n") ? "a final line break added to a single part" : nil
        }
        let header = ["subject": "subject", "listID": "list-id", "origin": "x-parley-origin", "from": "from", "to": "to", "replyTo": "reply-to"]
        guard let name = header[field], let raw = Readback.rawHeader(gmimeBytes)[name] else { return nil }
        let input = switch field {
        case "subject": mail.subject
        case "listID", "origin": mail.listID
        case "from": mail.from.name ?? ""
        case "to": mail.to.name ?? ""
        default: mail.replyTo.name ?? ""
        }
        if input.contains("=?") { return "=?…?= in the input decoded as an encoded-word" }
        let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.contains(where: { $0.hasPrefix("=?") && !$0.hasSuffix("?=") }) { return "an encoded-word folded inside" }
        if words.contains(where: { $0.hasPrefix("=?") && $0.count > 75 }) { return "an encoded-word over 75 characters" }
        if zip(words, words.dropFirst()).contains(where: { $0.hasPrefix("=?") && $0.lowercased().contains("?b?") && $0.hasSuffix("=?=") && $1.hasPrefix("=?") }) {
            return "base64 padding inside a run of encoded-words"
        }
        if words.contains(where: { word in
            guard word.hasPrefix("=?"), word.hasSuffix("?="), word.lowercased().contains("?q?") else { return false }
            let text = Array(word.utf8.dropLast(2).split(separator: 0x3F, maxSplits: 3, omittingEmptySubsequences: false).last ?? [])
            return text.indices.contains { text[$0] == 0x3D && ($0 + 2 >= text.count || !text[($0 + 1)...($0 + 2)].allSatisfy { $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }) }
        }) {
            return "an = left unencoded in a Q encoded-word"
        }
        if gmime[field].replacingOccurrences(of: "\\t", with: " ") == expected[field] { return "a space folded into a tab" }
        return nil
    }

    static func randomMail(_ rng: inout SplitMix64) -> OutgoingMail {
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        let words = ["Ann", "Zoë", "Ångström", "Müller", "Weiß", "山田", "太郎", "🙂", "👍🏽", "Ωμέγα", "Иван", "عربى", "e\u{301}",
                     "O'Brien", "Smith,", "Jr.", "\"Bob\"", "back\\slash", "(x)", "<y>", "a@b", "=?utf-8?q?x?=", "=?", "?=",
                     "x=?y", ";", ":", "[z]", "#1", "a_b", "=", "_", "?", "Re:", "—", "\u{A0}", "tab\there", "x"]
        let separators = [" ", " ", " ", "  ", "\t", "\r\n", "\n", "", "\u{2028}"]
        func phrase(_ count: Int) -> String {
            var s = ""
            for i in 0..<count {
                if i > 0 { s += pick(separators) }
                s += chance(5) ? String(repeating: pick(["w", "ü", "語"]), count: Int(rng.next() % 400) + 50) : pick(words)
            }
            return s
        }
        func name() -> String? { chance(15) ? nil : phrase(Int(rng.next() % 6) + 1) }
        func body() -> String {
            let pieces = ["Hello", "Zoë", "日本語", "🙂", " ", "  ", "\t", ".", "From ", "From", "=", "==", "=3D", "--", "--=-x",
                          "é", "a", "b c", "\u{1B}", "\u{7F}", "<p>", "</p>", "&amp;"]
            var s = ""
            for _ in 0..<(Int(rng.next() % 20)) {
                var line = ""
                let length = chance(10) ? Int(rng.next() % 600) : Int(rng.next() % 30)
                while line.utf8.count < length { line += pick(pieces) }
                s += line + pick(["\n", "\n", "\r\n", "\r"])
            }
            if chance(50) { s += pick(pieces) + pick(pieces) }
            return s
        }
        return Self.sample(
            fromName: name(), toName: name(), replyName: name(),
            subject: phrase(Int(rng.next() % 12)),
            references: (0..<Int(rng.next() % 8)).map { "ref\($0).\(rng.next() % 100_000)@example.org" },
            listID: chance(20) ? "" : phrase(Int(rng.next() % 3) + 1) + " <list\(rng.next() % 100).example.org>",
            text: body(), html: chance(30) ? nil : body())
    }

    /// A notification like those Parley sends, with the parts a test varies.
    static func sample(fromName: String? = "one2one", toName: String? = "Reader 1", replyName: String? = "one2one",
                       subject: String = "Re: On trust, and what it costs",
                       references: [String] = ["parley.post.1@example.org", "parley.comment.2@example.org"],
                       listID: String = "one2one <one2one.example.org>",
                       text: String = "Hello Reader 1,\n\nAnn answered.\n\n-- \nReply to this email to answer.\n",
                       html: String? = "<!doctype html><html><body><p>Hello Reader 1,</p></body></html>") -> OutgoingMail {
        OutgoingMail(
            from: EmailAddress(address: "talk@example.org", name: fromName)!,
            to: EmailAddress(address: "reader1@example.org", name: toName)!,
            replyTo: EmailAddress(address: "talk+c1abcdefghijklmnop@example.org", name: replyName)!,
            subject: subject, messageID: "c1abcdefghijklmnop.QWERTYUI@example.org", references: references, listID: listID,
            unsubscribeURL: "https://talk.example.org/unsubscribe/c1abcdefghijklmnop",
            unsubscribeMailto: "mailto:talk+unsubscribe-c1abcdefghijklmnop@example.org?subject=unsubscribe",
            date: Date(timeIntervalSince1970: 1_790_000_000), text: text, html: html)
    }

    // MARK: The raw bytes

    /// Every line ends in CRLF (no bare CR or LF), none is over 998 octets, only 7-bit
    /// octets; header lines are at most 78 octets unless they hold one item that cannot
    /// be split, every encoded-word is at most 75 characters, no folded line is blank.
    static func lineProblems(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        if bytes.contains(where: { $0 >= 0x80 }) { problems.append("8-bit octets") }
        if bytes.suffix(2) != [0x0D, 0x0A] { problems.append("does not end in CRLF") }
        var inHeader = true
        for (n, line) in lines(bytes).enumerated() {
            if line.contains(0x0D) || line.contains(0x0A) { problems.append("line \(n): bare CR or LF") }
            if line.count > 998 { problems.append("line \(n): \(line.count) octets") }
            guard inHeader else { continue }
            if line.isEmpty { inHeader = false; continue }
            let text = String(decoding: line, as: UTF8.self)
            let continuation = line[0] == 0x20 || line[0] == 0x09
            var value = Substring(text)
            if continuation {
                value = value.drop { $0 == " " || $0 == "\t" }
                if value.isEmpty { problems.append("line \(n): a folded line of only white space") }
            } else if let colon = value.firstIndex(of: ":") {
                value = value[value.index(after: colon)...].drop { $0 == " " }
            }
            if line.count > 78 && value.contains(where: { $0 == " " || $0 == "\t" }) {
                problems.append("line \(n): \(line.count) octets with a fold point: \(text)")
            }
            for word in value.split(separator: " ") where word.hasPrefix("=?") && word.count > 75 {
                problems.append("line \(n): encoded-word of \(word.count) characters")
            }
        }
        return problems
    }

    /// One blank line between header and body; the body is one quoted-printable text part
    /// or a multipart/alternative of text/plain and text/html between correct boundary
    /// lines, each part `charset=utf-8` and quoted-printable, each encoded line as §6.7 says.
    static func structureProblems(_ bytes: [UInt8], html: Bool) -> [String] {
        var problems: [String] = []
        let all = lines(bytes).map { String(decoding: $0, as: UTF8.self) }
        guard let blank = all.firstIndex(of: "") else { return ["no blank line after the header"] }
        let header = all[..<blank], body = Array(all[(blank + 1)...].dropLast())  // the last is after the final CRLF
        let partHeader = { (subtype: String) in
            ["Content-Type: text/\(subtype); charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
        }
        func checkEncoded(_ lines: ArraySlice<String>, _ label: String) {
            for line in lines {
                if line.utf8.count > 76 { problems.append("\(label): QP line of \(line.utf8.count)") }
                if line.hasPrefix(".") || line.hasPrefix("From ") { problems.append("\(label): QP line starts unsafely: \(line)") }
                if line.hasSuffix(" ") || line.hasSuffix("\t") { problems.append("\(label): QP line ends in white space") }
                let b = Array(line.utf8)
                for (i, c) in b.enumerated() where c == 0x3D {
                    let soft = i == b.count - 1
                    let escape = i + 2 < b.count && b[(i + 1)...(i + 2)].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }
                    if !soft && !escape { problems.append("\(label): bad = in \(line)") }
                }
                if b.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 >= 0x7F }) { problems.append("\(label): unencoded octet") }
            }
        }
        if !html {
            if Array(header.suffix(2)) != partHeader("plain") { problems.append("single part header: \(header.suffix(2))") }
            checkEncoded(body[...], "text")
            return problems
        }
        guard let contentType = header.last, contentType.hasPrefix("Content-Type: multipart/alternative; boundary=\"=-"),
              contentType.hasSuffix("\"") else { return problems + ["Content-Type: \(header.last ?? "")"] }
        let boundary = String(contentType.dropFirst("Content-Type: multipart/alternative; boundary=\"".count).dropLast())
        let delimiters = body.indices.filter { body[$0].hasPrefix("--" + boundary) }
        guard delimiters.count == 3, delimiters[0] == 0, body[delimiters[0]] == "--" + boundary, body[delimiters[1]] == "--" + boundary,
              body[delimiters[2]] == "--" + boundary + "--", delimiters[2] == body.count - 1 else {
            return problems + ["boundary lines at \(delimiters) of \(body.count): \(delimiters.map { body[$0] })"]
        }
        for (k, subtype) in ["plain", "html"].enumerated() {
            let part = body[(delimiters[k] + 1)..<delimiters[k + 1]]
            if Array(part.prefix(3)) != partHeader(subtype) + [""] { problems.append("\(subtype) part header: \(part.prefix(3))") }
            checkEncoded(part.dropFirst(3), subtype)
        }
        return problems
    }

    /// The lines of the message, split at CRLF (a bare CR or LF stays inside its line).
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0, i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x0D && bytes[i + 1] == 0x0A {
                out.append(Array(bytes[start..<i]))
                start = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        out.append(Array(bytes[start...]))
        return out
    }
}

/// What a recipient reads in a message: the header values decoded, the mailboxes as
/// GMime's address parser reads them, the decoded bodies.
struct Readback: Equatable {
    var names: [String] = []
    var date = "", subject = "", listID = "", origin = "", messageID = "", unsubscribe = ""
    var inReplyTo: String?, references: String?
    var from: [String] = [], to: [String] = [], replyTo: [String] = []
    var text: String?, html: String?
    var types: [String] = []

    /// The message read back.
    init(_ bytes: [UInt8]) {
        let parsed = MailParser.parse(bytes)
        names = parsed.headers.map(\.name)
        date = parsed.header("Date") ?? ""
        subject = parsed.header("Subject") ?? ""
        listID = parsed.header("List-Id") ?? ""
        origin = parsed.header("X-Parley-Origin") ?? ""
        messageID = parsed.header("Message-Id") ?? ""
        unsubscribe = parsed.header("List-Unsubscribe") ?? ""
        // msg-id lists compared item by item: how they are folded (space or tab) is no part of them.
        inReplyTo = parsed.header("In-Reply-To")
        references = parsed.header("References").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        let raw = Self.rawHeader(bytes)
        from = Self.mailbox(raw["from"])
        to = Self.mailbox(raw["to"])
        replyTo = Self.mailbox(raw["reply-to"])
        text = parsed.text
        html = parsed.html
        types = parsed.parts.map { "\($0.contentType); charset=\($0.parameters["charset"] ?? "")" }
    }

    /// What the message should read back as: the input, on one line per value, without
    /// blanks at either end (which no reader keeps), bodies with LF line endings.
    init(expecting mail: OutgoingMail) {
        func value(_ s: String) -> String { MessageBuilder.singleLine(s).trimmingHorizontalSpace() }
        func mailbox(_ a: EmailAddress) -> [String] {
            let name = a.name.map(value) ?? ""
            return [name, a.address]
        }
        let writable = mail.references.filter(MessageBuilder.isVerbatimItem)
        names = Self.headerNames(references: !writable.isEmpty, html: mail.html != nil)
        if mail.references.last.map(MessageBuilder.isVerbatimItem) != true { names.removeAll { $0 == "In-Reply-To" } }
        date = MessageBuilder.rfc5322Date(mail.date)
        subject = value(mail.subject)
        listID = value(mail.listID)
        origin = mail.listID.isEmpty ? "parley" : value("parley; " + mail.listID)
        messageID = "<\(mail.messageID)>"
        unsubscribe = "<\(mail.unsubscribeURL)>, <\(mail.unsubscribeMailto)>"
        inReplyTo = mail.references.last.flatMap { MessageBuilder.isVerbatimItem($0) ? "<\($0)>" : nil }
        references = writable.isEmpty ? nil : writable.map { "<\($0)>" }.joined(separator: " ")
        from = mailbox(mail.from)
        to = mailbox(mail.to)
        replyTo = mailbox(mail.replyTo)
        text = mail.text.normalisingLineEndings()
        html = mail.html?.normalisingLineEndings()
        types = ["text/plain; charset=utf-8"] + (mail.html == nil ? [] : ["text/html; charset=utf-8"])
    }

    static func headerNames(references: Bool, html: Bool) -> [String] {
        ["Date", "From", "Reply-To", "Subject", "To", "Message-Id"] + (references ? ["In-Reply-To", "References"] : [])
            + ["List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted", "X-Auto-Response-Suppress",
               "Precedence", "X-Parley-Origin", "MIME-Version", "Content-Type"] + (html ? [] : ["Content-Transfer-Encoding"])
    }

    subscript(field: String) -> String {
        switch field {
        case "names": "\(names)"
        case "date": date
        case "subject": subject
        case "listID": listID
        case "origin": origin
        case "messageID": messageID
        case "unsubscribe": unsubscribe
        case "inReplyTo": inReplyTo.debugDescription
        case "references": references.debugDescription
        case "from": "\(from)"
        case "to": "\(to)"
        case "replyTo": "\(replyTo)"
        case "text": text.debugDescription
        case "html": html.debugDescription
        case "types": "\(types)"
        default: "?"
        }
    }

    static let fields = ["names", "date", "subject", "listID", "origin", "messageID", "unsubscribe", "inReplyTo", "references",
                         "from", "to", "replyTo", "text", "html", "types"]

    /// The names of the fields that differ.
    func differences(from other: Readback) -> [String] {
        Self.fields.filter { self[$0] != other[$0] }
    }

    /// The fields that differ, with both values, for a failure message.
    func describeDifferences(from other: Readback) -> String {
        differences(from: other).map { "\($0): \(self[$0].debugDescription)\n  expected \(other[$0].debugDescription)" }
            .joined(separator: "\n")
    }

    /// Raw (unfolded, undecoded) top-level header values by lower-cased name.
    static func rawHeader(_ bytes: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var current: String?
        for line in MessageBuilderTests.lines(bytes) {
            if line.isEmpty { break }
            let text = String(decoding: line, as: UTF8.self)
            if line[0] == 0x20 || line[0] == 0x09, let name = current {
                out[name, default: ""] += text
            } else if let colon = text.firstIndex(of: ":") {
                let name = text[..<colon].lowercased()
                out[name] = String(text[text.index(after: colon)...])
                current = name
            }
        }
        return out
    }

    /// `[display name, address]` of a one-mailbox field, by GMime's address parser (which
    /// unquotes quoted-strings and decodes encoded-words, as mail clients do).
    static func mailbox(_ raw: String?) -> [String] {
        guard let raw else { return ["missing"] }
        _ = GMime.ready
        guard let list = internet_address_list_parse(nil, raw) else { return ["unparsable: \(raw)"] }
        defer { parley_object_unref(list) }
        guard internet_address_list_length(list) == 1, let address = internet_address_list_get_address(list, 0),
              parley_is_mailbox(address) != 0 else { return ["not one mailbox: \(raw)"] }
        let name = GMime.string(internet_address_get_name(address)) ?? ""
        let addr = GMime.string(internet_address_mailbox_get_addr(parley_as_mailbox(address))) ?? ""
        return [name.trimmingHorizontalSpace(), addr]
    }
}
