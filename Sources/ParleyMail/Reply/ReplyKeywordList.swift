// The matchers compare lines against tables of phrases in many languages. Stored as
// `[[UInt8]]`, every entry visited costs a retain and a release; stored back to back
// in one buffer, a scan is plain byte comparisons. Keywords are also bucketed by
// their first and by their last byte, so a line is compared only with the few
// keywords that could match it.

/// An immutable list of folded (lower-cased) keywords stored contiguously.
struct ReplyKeywordList: Sendable {
    private let storage: [UInt8]
    /// Start offset of every keyword, plus the end of the last one.
    private let offsets: [Int]
    /// Keyword indices grouped by first byte: bucket `b` is
    /// `byFirst[firstStart[b]..<firstStart[b + 1]]`.
    private let byFirst: [Int]
    private let firstStart: [Int]
    /// The same, grouped by last byte.
    private let byLast: [Int]
    private let lastStart: [Int]

    init(_ words: [String]) {
        var storage: [UInt8] = []
        var offsets = [0]
        for word in words {
            let folded = ReplyCaseFold.fold(word)
            guard !folded.isEmpty else { continue }
            storage += folded
            offsets.append(storage.count)
        }
        self.storage = storage
        self.offsets = offsets
        let count = offsets.count - 1
        (byFirst, firstStart) = Self.buckets(count) { storage[offsets[$0]] }
        (byLast, lastStart) = Self.buckets(count) { storage[offsets[$0 + 1] - 1] }
    }

    private static func buckets(_ count: Int, key: (Int) -> UInt8) -> ([Int], [Int]) {
        var lists = Array(repeating: [Int](), count: 256)
        for k in 0..<count { lists[Int(key(k))].append(k) }
        var flat: [Int] = []
        var starts = [0]
        for list in lists {
            flat += list
            starts.append(flat.count)
        }
        return (flat, starts)
    }

    /// Length of the keyword `t[start..<end]` ends with; a Latin keyword must not
    /// directly follow an ASCII letter ("rewrote" does not end with "wrote"). ASCII is compared
    /// case-insensitively, so `t` may be raw or folded.
    func suffixLength(of t: UnsafeBufferPointer<UInt8>, from start: Int = 0, end: Int) -> Int? {
        guard end > start else { return nil }
        let b = Int(ReplyCaseFold.lowerASCII(t[end - 1]))
        var slot = lastStart[b]
        let stop = lastStart[b + 1]
        while slot < stop {
            let k = byLast[slot]
            slot += 1
            let len = offsets[k + 1] - offsets[k]
            guard len <= end - start else { continue }
            let base = end - len
            // Only Latin words need a boundary: "iPhoneから送信" ends with "から送信".
            let latin = ReplyCaseFold.isLetter(storage[offsets[k]])
            if same(t, at: base, k, len) && (!latin || base == start || !ReplyCaseFold.isLetter(t[base - 1])) {
                return len
            }
        }
        return nil
    }

    /// Length of the keyword that `t[at..<end]` starts with (ASCII case-insensitively).
    func prefixLength(of t: UnsafeBufferPointer<UInt8>, at: Int, end: Int) -> Int? {
        guard at < end else { return nil }
        let b = Int(ReplyCaseFold.lowerASCII(t[at]))
        var slot = firstStart[b]
        let stop = firstStart[b + 1]
        while slot < stop {
            let k = byFirst[slot]
            slot += 1
            let len = offsets[k + 1] - offsets[k]
            if len <= end - at && same(t, at: at, k, len) { return len }
        }
        return nil
    }

    /// Index of the keyword equal to `t[start..<end]`, or nil.
    func index(of t: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int? {
        guard end > start else { return nil }
        let b = Int(ReplyCaseFold.lowerASCII(t[start]))
        var slot = firstStart[b]
        let stop = firstStart[b + 1]
        while slot < stop {
            let k = byFirst[slot]
            slot += 1
            if offsets[k + 1] - offsets[k] == end - start && same(t, at: start, k, end - start) { return k }
        }
        return nil
    }

    /// Whether a keyword occurs in `t[from..<end]` as a word (no ASCII letter on either side).
    func containsWord(in t: UnsafeBufferPointer<UInt8>, from: Int = 0, end: Int) -> Bool {
        var at = from
        while at < end {
            if at == from || !ReplyCaseFold.isLetter(t[at - 1]),
               firstStart[Int(ReplyCaseFold.lowerASCII(t[at]))] != firstStart[Int(ReplyCaseFold.lowerASCII(t[at])) + 1],
               let len = prefixLength(of: t, at: at, end: end),
               at + len == end || !ReplyCaseFold.isLetter(t[at + len]) {
                return true
            }
            at += 1
        }
        return false
    }

    @inline(__always)
    private func same(_ t: UnsafeBufferPointer<UInt8>, at base: Int, _ k: Int, _ len: Int) -> Bool {
        let ws = offsets[k]
        for m in 0..<len where ReplyCaseFold.lowerASCII(t[base + m]) != storage[ws + m] { return false }
        return true
    }
}
