import ParleyCore

/// A reply address with a `{token}` slot, e.g. `talk+{token}@example.org`.
public struct ReplyAddressPattern: Sendable {
    let prefix: String
    let suffix: String

    public init?(_ pattern: String) {
        guard let range = pattern.range(of: "{token}") else { return nil }
        prefix = String(pattern[..<range.lowerBound]).lowercased()
        suffix = String(pattern[range.upperBound...]).lowercased()
    }

    /// The address for a token.
    public func address(for token: String) -> String { prefix + token + suffix }

    /// The token inside an address of this pattern (compared case-insensitively, since
    /// servers may fold case), or nil.
    public func token(in address: String) -> String? {
        let lower = address.lowercased()
        guard lower.count > prefix.count + suffix.count, lower.hasPrefix(prefix), lower.hasSuffix(suffix) else { return nil }
        let token = lower.dropFirst(prefix.count).dropLast(suffix.count)
        return token.isEmpty ? nil : String(token)
    }
}
