import Foundation
import ParleyCore
import ParleyMail

/// What `parley message inspect` prints about one email.
public struct InspectReport: Encodable, Sendable {
    public var from: String?
    public var to: [String]
    public var subject: String?
    public var messageID: String?
    public var headers: [[String]]
    public var text: String
    public var trimmed: String
    public var elided: String
    public var classification: String
    public var bounce: BounceInfo?
    public var token: String?
    public var attachments: [AttachmentInfo]

    public struct BounceInfo: Encodable, Sendable {
        public var recipient: String?
        public var status: String?
    }

    public struct AttachmentInfo: Encodable, Sendable {
        public var name: String?
        public var type: String
        public var size: Int
    }

    enum CodingKeys: String, CodingKey {
        case from, to, subject, headers, text, trimmed, elided, classification, bounce, token, attachments
        case messageID = "message_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(subject, forKey: .subject)
        try c.encode(messageID, forKey: .messageID)
        try c.encode(headers, forKey: .headers)
        try c.encode(text, forKey: .text)
        try c.encode(trimmed, forKey: .trimmed)
        try c.encode(elided, forKey: .elided)
        try c.encode(classification, forKey: .classification)
        try c.encode(bounce, forKey: .bounce)
        try c.encode(token, forKey: .token)
        try c.encode(attachments, forKey: .attachments)
    }
}

/// Reading one email without a config: for `message trim` and `message inspect`.
public enum MessageReading {
    public static func read(_ bytes: [UInt8], replyAddress: String? = nil) -> InspectReport {
        let mail = ReadMail(raw: bytes, ownAddresses: [])
        let parsed = mail.parsed
        let text = parsed.text ?? parsed.html.map { HTMLText.text($0, removingQuotes: false) } ?? ""
        var bounce: InspectReport.BounceInfo?
        if case .bounce(let report) = mail.classification {
            bounce = .init(recipient: report.recipient, status: report.status)
        }
        let attachments = parsed.parts.filter { part in
            part.disposition == "attachment" || part.filename != nil || !(part.contentType.hasPrefix("text/") || part.contentType.hasPrefix("message/"))
        }.map { InspectReport.AttachmentInfo(name: $0.filename, type: $0.contentType, size: $0.size) }
        return InspectReport(
            from: mail.from?.description, to: parsed.headers(named: "To").flatMap(ReadMail.addresses).map(\.address),
            subject: mail.subject, messageID: mail.messageID,
            headers: parsed.headers.map { [$0.name, $0.value] }, text: text,
            trimmed: mail.extracted.text, elided: mail.extracted.elided,
            classification: mail.classification.name, bounce: bounce,
            token: tokenCandidate(parsed, pattern: replyAddress.flatMap(ReplyAddressPattern.init)),
            attachments: attachments)
    }

    /// A token-shaped string in the recipients (`local+TOKEN@…`) or in the first label of
    /// an In-Reply-To/References Message-ID; not verified (that needs the site secret).
    static func tokenCandidate(_ mail: ParsedMail, pattern: ReplyAddressPattern?) -> String? {
        for header in ["To", "Cc", "Delivered-To", "X-Original-To"] {
            for address in mail.headers(named: header).flatMap(ReadMail.addresses) {
                if let pattern, let t = pattern.token(in: address.address) { return t }
                let local = address.localPart.lowercased()
                if pattern == nil, let plus = local.firstIndex(of: "+") {
                    let t = String(local[local.index(after: plus)...])
                    if looksLikeToken(t) { return t }
                }
            }
        }
        let ids = (mail.header("In-Reply-To").map(MessageIDs.parse) ?? []) + (mail.header("References").map(MessageIDs.parse) ?? []).reversed()
        for id in ids {
            if let dot = id.firstIndex(of: ".") {
                let t = id[..<dot].lowercased()
                if looksLikeToken(t) { return t }
            }
        }
        return nil
    }

    static func looksLikeToken(_ s: String) -> Bool {
        s.utf8.count >= 20 && s.utf8.count <= 64 && Base32.decode(s)?.first == ReplyToken.currentVersion
    }
}

