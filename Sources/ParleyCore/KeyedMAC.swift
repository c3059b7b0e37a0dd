import Crypto

/// HMAC-SHA256 (RFC 2104) under one fixed key, with the hash states after the key's
/// inner and outer pad blocks computed once: each code then costs two hash
/// compressions for a short message instead of four, and no key set-up. Every reply
/// and bounce token is signed or checked with it, several times per notification.
struct KeyedMAC: @unchecked Sendable {
    // SHA256 is a value type: each use works on a copy of these states.
    private let inner: SHA256
    private let outer: SHA256

    init(key: [UInt8]) {
        let blockSize = 64  // SHA-256's block
        var block = key.count > blockSize ? Array(SHA256.hash(data: key)) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    /// The first `length` bytes of the authentication code of `message`.
    func code(_ message: [UInt8], length: Int = 32) -> [UInt8] {
        var innerHash = inner
        innerHash.update(data: message)
        var outerHash = outer
        outerHash.update(data: Array(innerHash.finalize()))
        return Array(outerHash.finalize().prefix(length))
    }
}
