// Matchers need the folded (lower-cased) text of a line or of a few joined lines.
// Growing an array byte by byte costs a uniqueness check per byte, and generic
// array appends are very slow in debug builds; a buffer allocated once per body and
// written through a pointer costs neither.

/// A fixed-capacity byte buffer, reused for every line of a body. Text past the
/// capacity is dropped: matchers never look at more than a few hundred bytes.
struct ReplyFoldBuffer {
    private var storage: [UInt8]
    /// Number of bytes written.
    private(set) var count = 0

    init(capacity: Int) {
        storage = Array(repeating: 0, count: capacity)
    }

    var last: UInt8? { count > 0 ? storage[count - 1] : nil }

    mutating func removeAll() { count = 0 }

    mutating func removeLast() { count -= 1 }

    /// Appends one byte as it is.
    mutating func append(_ byte: UInt8) {
        guard count < storage.count else { return }
        storage[count] = byte
        count += 1
    }

    /// Appends `bytes[from..<to]`, lower-cased (see `ReplyCaseFold.fold`).
    mutating func appendFolded(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) {
        let start = count
        count = storage.withUnsafeMutableBufferPointer { dst in
            ReplyCaseFold.fold(bytes, from: from, to: to, into: dst, at: start)
        }
    }

    /// Calls `body` with the bytes written so far.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
    }
}
