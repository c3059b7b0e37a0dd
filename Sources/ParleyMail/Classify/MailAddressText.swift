// Pulling bare addresses out of header values and bounce texts.

/// Lenient address extraction. Not an RFC 5322 parser: it only needs the `local@domain`
/// part of mailboxes as real mailers write them, and must never fail on garbage.
enum MailAddressText {
    /// The address of one mailbox (`Name <a@b>`, `<a@b>`, `a@b (Name)`), lower-cased, or nil.
    static func address(in value: String) -> String? {
        var copy = value
        return copy.withUTF8 { address(in: $0) }
    }

    /// ``address(in:)`` on the UTF-8 bytes of a header value.
    static func address(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var inQuotes = false
        var commentDepth = 0
        var angleStart: Int?
        var i = 0
        // RFC 5322 §3.4: the angle-addr wins over anything in the display name, but `<` and `@`
        // inside quoted display names and comments must not be taken for it.
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x5C { i += 1 } else if b == 0x22 { inQuotes = false }
            } else if commentDepth > 0 {
                if b == 0x5C { i += 1 } else if b == 0x28 { commentDepth += 1 } else if b == 0x29 { commentDepth -= 1 }
            } else if b == 0x22 {
                inQuotes = true
            } else if b == 0x3C {
                angleStart = i + 1
            } else if b == 0x28 {
                commentDepth = 1
            } else if b == 0x3E, let start = angleStart {
                angleStart = nil
                if let address = cleaned(UnsafeBufferPointer(rebasing: bytes[start..<i])) { return address }
            }
            i += 1
        }
        // No angle-addr: the first whitespace-separated word with an `@`, comments removed.
        var word: [UInt8] = []
        var depth = 0
        for index in 0...bytes.count {
            let b = index < bytes.count ? bytes[index] : 0x20
            if b == 0x28 { depth += 1; continue }
            if b == 0x29 { depth = max(0, depth - 1); continue }
            if depth > 0 { continue }
            if ClassifierText.isSpace(b) || b == 0x2C || b == 0x3B {
                if word.contains(0x40), let address = word.withUnsafeBufferPointer({ cleaned($0) }) {
                    return address
                }
                word.removeAll(keepingCapacity: true)
            } else {
                word.append(b)
            }
        }
        return nil
    }

    /// Every address in an address-list header value (`To`, `Cc`), lower-cased.
    static func addresses(inList value: String) -> [String] {
        var copy = value
        return copy.withUTF8 { bytes in
            var result: [String] = []
            var start = 0
            var inQuotes = false
            var inAngle = false
            var commentDepth = 0
            for index in 0...bytes.count {
                let b = index < bytes.count ? bytes[index] : 0x2C
                if b == 0x22 && commentDepth == 0 { inQuotes.toggle() }
                if !inQuotes {
                    if b == 0x28 { commentDepth += 1 }
                    if b == 0x29 { commentDepth = max(0, commentDepth - 1) }
                    if b == 0x3C { inAngle = true }
                    if b == 0x3E { inAngle = false }
                }
                if b == 0x2C && !inQuotes && !inAngle && commentDepth == 0 {
                    if let address = address(in: UnsafeBufferPointer(rebasing: bytes[start..<index])) { result.append(address) }
                    start = index + 1
                }
            }
            return result
        }
    }

    /// The address around the `@` at `at` in a bounce text, expanding over address characters
    /// but not before `lowerBound`. Used for phrases such as "couldn't be delivered to X".
    static func address(around at: Int, in bytes: [UInt8], lowerBound: Int = 0) -> String? {
        guard at >= 0, at < bytes.count, bytes[at] == 0x40 else { return nil }
        // Expansion is capped (RFC 5321 §4.5.3.1: 64-octet local part, 255-octet domain; doubled
        // for leniency) so that a run of address characters costs O(1) per `@`, not O(n).
        var start = at
        let startLimit = max(0, lowerBound, at - 128)
        while start > startLimit, isLocalByte(bytes[start - 1]) { start -= 1 }
        guard start < at else { return nil }
        var end = at + 1
        let endLimit = min(bytes.count, at + 1 + 512)
        while end < endLimit, isDomainByte(bytes[end]) { end += 1 }
        guard end > at + 1 else { return nil }
        return bytes.withUnsafeBufferPointer { cleaned(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Splits `local@domain` at the last `@`.
    static func split(_ address: String) -> (local: Substring, domain: Substring)? {
        // In ASCII every byte is a Character (CR LF aside, which is no `@`).
        let ascii = address.utf8.allSatisfy { $0 < 0x80 }
        guard let at = ascii ? address.utf8.lastIndex(of: 0x40) : address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        return (local, domain)
    }

    /// ``cleaned(_:)-(String)`` on bytes: decoded and trimmed as a String when they hold
    /// anything but ASCII; ASCII (nearly every address) is cleaned byte by byte, which
    /// is the same thing there, because each ASCII byte is one Character (CR LF aside,
    /// and no step below looks at CR or LF but the trimming, which takes both).
    private static func cleaned(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        guard raw.allSatisfy({ $0 < 0x80 }) else {
            return cleaned(ClassifierText.trimmed(String(decoding: raw, as: UTF8.self)))
        }
        var start = 0
        var end = raw.count
        while start < end, ClassifierText.isASCIIWhitespace(raw[start]) { start += 1 }
        while end > start, ClassifierText.isASCIIWhitespace(raw[end - 1]) { end -= 1 }
        if end - start >= 7, zip(raw[start..<(start + 7)], "mailto:".utf8).allSatisfy({ ClassifierText.lowerASCII($0) == $1 }) {
            start += 7
        }
        // Source routes (`<@relay:user@host>`, RFC 5322 §4.4 obs-route) keep only the mailbox.
        if start < end, raw[start] == 0x40, let colon = raw[start..<end].firstIndex(of: 0x3A) { start = colon + 1 }
        while start < end, isJunk(raw[start]) { start += 1 }
        while end > start, isJunk(raw[end - 1]) { end -= 1 }
        guard let at = raw[start..<end].lastIndex(of: 0x40), at > start, at < end - 1 else { return nil }
        return String(unsafeUninitializedCapacity: end - start) { out in
            for i in start..<end { out[i - start] = ClassifierText.lowerASCII(raw[i]) }
            return end - start
        }
    }

    private static func isJunk(_ b: UInt8) -> Bool {
        switch b {
        case 0x3C, 0x3E, 0x22, 0x27, 0x2E, 0x2C, 0x3B, 0x3A, 0x28, 0x29, 0x5B, 0x5D: true
        default: false
        }
    }

    /// Lower-cases and strips the decoration mailers put around addresses.
    private static func cleaned(_ raw: String) -> String? {
        var text = ClassifierText.trimmed(raw)
        if text.lowercased().hasPrefix("mailto:") { text = String(text.dropFirst(7)) }
        // Source routes (`<@relay:user@host>`, RFC 5322 §4.4 obs-route) keep only the mailbox.
        if text.hasPrefix("@"), let colon = text.firstIndex(of: ":") { text = String(text[text.index(after: colon)...]) }
        while let first = text.first, junk.contains(first) { text.removeFirst() }
        while let last = text.last, junk.contains(last) { text.removeLast() }
        guard let parts = split(text), !parts.local.isEmpty, !parts.domain.isEmpty else { return nil }
        return text.lowercased()
    }

    /// Decoration stripped from both ends of an address (built once, not per call).
    private static let junk: Set<Character> = ["<", ">", "\"", "'", ".", ",", ";", ":", "(", ")", "[", "]"]

    private static func isLocalByte(_ b: UInt8) -> Bool {
        ClassifierText.isDigit(b) || ClassifierText.isLetter(b) || b >= 0x80
            || "!#$%&'*+-/=?^_`{|}~.".utf8.contains(b)
    }

    private static func isDomainByte(_ b: UInt8) -> Bool {
        ClassifierText.isDigit(b) || ClassifierText.isLetter(b) || b >= 0x80 || b == 0x2D || b == 0x2E
    }
}
