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

    static func validate(_ raw: String) -> String? {
        guard !raw.isEmpty, raw.utf8.count <= 254,
              let at = raw.lastIndex(of: "@") else { return nil }
        let local = raw[..<at]
        let domain = raw[raw.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return nil }
        for scalar in raw.unicodeScalars {
            // Control characters, spaces, brackets and separators never belong in an
            // envelope address: refusing them here is what keeps SMTP commands and
            // headers free of injected text (libcurl does not check).
            if scalar.value < 0x21 || scalar.value == 0x7F || EmailAddress.forbidden.contains(scalar) {
                return nil
            }
        }
        guard !local.contains("@") else { return nil }
        guard !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return nil }
        return String(local) + "@" + domain.lowercased()
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
