import Crypto
import Foundation
import ParleyCore
import ParleyMail

/// An incoming email after the CPU-only stages (parse, extract, classify), ready for the
/// decision made inside a database transaction.
struct ReadMail {
    let raw: [UInt8]
    let hash: String
    let parsed: ParsedMail
    let messageID: String?
    let from: EmailAddress?
    let subject: String?
    let extracted: ExtractedReply
    let classification: MailClassification

    init(raw: [UInt8], ownAddresses: [String]) {
        self.raw = raw
        hash = ReadMail.hex(SHA256.hash(data: raw))
        parsed = MailParser.parse(raw)
        messageID = parsed.header("Message-ID").map(MessageIDs.parse)?.first
        from = parsed.header("From").flatMap(ReadMail.firstAddress)
        subject = parsed.header("Subject")
        let body: String
        if let text = parsed.text {
            body = text
        } else if let html = parsed.html {
            body = HTMLText.convert(html, removingQuotes: true).text
        } else {
            body = ""
        }
        extracted = ReplyExtractor.extract(body)
        classification = MessageClassifier(ownAddresses: ownAddresses).classify(parsed, trimmedText: extracted.text)
    }

    /// Lower-case hex of a digest (String(format:) per byte was a hot spot).
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first address of an address-list header value.
    static func firstAddress(_ value: String) -> EmailAddress? {
        addresses(value).first
    }

    /// Every address in an address-list header value (`Name <a@b>, c@d`), leniently.
    static func addresses(_ value: String) -> [EmailAddress] {
        var out: [EmailAddress] = []
        var current = ""
        var inQuotes = false
        var depth = 0
        for ch in value {
            if ch == "\"" { inQuotes.toggle() }
            if !inQuotes {
                if ch == "<" { depth += 1 }
                if ch == ">" { depth = max(0, depth - 1) }
                if ch == "," && depth == 0 {
                    if let a = EmailAddress(current) { out.append(a) }
                    current = ""
                    continue
                }
            }
            current.append(ch)
        }
        if let a = EmailAddress(current) { out.append(a) }
        return out
    }
}

/// Message-ID lists as in `In-Reply-To` and `References` (RFC 5322 §3.6.4), read leniently.
enum MessageIDs {
    /// The ids inside angle brackets, in order, without the brackets; a bare id without
    /// brackets is accepted when it is the only thing there.
    static func parse(_ value: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let id = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if !id.isEmpty && id.contains("@") { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if ids.isEmpty {
            let bare = value.trimmingCharacters(in: .whitespaces)
            if bare.contains("@") && !bare.contains(" ") { ids.append(bare) }
        }
        return ids
    }
}
