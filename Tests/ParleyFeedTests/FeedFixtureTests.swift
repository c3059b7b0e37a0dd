import Foundation
import ParleyFeed
import Testing

/// The feed fixtures (see Fixtures/README.md): each read exactly as its expected JSON says.
@Suite("Feed fixtures")
struct FeedFixtureTests {
    static let dir = Bundle.module.resourcePath! + "/Fixtures"

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) }.sorted()
    }

    static func document(_ name: String) -> [UInt8]? {
        for ext in ["xml", "json"] {
            if let data = FileManager.default.contents(atPath: "\(dir)/\(name).\(ext)") { return Array(data) }
        }
        return nil
    }

    @Test("there are fixtures for every generator named in the issue")
    func fixturesPresent() {
        #expect(Self.names.count >= 16)
        for generator in ["wordpress", "blogger", "hugo", "jekyll", "ghost", "medium", "substack", "jsonfeed", "rss1", "latin1", "utf16"] {
            #expect(Self.names.contains { $0.contains(generator) }, "no fixture for \(generator)")
        }
    }

    @Test("each fixture reads as its expected JSON", arguments: FeedFixtureTests.names)
    func fixture(_ name: String) throws {
        let urls = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/urls.json"))) as! [String: String]
        let bytes = try #require(Self.document(name))
        let document = try FeedParser.parse(bytes, url: urls[name])
        let got = try JSONSerialization.jsonObject(with: JSONEncoder().encode(document)) as! NSDictionary
        let want = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(Self.dir)/\(name).expected.json"))) as! NSDictionary
        if got != want {
            let wantEntries = want["entries"] as? [NSDictionary] ?? [], gotEntries = got["entries"] as? [NSDictionary] ?? []
            #expect(got["title"] as? String == want["title"] as? String)
            #expect(got["link"] as? String == want["link"] as? String)
            #expect(gotEntries.count == wantEntries.count)
            for (g, w) in zip(gotEntries, wantEntries) {
                for key in w.allKeys as! [String] where "\(g[key] ?? "nil")" != "\(w[key] ?? "nil")" {
                    Issue.record("\(name) \(w["id"] ?? "?") \(key): got \(g[key] ?? "nil"), want \(w[key] ?? "nil")")
                }
            }
        }
        #expect(got == want)
    }
}
