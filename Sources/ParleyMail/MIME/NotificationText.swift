import Foundation

/// The text part of a notification Parley wrote itself (``MessageBuilder``): a
/// `text/plain; charset=utf-8` body, alone or as the first part of a
/// `multipart/alternative`, in quoted-printable, base64, 7bit or 8bit. Reading a reply
/// against its notification needs only this text, and GMime's whole parse of the
/// message cost three times the reading itself. Anything else (another structure,
/// another charset) is nil, and ``text(of:)`` falls back to ``MailParser``.
public enum NotificationText {
    /// The text of a notification, LF line endings.
    public static func text(of raw: [UInt8]) -> String? {
        if let fast = raw.withUnsafeBufferPointer(read) { return fast }
        let parsed = MailParser.parse(raw)
        return parsed.text ?? parsed.html.map { HTMLText.text($0, removingQuotes: false) }
    }

    /// The fast path alone (tests compare it with GMime's reading).
    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let (type, encoding, bodyStart) = header(bytes, from: 0) else { return nil }
        if type.lowercased().hasPrefix("text/plain") {
            guard isUTF8(type) else { return nil }
            return decode(bytes, bodyStart..<bytes.count, encoding: encoding)
        }
        guard type.lowercased().hasPrefix("multipart/alternative"), let boundary = parameter("boundary", in: type), !boundary.isEmpty else { return nil }
        let delimiter = Array("\r\n--\(boundary)".utf8)
        // The first part starts after the first delimiter line (the preamble is empty).
        // The range of a part ends before the CRLF of the next delimiter (RFC 2046 §5.1.1).
        guard let first = find(delimiter, in: bytes, from: bodyStart - 2), let partStart = lineEnd(bytes, from: first + delimiter.count),
              let (partType, partEncoding, partBody) = header(bytes, from: partStart), partType.lowercased().hasPrefix("text/plain"), isUTF8(partType),
              let end = find(delimiter, in: bytes, from: partBody) else { return nil }
        return decode(bytes, partBody..<end, encoding: partEncoding)
    }

    /// Content-Type and Content-Transfer-Encoding (lower-cased, unfolded) of the header
    /// starting at `from`, and where its body starts.
    private static func header(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> (String, String, Int)? {
        var type = "text/plain; charset=us-ascii", encoding = "7bit"
        var current: [UInt8] = []
        var i = from
        // Only the two fields that matter become strings (a notification has a dozen others).
        let contentType = Array("content-type".utf8), transferEncoding = Array("content-transfer-encoding".utf8)
        func finish() {
            guard let colon = current.firstIndex(of: 0x3A) else { return }
            var nameEnd = colon
            while nameEnd > 0 && (current[nameEnd - 1] == 0x20 || current[nameEnd - 1] == 0x09) { nameEnd -= 1 }
            let name = current[..<nameEnd]
            let isType = name.count == contentType.count && zip(name, contentType).allSatisfy { $0 | 0x20 == $1 }
            let isEncoding = name.count == transferEncoding.count && zip(name, transferEncoding).allSatisfy { $0 | 0x20 == $1 }
            guard isType || isEncoding else { return }
            var start = colon + 1, end = current.count
            while start < end && (current[start] == 0x20 || current[start] == 0x09) { start += 1 }
            while end > start && (current[end - 1] == 0x20 || current[end - 1] == 0x09) { end -= 1 }
            // Lower-cased but for the boundary, whose case matters.
            let value = String(decoding: current[start..<end], as: UTF8.self)
            if isType { type = value } else { encoding = value.lowercased() }
        }
        while i < bytes.count {
            guard let end = lineEnd(bytes, from: i) else { return nil }
            let lineBytes = bytes[i..<max(i, end - 2)]
            if lineBytes.isEmpty {
                finish()
                return (type, encoding, end)
            }
            if lineBytes.first == 0x20 || lineBytes.first == 0x09 {
                current.append(contentsOf: lineBytes)  // a folded continuation
            } else {
                finish()
                current = Array(lineBytes)
            }
            i = end
        }
        return nil
    }

    /// Where the line starting at `from` ends, after its CRLF; nil without one.
    private static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        while i + 1 < bytes.count {
            if bytes[i] == 0x0D && bytes[i + 1] == 0x0A { return i + 2 }
            if bytes[i] == 0x0A { return nil }  // a bare LF: not Parley's own bytes
            i += 1
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count else { return nil }
        var i = max(0, from)
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// A parameter's value in a Content-Type (`name=value` or `name="value"`).
    private static func parameter(_ name: String, in value: String) -> String? {
        let utf8 = Array(value.utf8)
        let key = Array((name + "=").utf8)
        var i = 0
        while i + key.count <= utf8.count {
            let before = i == 0 ? UInt8(0x3B) : utf8[i - 1]
            if (before == 0x3B || before == 0x20 || before == 0x09), zip(utf8[i..<(i + key.count)], key).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) {
                var start = i + key.count
                var end = start
                if start < utf8.count && utf8[start] == 0x22 {
                    start += 1
                    end = start
                    while end < utf8.count && utf8[end] != 0x22 { end += 1 }
                } else {
                    while end < utf8.count && utf8[end] != 0x3B && utf8[end] != 0x20 { end += 1 }
                }
                return String(decoding: utf8[start..<end], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }

    private static func isUTF8(_ type: String) -> Bool {
        guard let charset = parameter("charset", in: type) else { return true }
        return charset.lowercased() == "utf-8" || charset.lowercased() == "us-ascii"
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, encoding: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        switch encoding {
        case "quoted-printable":
            var i = range.lowerBound
            while i < range.upperBound {
                let b = bytes[i]
                if b == 0x3D {
                    if i + 2 < range.upperBound, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { i += 3; continue }  // soft break
                    guard i + 2 < range.upperBound, let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) else { return nil }
                    out.append(hi << 4 | lo)
                    i += 3
                } else if b == 0x0D, i + 1 < range.upperBound, bytes[i + 1] == 0x0A {
                    out.append(0x0A)
                    i += 2
                } else {
                    out.append(b)
                    i += 1
                }
            }
        case "base64":
            guard let data = Data(base64Encoded: Data(UnsafeBufferPointer(rebasing: bytes[range])), options: .ignoreUnknownCharacters) else { return nil }
            for b in data where b != 0x0D { out.append(b) }
        case "7bit", "8bit":
            for b in bytes[range] where b != 0x0D { out.append(b) }
        default:
            return nil
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
