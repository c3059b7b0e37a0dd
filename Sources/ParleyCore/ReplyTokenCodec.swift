import Crypto

/// Encodes and verifies ``ReplyToken``s.
///
/// Layout before base32: version (1 byte), target kind (1 byte), target id, recipient id
/// and issue day as LEB128 varints, then the first 10 bytes (80 bits) of
/// HMAC-SHA256(secret, everything before it). A typical token is 26–30 characters.
public struct ReplyTokenCodec: Sendable {
    /// Bytes of MAC kept: 80 bits, the least SPEC.md allows.
    public static let macLength = 10

    /// A secret that signed tokens before a rotation, accepted for a grace period.
    public struct PreviousSecret: Sendable {
        /// The old secret's bytes.
        public var secret: [UInt8]
        /// The last day (days since 1970-01-01, UTC) on which tokens signed with it are
        /// accepted; nil accepts them until the secret is removed from the config.
        public var acceptedThroughDay: Int64?

        public init(secret: [UInt8], acceptedThroughDay: Int64?) {
            self.secret = secret
            self.acceptedThroughDay = acceptedThroughDay
        }
    }

    // The keys' HMAC states, set up once (see ``KeyedMAC``).
    private let secret: KeyedMAC
    private let previous: [(mac: KeyedMAC, acceptedThroughDay: Int64?)]
    private let maxAgeDays: [TokenTarget: Int64]

    /// - Parameters:
    ///   - secret: the current site secret; new tokens are signed with it.
    ///   - previousSecrets: secrets still accepted for verification during a rotation,
    ///     with no end date.
    ///   - maxAgeDays: optional expiry per kind, in days.
    public init(secret: [UInt8], previousSecrets: [[UInt8]] = [], maxAgeDays: [TokenTarget: Int64] = [:]) {
        self.init(secret: secret, previous: previousSecrets.map { PreviousSecret(secret: $0, acceptedThroughDay: nil) },
                  maxAgeDays: maxAgeDays)
    }

    /// - Parameters:
    ///   - secret: the current site secret; new tokens are signed with it.
    ///   - previous: secrets of earlier rotations, each accepted through its grace period.
    ///   - maxAgeDays: optional expiry per kind, in days.
    public init(secret: [UInt8], previous: [PreviousSecret], maxAgeDays: [TokenTarget: Int64] = [:]) {
        self.secret = KeyedMAC(key: secret)
        self.previous = previous.map { (KeyedMAC(key: $0.secret), $0.acceptedThroughDay) }
        self.maxAgeDays = maxAgeDays
    }

    /// The token as lower-case base32.
    public func encode(_ token: ReplyToken) -> String {
        var bytes: [UInt8] = [ReplyToken.currentVersion, token.target.rawValue]
        Varint.append(UInt64(bitPattern: token.targetID), to: &bytes)
        Varint.append(UInt64(bitPattern: token.recipientID), to: &bytes)
        Varint.append(UInt64(bitPattern: token.issuedDay), to: &bytes)
        bytes += mac(bytes, key: secret)
        return Base32.encode(bytes)
    }

    /// Verifies and decodes a token (case-insensitive).
    /// - Parameter today: days since 1970-01-01, for expiry and for the end of a previous
    ///   secret's grace period; nil skips both date checks.
    public func decode(_ text: String, today: Int64? = nil) throws(ReplyTokenError) -> ReplyToken {
        guard text.utf8.count >= 16, text.utf8.count <= 64, let bytes = Base32.decode(text),
              bytes.count > 2 + ReplyTokenCodec.macLength else { throw .malformed }
        guard bytes[0] == ReplyToken.currentVersion else { throw .unknownVersion(bytes[0]) }
        let body = Array(bytes[..<(bytes.count - ReplyTokenCodec.macLength)])
        let given = Array(bytes[(bytes.count - ReplyTokenCodec.macLength)...])
        // After its grace period an old secret is not even tried: a leaked one stops working.
        let stillAccepted = previous.filter { p in
            guard let today, let last = p.acceptedThroughDay else { return true }
            return today <= last
        }.map(\.mac)
        let accepted = ([secret] + stillAccepted).contains { constantTimeEqual(mac(body, key: $0), given) }
        guard accepted else { throw .badSignature }
        guard let kind = TokenTarget(rawValue: body[1]) else { throw .malformed }
        var index = 2
        guard let target = Varint.read(body, at: &index),
              let recipient = Varint.read(body, at: &index),
              let day = Varint.read(body, at: &index), index == body.count else { throw .malformed }
        let token = ReplyToken(target: kind, targetID: Int64(bitPattern: target),
                               recipientID: Int64(bitPattern: recipient), issuedDay: Int64(bitPattern: day))
        if let today, let maxAge = maxAgeDays[kind], today - token.issuedDay > maxAge { throw .expired }
        return token
    }

    private func mac(_ bytes: [UInt8], key: KeyedMAC) -> [UInt8] {
        key.code(bytes, length: ReplyTokenCodec.macLength)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// LEB128 unsigned varints.
enum Varint {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while v != 0
    }

    static func read(_ bytes: [UInt8], at index: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if shift == 63 && byte > 1 { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // Reject non-minimal encodings so that each token has one spelling.
                if byte == 0 && shift > 0 { return nil }
                return result
            }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }
}
