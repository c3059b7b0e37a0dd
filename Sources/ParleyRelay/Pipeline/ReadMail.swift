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
    /// The addresses in the recipient headers (`Relay.recipientHeaders`: To, Cc,
    /// Delivered-To, X-Original-To, Envelope-To), where reply, unsubscribe and bounce
    /// tokens are looked for (parsed here, on the reader's thread).
    let recipientAddresses: [EmailAddress]
    let extracted: ExtractedReply
    let classification: MailClassification
    /// The text the reply was trimmed from (see ``ReadReply/body``).
    let body: String
    /// The reply token, looked up ahead of the decision (on the ingest's reader thread:
    /// decoding checks an HMAC) for the day it was looked up on; see ``Decider/findToken(_:)``.
    var token: (day: Int64, result: Result<Decider.FoundToken, Decider.TokenProblem>)?

    init(raw: [UInt8], ownAddresses: [String]) {
        self.raw = raw
        hash = ReadMail.hex(SHA256.hash(data: raw))
        parsed = MailParser.parse(raw)
        messageID = parsed.header("Message-ID").map(MessageIDs.parse)?.first
        from = parsed.header("From").flatMap(ReadMail.firstAddress)
        subject = parsed.header("Subject")
        let parsed = parsed
        recipientAddresses = Relay.recipientHeaders.flatMap { parsed.headers(named: $0).flatMap(ReadMail.addresses) }
        let read = ReadReply(parsed, classifier: MessageClassifier(ownAddresses: ownAddresses))
        extracted = read.extracted
        classification = read.classification
        body = read.body
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
        var copy = value
        if let pieces = copy.withUTF8(splitAddressList) {
            let utf8 = value.utf8
            return pieces.compactMap { piece in
                let lower = utf8.index(utf8.startIndex, offsetBy: piece.lowerBound)
                let upper = utf8.index(utf8.startIndex, offsetBy: piece.upperBound)
                return EmailAddress(String(value[lower..<upper]))
            }
        }
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

    /// The pieces of an address list between top-level commas, found on the UTF-8 bytes
    /// (walking Characters one by one was the hot spot of this path). The same split as
    /// the Character walk in ``addresses(_:)`` wherever every `"`, `<`, `>` and `,` has
    /// ASCII on both sides and so is a Character of its own; nil when one has not (a
    /// combining mark after it, say), and the Character walk decides.
    private static func splitAddressList(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>]? {
        var pieces: [Range<Int>] = []
        var start = 0
        var inQuotes = false
        var depth = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b == 0x22 || b == 0x3C || b == 0x3E || b == 0x2C else { continue }
            if (i > 0 && bytes[i - 1] >= 0x80) || (i + 1 < bytes.count && bytes[i + 1] >= 0x80) { return nil }
            if b == 0x22 { inQuotes.toggle() }
            if !inQuotes {
                if b == 0x3C { depth += 1 }
                if b == 0x3E { depth = max(0, depth - 1) }
                if b == 0x2C && depth == 0 {
                    pieces.append(start..<i)
                    start = i + 1
                }
            }
        }
        pieces.append(start..<bytes.count)
        return pieces
    }
}

/// Message-ID lists as in `In-Reply-To` and `References` (RFC 5322 §3.6.4), read leniently.
enum MessageIDs {
    /// The ids inside angle brackets, in order, without the brackets; a bare id without
    /// brackets is accepted when it is the only thing there.
    static func parse(_ value: String) -> [String] {
        var copy = value
        if let ids = copy.withUTF8(parseASCII) { return ids }
        var ids: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let id = trimmingSpace(rest[rest.index(after: open)..<close])
            if !id.isEmpty && id.contains("@") { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if ids.isEmpty {
            let bare = trimmingSpace(Substring(value))
            if bare.contains("@") && !bare.contains(" ") { ids.append(bare) }
        }
        return ids
    }

    /// ``parse(_:)`` on bytes, for ASCII values (nearly all: RFC 5322 ids are ASCII), where
    /// every byte is a Character; nil for any other value.
    private static func parseASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound, upper = range.upperBound
            while lower < upper, isSpace(bytes[lower]) { lower += 1 }
            while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
            return lower..<upper
        }
        func string(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        var ids: [String] = []
        var i = 0
        while let open = bytes[i...].firstIndex(of: 0x3C) {
            guard let close = bytes[open...].firstIndex(of: 0x3E) else { break }
            let id = trimmed((open + 1)..<close)
            if !id.isEmpty && bytes[id].contains(0x40) { ids.append(string(id)) }
            i = close + 1
        }
        if ids.isEmpty {
            let bare = trimmed(0..<bytes.count)
            if bytes[bare].contains(0x40) && !bytes[bare].contains(0x20) { ids.append(string(bare)) }
        }
        return ids
    }

    /// Without leading and trailing tabs and space separators (Unicode category Zs): what
    /// Foundation's `trimmingCharacters(in: .whitespaces)` removes.
    private static func trimmingSpace(_ text: Substring) -> String {
        let scalars = text.unicodeScalars
        func isSpace(_ s: Unicode.Scalar) -> Bool { s == "\t" || s.properties.generalCategory == .spaceSeparator }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }
}
