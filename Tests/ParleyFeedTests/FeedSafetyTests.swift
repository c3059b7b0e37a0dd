import Foundation
import ParleyFeed
import Testing

/// Hostile documents: no file or network access from inside a document, no entity
/// expansion bomb, no stack or memory blow-up; each refused or read safely within a second.
@Suite("Feed safety")
struct FeedSafetyTests {
    static let dir = Bundle.module.resourcePath! + "/Fixtures/malicious"

    static func read(_ name: String) throws -> (Result<FeedDocument, FeedError>, seconds: Double, grownMB: Double) {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)")))
        let before = peakRSSMB()
        let start = Date()
        let result: Result<FeedDocument, FeedError>
        do { result = .success(try FeedParser.parse(bytes, url: "https://evil.example/feed")) } catch { result = .failure(error) }
        return (result, Date().timeIntervalSince(start), peakRSSMB() - before)
    }

    static func peakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Every text a document yields.
    static func texts(_ d: FeedDocument) -> [String] {
        [d.title] + d.entries.flatMap { [$0.id, $0.title, $0.excerpt ?? "", $0.author ?? ""] + $0.categories }
    }

    @Test("external entities are never loaded: no file's contents, no connection", arguments: ["xxe-file.xml", "xxe-http.xml", "parameter-entities.xml"])
    func externalEntities(_ name: String) throws {
        // Something listens where the documents point (127.0.0.1:9), to see whether anyone calls.
        let listener = Listener(port: 9)
        let (result, seconds, _) = try Self.read(name)
        #expect(seconds < 1)
        if case .success(let d) = result {
            for t in Self.texts(d) {
                #expect(!t.contains("root:"), "the contents of /etc/passwd leaked into a field")
            }
        }
        if let listener {
            #expect(!listener.wasCalled(), "the parser connected to 127.0.0.1:9")
        } else {
            print("note: port 9 could not be bound here (not root?); only the file side of \(name) was checked")
        }
    }

    @Test("entity expansion bombs are bounded", arguments: ["billion-laughs.xml", "quadratic-blowup.xml"])
    func entityBombs(_ name: String) throws {
        let (result, seconds, grown) = try Self.read(name)
        #expect(seconds < 1, "took \(seconds) s")
        #expect(grown < 200, "peak memory grew by \(grown) MB")
        if case .success(let d) = result {
            #expect(Self.texts(d).allSatisfy { $0.utf8.count <= 2 << 20 })
        }
    }

    @Test("100,000 nested elements: refused or read within a second, no stack overflow")
    func deepNesting() throws {
        let (_, seconds, grown) = try Self.read("deep-nesting.xml")
        #expect(seconds < 1)
        #expect(grown < 200)
    }

    @Test("a 50 MB feed is refused at once")
    func fiftyMegabytes() throws {
        var doc = Array("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>big</title>".utf8)
        let item = Array("<item><title>x</title><guid>g</guid><description>lorem ipsum dolor sit amet</description></item>\n".utf8)
        while doc.count < 50_000_000 { doc += item }
        doc += Array("</channel></rss>".utf8)
        let start = Date()
        #expect(throws: FeedError.self) { try FeedParser.parse(doc) }
        #expect(Date().timeIntervalSince(start) < 1)
    }
}

/// A TCP listener on 127.0.0.1, non-blocking: `wasCalled` says whether anyone connected.
final class Listener {
    let fd: Int32

    init?(port: UInt16) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    func wasCalled() -> Bool {
        let client = accept(fd, nil, nil)
        if client >= 0 { close(client); return true }
        return false
    }

    deinit { close(fd) }
}
