// `HTMLText.text` strips quotes on the parsed tree itself, journaling and undoing its
// changes, where `HTMLText.convert` strips a deep copy: both must give the same text.

import Foundation
import Testing
@testable import ParleyMail

@Suite("HTMLText: text alone")
struct HTMLTextOnlyTests {
    /// Every HTML fixture, and the HTML part of every .eml fixture under `Tests/`.
    static let documents: [(String, String)] = {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let files = (FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL } ?? []).sorted { $0.path < $1.path }
        var out: [(String, String)] = []
        for url in files {
            guard let data = try? Data(contentsOf: url) else { continue }
            if url.pathExtension == "html" {
                out.append((url.lastPathComponent, String(decoding: data, as: UTF8.self)))
            } else if url.pathExtension == "eml", let html = MailParser.parse([UInt8](data)).html {
                out.append((url.lastPathComponent, html))
            }
        }
        return out
    }()

    @Test func textIsConvertsText() {
        #expect(Self.documents.count > 20)
        for (name, html) in Self.documents {
            #expect(HTMLText.text(html) == HTMLText.convert(html).text, "\(name)")
            #expect(HTMLText.text(html, removingQuotes: false) == HTMLText.convert(html, removingQuotes: false).text, "\(name)")
        }
    }

    /// Undoing a journaled strip gives back the tree as parsed, rendered the same.
    @Test func undoRestoresTheTree() {
        for (name, html) in Self.documents {
            let root = HTMLDocumentParser.parse(html)
            let before = HTMLTextRenderer.render(root)
            var stripper = HTMLQuoteStripper(mode: .truncating, journaling: true)
            stripper.strip(root)
            stripper.undo()
            #expect(HTMLTextRenderer.render(root) == before, "\(name)")
        }
    }
}
