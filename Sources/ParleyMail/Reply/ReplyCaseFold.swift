// Keyword matching works on lower-cased UTF-8 bytes so that no `String` (and no
// Unicode-aware case mapping) is built per line: the trimmer must stay far above
// 10,000 bodies per second. Only the scripts whose mail-client phrases we match
// (Latin, Latin Extended-A, Greek, Cyrillic) need folding; CJK has no case.

/// Byte-level lower-casing and searching for the reply matchers.
enum ReplyCaseFold {
    /// Lower-cases one Unicode scalar of the two-byte UTF-8 range (U+0080–U+07FF).
    @inline(__always)
    static func lower(_ s: UInt32) -> UInt32 {
        switch s {
        case 0xC0...0xDE where s != 0xD7: return s + 0x20
        case 0x100...0x137, 0x14A...0x177: return s & 1 == 0 ? s + 1 : s
        case 0x139...0x148, 0x179...0x17E: return s & 1 == 1 ? s + 1 : s
        case 0x178: return 0xFF
        case 0x391...0x3A9 where s != 0x3A2: return s + 0x20
        case 0x400...0x40F: return s + 0x50
        case 0x410...0x42F: return s + 0x20
        default: return s
        }
    }

    /// Writes `bytes[from..<to]` lower-cased into `dst` from offset `at` and returns
    /// the offset after the last byte written. Stops early when `dst` is full. The
    /// range must start on a character boundary; a sequence cut at `to` is copied as is.
    /// NBSP becomes a plain space, as French typography puts one before ':'.
    static func fold(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int,
                     into dst: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        var w = at
        var i = from
        let limit = dst.count
        while i < to && w < limit {
            let b = bytes[i]
            if b < 0x80 {
                dst[w] = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                w += 1
                i += 1
            } else if b >= 0xC2 && b <= 0xDF && i + 1 < to && bytes[i + 1] & 0xC0 == 0x80 {
                let s = lower(UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F))
                if s == 0xA0 {
                    dst[w] = 0x20
                    w += 1
                } else {
                    guard w + 1 < limit else { break }
                    dst[w] = UInt8(0xC0 | (s >> 6))
                    dst[w + 1] = UInt8(0x80 | (s & 0x3F))
                    w += 2
                }
                i += 2
            } else {
                dst[w] = b
                w += 1
                i += 1
            }
        }
        return w
    }

    /// The folded UTF-8 of a keyword, for building the constant tables.
    static func fold(_ s: String) -> [UInt8] {
        let source = Array(s.utf8)
        var out = [UInt8](repeating: 0, count: source.count)
        let n = source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { fold(src, from: 0, to: src.count, into: $0, at: 0) }
        }
        out.removeLast(out.count - n)
        return out
    }

    /// Whether `t[from...]` starts with `p`.
    @inline(__always)
    static func hasPrefix(_ t: UnsafeBufferPointer<UInt8>, _ p: [UInt8], at from: Int = 0) -> Bool {
        guard from + p.count <= t.count else { return false }
        for k in 0..<p.count where t[from + k] != p[k] { return false }
        return true
    }

    /// The first offset in `t[from..<end]` where `p` occurs, or nil.
    static func find(_ p: [UInt8], in t: UnsafeBufferPointer<UInt8>, from: Int = 0, end: Int) -> Int? {
        guard let first = p.first, p.count <= end - from else { return nil }
        var i = from
        let last = end - p.count
        while i <= last {
            if t[i] == first && hasPrefix(t, p, at: i) { return i }
            i += 1
        }
        return nil
    }

    @inline(__always) static func lowerASCII(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
}
