// TEMPORARY stand-ins until the extractor, HTML and classifier land.
public struct ExtractedReply: Sendable, Equatable {
    public var text: String
    public var elided: String
}
public enum ReplyExtractor {
    public static func extract(_ body: String) -> ExtractedReply {
        var kept: [Substring] = []
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            if line.hasPrefix(">") { break }
            if line.hasSuffix("wrote:") && i + 1 < lines.count { break }
            kept.append(line)
        }
        return ExtractedReply(text: kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines), elided: "")
    }
}
import Foundation
