// Pulling bare addresses out of header values and bounce texts.

/// Lenient address extraction. Not an RFC 5322 parser: it only needs the `local@domain`
/// part of mailboxes as real mailers write them, and must never fail on garbage.
enum MailAddressText {
    /// The address of one mailbox (`Name <a@b>`, `<a@b>`, `a@b (Name)`), lower-cased, or nil.
    static func address(in value: String) -> String? {
        let bytes = Array(value.utf8)
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
            } else if b == 0x28 {
                commentDepth = 1
            } else if b == 0x3C {
                angleStart = i + 1
            } else if b == 0x3E, let start = angleStart {
                let inner = ClassifierText.string(bytes, start..<i)
                angleStart = nil
                if let address = cleaned(inner) { return address }
            }
            i += 1
        }
        // No angle-addr: the first whitespace-separated word with an `@`, comments removed.
        var word: [UInt8] = []
        var depth = 0
        for b in bytes + [0x20] {
            if b == 0x28 { depth += 1; continue }
            if b == 0x29 { depth = max(0, depth - 1); continue }
            if depth > 0 { continue }
            if ClassifierText.isSpace(b) || b == 0x2C || b == 0x3B {
                if word.contains(0x40), let address = cleaned(String(decoding: word, as: UTF8.self)) {
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
        var result: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var inAngle = false
        var commentDepth = 0
        for b in Array(value.utf8) + [0x2C] {
            if b == 0x22 && commentDepth == 0 { inQuotes.toggle() }
            if !inQuotes {
                if b == 0x28 { commentDepth += 1 }
                if b == 0x29 { commentDepth = max(0, commentDepth - 1) }
                if b == 0x3C { inAngle = true }
                if b == 0x3E { inAngle = false }
            }
            if b == 0x2C && !inQuotes && !inAngle && commentDepth == 0 {
                if let address = address(in: String(decoding: current, as: UTF8.self)) { result.append(address) }
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
        }
        return result
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
        return cleaned(String(decoding: bytes[start..<end], as: UTF8.self))
    }

    /// Splits `local@domain` at the last `@`.
    static func split(_ address: String) -> (local: Substring, domain: Substring)? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        return (local, domain)
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
