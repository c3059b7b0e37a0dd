// MailParser reads single-part text messages without GMime's object tree. Whatever it
// reads must come out exactly as GMime's whole-message path reads it: checked on every
// .eml fixture of the repository (in CRLF and LF form) and on hand-made edge cases.

import Foundation
import Testing
@testable import ParleyMail

@Suite("MailParser single-part reader")
struct SinglePartReaderTests {
    /// Every `.eml` under `Tests/`, whatever the target.
    static let fixtures: [URL] = {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "eml" } ?? []
        return files.sorted { $0.path < $1.path }
    }()

    private static func lf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, b) in bytes.enumerated() where !(b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { out.append(b) }
        return out
    }

    private static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 20)
        for b in lf(bytes) {
            if b == 0x0A { out.append(0x0D) }
            out.append(b)
        }
        return out
    }

    /// The fast reader, where it takes a message, gives what GMime's path gives.
    private static func expectSame(_ bytes: [UInt8], _ label: String) -> Bool {
        guard MailParser.looksLikeMessage(bytes), let fast = MailParser.readSinglePart(bytes) else { return false }
        let slow = MailParser.parseWithGMime(bytes)
        #expect(fast.headers == slow.headers, "\(label): headers")
        #expect(fast.contentType == slow.contentType, "\(label): content type")
        #expect(fast.parameters == slow.parameters, "\(label): parameters")
        #expect(fast.parts == slow.parts, "\(label): parts")
        #expect(fast.text == slow.text, "\(label): text")
        #expect(fast.html == slow.html, "\(label): html")
        return true
    }

    @Test func fixturesReadAsGMimeReadsThem() throws {
        #expect(Self.fixtures.count > 50)
        var taken = 0
        for url in Self.fixtures {
            let bytes = try [UInt8](Data(contentsOf: url))
            for (form, variant) in [("as is", bytes), ("LF", Self.lf(bytes)), ("CRLF", Self.crlf(bytes))] {
                if Self.expectSame(variant, "\(url.lastPathComponent) \(form)") { taken += 1 }
            }
        }
        // Most fixtures are single text parts: the fast reader must actually be exercised.
        #expect(taken > 60)
    }

    static let edgeCases: [(String, String)] = [
        ("no content type", "From: a@example.net\nSubject: hi\n\nHello\n"),
        ("no body", "From: a@example.net\nSubject: hi\n\n"),
        ("upper-case type, quoted charset", "From: a@example.net\nContent-Type: TEXT/Plain; Charset=\"ISO-8859-1\"\n\nCaf\u{E9}\n"),
        ("folded type", "From: a@example.net\nContent-Type: text/plain;\n\tcharset=utf-8;\n format=flowed; delsp=yes\n\nHello \nthere\n"),
        ("RFC 2231 parameters", "From: a@example.net\nContent-Type: text/plain; charset*=utf-8''%E2%82%AC; name*0=\"a\"; name*1=\"b.txt\"\n\nHello\n"),
        ("encoded-word name", "From: a@example.net\nContent-Type: text/plain; name=\"=?utf-8?B?w6kudHh0?=\"\n\nHello\n"),
        ("attachment with filename", "From: a@example.net\nContent-Type: text/plain; name=a.txt\nContent-Disposition: ATTACHMENT; filename=\"b.txt\"\n\nHello\n"),
        ("inline disposition, no filename", "From: a@example.net\nContent-Type: text/html; name=a.html\nContent-Disposition: inline\n\n<p>Hi</p>\n"),
        ("base64 with junk", "From: a@example.net\nContent-Type: text/plain\nContent-Transfer-Encoding: Base64\n\nSGVs*bG8g\nd29y!bGQ=\n=junk\n"),
        ("folded encoding", "From: a@example.net\nContent-Transfer-Encoding:\n quoted-printable\n\nCaf=C3=A9 =\nau lait=3D=\n"),
        ("bad quoted-printable", "From: a@example.net\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=4 trailing   \n=\r\nend=\n"),
        ("uuencode", "From: a@example.net\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.txt\n%2&5L;&\\*\n`\nend\n"),
        ("unknown encoding", "From: a@example.net\nContent-Transfer-Encoding: x-weird\n\nHello\n"),
        ("encoded-word headers", "From: =?iso-8859-1?Q?J=C3=BCrgen?= <j@example.net>\nSubject: =?utf-8?B?w6k=?= =?utf-8?Q?_x?=\nTo:\n\tfolded@example.net\n\nHi\n"),
        ("raw 8-bit header", "From: Jürgen <j@example.net>\nSubject: Caf\u{E9}\n\nHi\n"),
        ("mbox separator", "From someone@example.net Tue Mar  3 10:00:00 2026\nFrom: a@example.net\nSubject: x\n\nBody\nFrom here\n"),
        ("format=flowed", "From: a@example.net\nContent-Type: text/plain; format=flowed\n\nOne \ntwo\n> quoted \n> more\n"),
        ("text/calendar", "From: a@example.net\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n"),
        ("long header", "From: a@example.net\nReferences: " + (0..<200).map { "<id\($0)@example.net>" }.joined(separator: "\n ") + "\n\nHi\n"),
        ("header without space", "From:a@example.net\nSubject:x\n\nHi\n"),
        ("trailing blanks in value", "From: a@example.net   \nSubject: x \t\n\nHi\n"),
        ("body without final newline", "From: a@example.net\nSubject: x\n\nHi"),
        ("CR inside a line", "From: a@example.net\nSubject: a\rb\n\nHi\rthere\n"),
    ]

    @Test(arguments: edgeCases)
    func edgeCaseReadsAsGMimeReadsIt(_ edgeCase: (String, String)) {
        let bytes = Array(edgeCase.1.utf8)
        for (form, variant) in [("LF", bytes), ("CRLF", Self.crlf(bytes))] {
            #expect(Self.expectSame(variant, "\(edgeCase.0) \(form)"), "\(edgeCase.0) \(form): not read by the single-part reader")
        }
    }

    /// What the single-part reader leaves to GMime.
    static let declined: [(String, String)] = [
        ("multipart", "From: a@example.net\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nHi\n--b--\n"),
        ("message/rfc822", "From: a@example.net\nContent-Type: message/rfc822\n\nFrom: b@example.net\n\nInner\n"),
        ("application", "From: a@example.net\nContent-Type: application/pdf\n\n%PDF\n"),
        ("two content types", "From: a@example.net\nContent-Type: text/plain\nContent-Type: text/html\n\nHi\n"),
        ("two encodings", "From: a@example.net\nContent-Transfer-Encoding: base64\nContent-Transfer-Encoding: 8bit\n\nHi\n"),
        ("blank continuation", "From: a@example.net\nSubject: x\n \nTo: b@example.net\n\nHi\n"),
        ("NUL in a header", "From: a@example.net\nSubject: x\u{0}y\n\nHi\n"),
        ("no blank line", "From: a@example.net\nSubject: x\n"),
        // A Content-Type GMime's value parser does not read as a text type.
        ("type without subtype", "From: a@example.net\nContent-Type: text\n\nHello\n"),
        ("garbage type", "From: a@example.net\nContent-Type: ;;;\n\nHello\n"),
        ("empty type", "From: a@example.net\nContent-Type:\n\nHello\n"),
    ]

    @Test(arguments: declined)
    func declinedCaseGoesToGMime(_ edgeCase: (String, String)) {
        let bytes = Array(edgeCase.1.utf8)
        #expect(MailParser.readSinglePart(bytes) == nil)
        // And the public entry point still reads it (GMime's path).
        _ = MailParser.parse(bytes)
    }
}
