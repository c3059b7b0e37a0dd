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
public enum MailClassification: Sendable, Equatable {
    case loop
    case bounce(BounceReport)
    case autoReply(reason: String)
    case command(MailCommand)
    case reply
    case other
}
public struct BounceReport: Sendable, Equatable {
    public var recipient: String?
    public var status: String?
}
public enum MailCommand: String, Sendable, Equatable { case unsubscribe, stop, approve, reject }
public struct MessageClassifier: Sendable {
    let own: [String]
    public init(ownAddresses: [String]) { own = ownAddresses }
    public func classify(_ mail: ParsedMail, trimmedText: String) -> MailClassification {
        let t = trimmedText.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        if let c = MailCommand(rawValue: t) { return .command(c) }
        return .reply
    }
}
import Foundation
