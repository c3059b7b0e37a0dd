import Foundation
import ParleyMail
import Testing

@testable import ParleyRelay

/// A whole reply as one mail client sends it, from `Fixtures/clients/`, named
/// `CLIENT-FORM-LANG[-VARIANT].eml`, with `NAME.expected.txt` beside it: exactly the new
/// text the sender wrote. A multipart fixture whose HTML alternative reads differently
/// (answers between quotes: the HTML path drops the quoted context) has
/// `NAME.html-expected.txt` as well.
struct ClientFixture: Sendable, CustomTestStringConvertible {
    /// The ten clients the fixtures must cover (issue #3).
    static let clients = [
        "gmail-web", "gmail-mobile", "outlook-desktop", "outlook-web", "apple-mail",
        "ios-mail", "thunderbird", "k9", "yahoo", "protonmail",
    ]
    /// `text`: text/plain only; `html`: text/html only; `multipart`: multipart/alternative.
    static let forms = ["text", "html", "multipart"]

    let name: String
    let client: String
    let form: String
    let language: String

    var testDescription: String { name }

    /// Splits `CLIENT-FORM-LANG[-VARIANT]`; nil for a name that does not follow it.
    init?(name: String) {
        let pieces = name.split(separator: "-").map(String.init)
        guard let formIndex = pieces.firstIndex(where: { Self.forms.contains($0) }),
              formIndex > 0, formIndex + 1 < pieces.count else { return nil }
        self.name = name
        client = pieces[..<formIndex].joined(separator: "-")
        form = pieces[formIndex]
        language = pieces[formIndex + 1]
    }

    static var folder: URL? {
        Bundle.module.resourceURL?.appendingPathComponent("Fixtures/clients")
    }

    /// Every `.eml` in the folder, by name (unparseable names included, so that the
    /// coverage test can reject them).
    static let names: [String] = {
        guard let folder, let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return files.filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static let all: [ClientFixture] = names.compactMap(ClientFixture.init(name:))

    func data(_ suffix: String) throws -> Data? {
        let folder = try #require(Self.folder)
        let url = folder.appendingPathComponent(name + suffix)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Data(contentsOf: url)
    }

    func text(_ suffix: String) throws -> String? {
        try data(suffix).map { String(decoding: $0, as: UTF8.self) }
    }
}

@Suite("Replies as real mail clients send them")
struct ClientFixtureTests {
    /// Trailing white space is invisible in a published comment: it is dropped at the end
    /// of every line and of the text, nothing else is normalised.
    static func withoutTrailingSpace(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = Substring(line)
            while let last = l.last, last.isWhitespace { l = l.dropLast() }
            return String(l)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    @Test("The daemon keeps exactly the sender's new text", arguments: ClientFixture.all)
    func trimmedToTheNewText(_ fixture: ClientFixture) throws {
        let raw = try #require(try fixture.data(".eml"))
        let expected = try #require(try fixture.text(".expected.txt"), "\(fixture.name).expected.txt is missing")

        // The daemon's own reading of a fetched message: parse, pick the text (or the
        // HTML turned into text), trim, classify.
        let mail = ReadMail(raw: Array(raw), ownAddresses: ["talk@example.org"])
        #expect(Self.withoutTrailingSpace(mail.extracted.text) == Self.withoutTrailingSpace(expected))
        #expect(!mail.extracted.elided.isEmpty, "the quoted original should have been cut and kept")
        #expect(mail.classification == .reply)
        #expect(!mail.extracted.text.contains("\u{FFFD}"), "the charset was decoded")

        // The fixture really has the form its name claims.
        switch fixture.form {
        case "text":
            #expect(mail.parsed.text != nil && mail.parsed.html == nil)
        case "html":
            #expect(mail.parsed.text == nil && mail.parsed.html != nil)
        default:
            #expect(mail.parsed.text != nil && mail.parsed.html != nil)
        }
    }

    /// The relay reads the text alternative when there is one; the HTML alternative of
    /// the same reply must give the same words, as it does when a client (or a list)
    /// sends HTML only.
    @Test("The HTML alternative trims to the same text",
          arguments: ClientFixture.all.filter { $0.form == "multipart" })
    func htmlAlternativeAgrees(_ fixture: ClientFixture) throws {
        let raw = try #require(try fixture.data(".eml"))
        let expected = try #require(try fixture.text(".html-expected.txt") ?? fixture.text(".expected.txt"))
        let parsed = MailParser.parse(Array(raw))
        let html = try #require(parsed.html)
        let text = ReplyExtractor.extract(HTMLText.convert(html, removingQuotes: true).text).text
        // HTML rendering turns a no-break space into a space (HTMLTextRenderer); the words
        // must agree, not the space characters.
        let spaced = { (t: String) in Self.withoutTrailingSpace(t).replacingOccurrences(of: "\u{00A0}", with: " ") }
        #expect(spaced(text) == spaced(expected))
    }

    @Test("The fixtures cover every client, every form and at least eight languages")
    func coverage() throws {
        let malformed = ClientFixture.names.filter { ClientFixture(name: $0) == nil }
        #expect(malformed.isEmpty, "names must read CLIENT-FORM-LANG: \(malformed)")
        let fixtures = ClientFixture.all
        #expect(fixtures.count >= 30)

        let unknown = Set(fixtures.map(\.client)).subtracting(ClientFixture.clients)
        #expect(unknown.isEmpty, "unknown clients: \(unknown.sorted())")
        for client in ClientFixture.clients {
            #expect(fixtures.filter { $0.client == client }.count >= 2, "\(client) needs at least two fixtures")
        }
        for form in ClientFixture.forms {
            #expect(fixtures.contains { $0.form == form }, "no \(form) fixture")
        }
        let languages = Set(fixtures.map(\.language))
        #expect(languages.count >= 8, "languages: \(languages.sorted())")

        // Legacy charsets, where real clients still use them.
        var charsets: Set<String> = []
        for fixture in fixtures {
            let parsed = MailParser.parse(Array(try #require(try fixture.data(".eml"))))
            for part in parsed.parts {
                if let charset = part.parameters["charset"] { charsets.insert(charset.lowercased()) }
            }
        }
        for charset in ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "iso-2022-jp"] {
            #expect(charsets.contains(charset), "no fixture in \(charset)")
        }
    }
}
