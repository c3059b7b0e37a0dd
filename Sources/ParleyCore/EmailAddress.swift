/// An email address with an optional display name, as people write it:
/// `liz@example.org` or `Liz Strauss <liz@example.org>`.
///
/// The address is kept as written, apart from the domain, which is lower-cased
/// (RFC 5321 §2.4: domains are case-insensitive). ``key`` is what Parley compares:
/// the whole address lower-cased, because the mail servers people use treat the
/// local part case-insensitively too, and some fold it in transit.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// `local@domain`, domain lower-cased.
    public let address: String
    /// The display name, if any, with CR, LF and other control characters removed.
    public let name: String?

    /// Parses `addr@domain`, `Name <addr@domain>` or `"Name" <addr@domain>`.
    /// Returns nil when there is no well-formed address or when it holds characters
    /// that could inject SMTP commands or headers (CR, LF, NUL, spaces, angle brackets).
    public init?(_ text: String) {
        var text = Substring(text).trimmingSpaces()
        var name: String?
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
            var display = text[..<open].trimmingSpaces()
            if display.hasPrefix("\"") && display.hasSuffix("\"") && display.count >= 2 {
                display = display.dropFirst().dropLast()
            }
            name = EmailAddress.cleanName(String(display))
            text = inner.trimmingSpaces()
        }
        guard let address = EmailAddress.validate(String(text)) else { return nil }
        self.address = address
        self.name = name
    }

    /// Makes an address from a bare address and a separate display name.
    public init?(address: String, name: String?) {
        guard let valid = EmailAddress.validate(address) else { return nil }
        self.address = valid
        self.name = name.flatMap(EmailAddress.cleanName)
    }

    /// The comparison key: the whole address lower-cased.
    public var key: String { address.lowercased() }

    /// The part after the last `@`.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    /// The part before the last `@`.
    public var localPart: String { String(address[..<address.lastIndex(of: "@")!]) }

    public var description: String {
        if let name { return "\(name) <\(address)>" }
        return address
    }

    /// Two addresses are the same mailbox when their keys match (names are ignored).
    public func sameMailbox(as other: EmailAddress) -> Bool { key == other.key }

    static let forbidden: Set<Unicode.Scalar> = ["<", ">", "(", ")", "[", "]", "\\", ",", ";", ":", "\""]

    /// `forbidden` as a table of ASCII bytes.
    private static let forbiddenByte: [Bool] = (0..<128).map { forbidden.contains(Unicode.Scalar(UInt8($0))) }

    /// The address with its domain in lower case, or nil when it is not a plain
    /// `local@domain` that can go into an SMTP command and a header as it is. Checked on
    /// the UTF-8 bytes in one pass (every refused character is ASCII, so no byte of a
    /// multi-byte character can match); runs for every address read and written.
    static func validate(_ raw: String) -> String? {
        var copy = raw
        return copy.withUTF8 { b -> String? in
            let n = b.count
            guard n > 0, n <= 254 else { return nil }
            var firstAt = -1, lastAt = -1
            var domainNeedsLowering = false
            for i in 0..<n {
                let c = b[i]
                if c < 0x21 || c == 0x7F { return nil }
                if c < 0x80 && forbiddenByte[Int(c)] { return nil }
                if c == UInt8(ascii: "@") {
                    if firstAt < 0 { firstAt = i }
                    lastAt = i
                    domainNeedsLowering = false
                } else if lastAt >= 0 && (c >= 0x80 || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))) {
                    domainNeedsLowering = true
                }
            }
            // A local part of 1–64 bytes with no "@", a domain that is not empty.
            guard lastAt > 0, lastAt <= 64, firstAt == lastAt, lastAt < n - 1 else { return nil }
            let dot = UInt8(ascii: ".")
            guard b[lastAt + 1] != dot, b[n - 1] != dot else { return nil }
            for i in (lastAt + 1)..<(n - 1) where b[i] == dot && b[i + 1] == dot { return nil }
            guard domainNeedsLowering else { return raw }
            let local = String(decoding: UnsafeBufferPointer(rebasing: b[..<lastAt]), as: UTF8.self)
            let domain = String(decoding: UnsafeBufferPointer(rebasing: b[(lastAt + 1)...]), as: UTF8.self)
            return local + "@" + domain.lowercased()
        }
    }

    /// Removes control characters (CR, LF, tabs…) and collapses spaces, so a name can
    /// never break a header line. Returns nil for a name that ends up empty.
    static func cleanName(_ raw: String) -> String? {
        var out = ""
        var lastSpace = true
        for scalar in raw.unicodeScalars {
            let isControl = scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
                || scalar.value == 0x2028 || scalar.value == 0x2029
            if isControl || scalar == " " {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastSpace = false
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out.isEmpty ? nil : out
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s = s.dropLast() }
        return s
    }
}
