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
    /// `original` when the reply was read against the notification its token names
    /// (`message inspect --config`), else `heuristic`.
    public var trimmedBy = "heuristic"
    /// The heuristic reading (always).
    public var heuristic: ExtractedReply?
    /// The reading against the original; nil without `--config`, without a valid token,
    /// when the outbox no longer has the notification, or when nothing lines up.
    public var originalReading: ExtractedReply?
    /// Why there is no original reading, in words.
    public var originalNote: String?

    public struct BounceInfo: Encodable, Sendable {
        public var recipient: String?
        public var status: String?
        /// Every recipient the report says failed.
        public var failedRecipients: [String]

        enum CodingKeys: String, CodingKey {
            case recipient, status
            case failedRecipients = "failed_recipients"
        }
    }

    public struct AttachmentInfo: Encodable, Sendable {
        public var name: String?
        public var type: String
        public var size: Int
    }

    enum CodingKeys: String, CodingKey {
        case from, to, subject, headers, text, trimmed, elided, classification, bounce, token, attachments, heuristic
        case messageID = "message_id"
        case trimmedBy = "trimmed_by"
        case originalReading = "original_reading"
        case originalNote = "original_note"
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
        try c.encode(trimmedBy, forKey: .trimmedBy)
        try c.encode(heuristic.map { ["text": $0.text, "elided": $0.elided] }, forKey: .heuristic)
        try c.encode(originalReading.map { ["text": $0.text, "elided": $0.elided] }, forKey: .originalReading)
        try c.encodeIfPresent(originalNote, forKey: .originalNote)
    }
}

/// Reading one email without a config: for `message trim` and `message inspect`.
public enum MessageReading {
    public static func read(_ bytes: [UInt8], replyAddress: String? = nil) -> InspectReport {
        report(ReadMail(raw: bytes, ownAddresses: []), replyAddress: replyAddress)
    }

    static func report(_ mail: ReadMail, replyAddress: String?) -> InspectReport {
        let parsed = mail.parsed
        let text = parsed.text ?? parsed.html.map { HTMLText.text($0, removingQuotes: false) } ?? ""
        var bounce: InspectReport.BounceInfo?
        if case .bounce(let report) = mail.classification {
            bounce = .init(recipient: report.recipient, status: report.status, failedRecipients: report.failedRecipients)
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
            attachments: attachments, heuristic: mail.extracted)
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


extension Relay {
    /// `parley message inspect --config FILE`: the report, plus the reading against the
    /// notification the token names (looked up in this installation's database), and
    /// which reading the daemon would publish (`trimmed_by`).
    public func inspectMessage(_ bytes: [UInt8]) throws -> InspectReport {
        let mail = ReadMail(raw: bytes, ownAddresses: [])
        var report = MessageReading.report(mail, replyAddress: config.mailboxes.first?.replyAddress)
        guard let text = report.token else {
            report.originalNote = "no reply token"
            return report
        }
        let token: ReplyToken
        do {
            token = try codec.decode(text, today: today)
        } catch {
            report.originalNote = "the token is not valid here: \(error)"
            return report
        }
        let reading = try store.read { tx -> ExtractedReply? in
            guard let raw = try tx.originalMessage(token: text.lowercased()) else {
                report.originalNote = "the outbox has no sent notification with this token (never sent here, or pruned after [outbox] keep_sent)"
                return nil
            }
            var answered: String?
            switch token.target {
            case .comment: answered = try tx.comment(id: token.targetID)?.body
            case .post: answered = try tx.post(number: token.targetID)?.excerpt
            default: break
            }
            let reading = ReadReply.againstOriginal(body: mail.body, original: raw, answered: answered)
            if reading == nil { report.originalNote = "no line of the reply lines up with the notification" }
            return reading
        }
        if let reading {
            report.originalReading = reading
            report.trimmed = reading.text
            report.elided = reading.elided
            report.trimmedBy = "original"
        }
        return report
    }
}
