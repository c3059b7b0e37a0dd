import Foundation

/// Reads a feed document: RSS 2.0, RSS 1.0 (RDF), Atom 1.0 or JSON Feed 1.0/1.1.
///
/// XML in whatever encoding its prolog declares (or its byte-order mark says), junk before
/// the root element skipped (a PHP warning printed ahead of the feed is common); never any
/// network or file access from inside a document.
public enum FeedParser {
    /// The largest document read (the fetcher stops at the same size).
    public static let maximumBytes = 10 * 1024 * 1024

    /// - Parameter url: where the document was fetched from, for relative links.
    public static func parse(_ bytes: [UInt8], url: String? = nil) throws(FeedError) -> FeedDocument {
        guard bytes.count <= maximumBytes else {
            throw FeedError("the document is \(bytes.count / 1_048_576) MB; feeds are read up to \(maximumBytes / 1_048_576) MB")
        }
        var body = bytes[...]
        var encoding: String?
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            body = body.dropFirst(3)
            encoding = "UTF-8"
        } else if body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0xFE, 0xFF]) {
            // UTF-16 with its mark: made UTF-8 here, so the junk scan below reads it too.
            guard let text = String(data: Data(body), encoding: .utf16) else { throw FeedError("the document says UTF-16 but is not") }
            body = Array(text.utf8)[...]
            encoding = "UTF-8"
        }
        let start = body.firstIndex { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        guard let start else { throw FeedError("the document is empty") }
        if body[start] == UInt8(ascii: "{") {
            return try JSONFeedReader.read(Array(body[start...]), url: url)
        }
        let root = rootStart(body) ?? start
        return try XMLFeedReader.read(Array(body[root...]), url: url, encoding: encoding)
    }

    /// Where the XML begins: the declaration, else the first feed root element.
    private static func rootStart(_ body: ArraySlice<UInt8>) -> Int? {
        let markers: [[UInt8]] = ["<?xml", "<rss", "<feed", "<rdf:RDF", "<RDF", "<!DOCTYPE"].map { Array($0.utf8) }
        var best: Int?
        let limit = min(body.endIndex, body.startIndex + 64 * 1024)
        var i = body.startIndex
        while i < limit {
            if body[i] == UInt8(ascii: "<") {
                for m in markers where i + m.count <= body.endIndex && body[i..<(i + m.count)].elementsEqual(m) {
                    best = i
                    break
                }
                if best != nil { return best }
            }
            i += 1
        }
        return best
    }
}
