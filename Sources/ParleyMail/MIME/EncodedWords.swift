/// Decodes a raw header value: unfolds it (RFC 5322 §2.2.3), decodes RFC 2047 encoded-words
/// and reads raw 8-bit bytes (RFC 6532, or a legacy client's Latin-1) as best it can.
///
/// GMime decodes encoded-words itself, but turns bytes that do not fit their label into
/// `?` or mojibake: `=?iso-8859-1?Q?J=C3=BCrgen?=` (UTF-8 behind a Latin-1 label, which
/// webmail clients send) became "JÃ¼rgen", and `=?utf-8?Q?Zo=EB?=` (windows-1252 behind
/// a UTF-8 label) or an unknown label became "Zo?". Decoding every word's bytes with
/// ``Charsets/decode(_:charset:)`` reads headers exactly as bodies are read, including its
/// lie detection and fallbacks.
enum EncodedWords {
    /// The decoded, unfolded value; leading and trailing whitespace is kept.
    static func decode(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        // Fast path: plain ASCII with no encoded-word needs unfolding only.
        if isPlain(raw) {
            // Unfolded by copying the runs between line breaks straight into the String's
            // storage (a filtered copy appended byte by byte cost more than the decoding).
            guard let firstBreak = raw.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) else {
                return String(decoding: raw, as: UTF8.self)
            }
            return String(unsafeUninitializedCapacity: raw.count) { out in
                var written = 0
                var runStart = 0
                var i = firstBreak
                while i < raw.count {
                    let byte = raw[i]
                    if byte == 0x0D || byte == 0x0A {
                        let run = i - runStart
                        if run > 0 {
                            UnsafeMutableRawPointer(out.baseAddress! + written)
                                .copyMemory(from: raw.baseAddress! + runStart, byteCount: run)
                            written += run
                        }
                        runStart = i + 1
                    }
                    i += 1
                }
                let run = raw.count - runStart
                if run > 0 {
                    UnsafeMutableRawPointer(out.baseAddress! + written).copyMemory(from: raw.baseAddress! + runStart, byteCount: run)
                    written += run
                }
                return written
            }
        }

        var out = ""
        var text: [UInt8] = []
        var pending: (charset: String, bytes: [UInt8])?

        func flushPending() {
            if let word = pending { out += Charsets.decode(word.bytes, charset: word.charset) }
            pending = nil
        }
        func flushText() {
            if !text.isEmpty { out += Charsets.decode(text, charset: nil) }
            text.removeAll(keepingCapacity: true)
        }

        var i = 0
        while i < raw.count {
            let byte = raw[i]
            if byte == 0x0D || byte == 0x0A { i += 1; continue }
            if byte == 0x3D, let word = encodedWord(raw, at: i) {
                if var current = pending, text.allSatisfy(isWhitespace) {
                    // §6.2: whitespace between adjacent encoded-words is not displayed. Words in
                    // the same charset are joined before decoding, because many clients split a
                    // multi-byte character across two words.
                    text.removeAll(keepingCapacity: true)
                    if current.charset.caseInsensitiveEquals(word.charset) {
                        current.bytes += word.bytes
                        pending = current
                    } else {
                        flushPending()
                        pending = (word.charset, word.bytes)
                    }
                } else {
                    flushPending()
                    flushText()
                    pending = (word.charset, word.bytes)
                }
                i = word.end
                continue
            }
            text.append(byte)
            i += 1
        }
        flushPending()
        flushText()
        return out
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Whether `raw` is all ASCII and holds no `=?` (so no encoded-word). Eight bytes at a
    /// time: a high bit, or a `?` byte (which then gets the byte-wise look), in each word.
    /// (A byte loop here was most of the header decoding time: every value of every
    /// message passes through it, DKIM signatures and Received chains included.)
    static func isPlain(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = raw.baseAddress else { return true }
        let memory = UnsafeRawPointer(base)
        let count = raw.count
        var i = 0
        while i + 8 <= count {
            let word = memory.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { return false }
            // Zero bytes of word ^ "????????" are the `?`s (exact for 7-bit bytes).
            let x = word ^ 0x3F3F_3F3F_3F3F_3F3F
            if (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0 {
                for j in i..<(i + 8) where raw[j] == 0x3F && j > 0 && raw[j - 1] == 0x3D { return false }
            }
            i += 8
        }
        while i < count {
            let byte = raw[i]
            if byte >= 0x80 || (byte == 0x3F && i > 0 && raw[i - 1] == 0x3D) { return false }
            i += 1
        }
        return true
    }

    /// `encoded-word = "=?" charset "?" encoding "?" encoded-text "?="` (RFC 2047 §2), with an
    /// optional RFC 2231 §5 language suffix (`charset*lang`). Returns the decoded bytes and the
    /// index after the word, or nil if `start` does not begin a well-formed word.
    private static func encodedWord(_ raw: UnsafeBufferPointer<UInt8>, at start: Int) -> (charset: String, bytes: [UInt8], end: Int)? {
        guard start + 1 < raw.count, raw[start + 1] == 0x3F else { return nil }
        var i = start + 2
        let charsetStart = i
        while i < raw.count, raw[i] != 0x3F, raw[i] > 0x20, raw[i] < 0x7F, i - charsetStart < 64 { i += 1 }
        guard i < raw.count, raw[i] == 0x3F, i > charsetStart else { return nil }
        var charsetEnd = i
        if let star = raw[charsetStart..<charsetEnd].firstIndex(of: 0x2A) { charsetEnd = star }
        guard charsetEnd > charsetStart, i + 2 < raw.count, raw[i + 2] == 0x3F else { return nil }
        let encoding = raw[i + 1] | 0x20
        guard encoding == 0x62 || encoding == 0x71 else { return nil }
        let textStart = i + 3
        var end = textStart
        while end + 1 < raw.count, !(raw[end] == 0x3F && raw[end + 1] == 0x3D) {
            // Encoded text holds no whitespace (§2); stopping there keeps a stray "=?" in
            // ordinary text from swallowing the rest of the line.
            if raw[end] <= 0x20 || raw[end] >= 0x7F { return nil }
            end += 1
        }
        guard end + 1 < raw.count else { return nil }
        let payload = UnsafeBufferPointer(rebasing: raw[textStart..<end])
        let bytes = encoding == 0x62 ? base64(payload) : quoted(payload)
        let charset = String(decoding: UnsafeBufferPointer(rebasing: raw[charsetStart..<charsetEnd]), as: UTF8.self)
        return (charset, bytes, end + 2)
    }

    /// The "Q" encoding (§4.2): `_` is a space, `=XX` a byte; a malformed escape stays as written.
    private static func quoted(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            let byte = text[i]
            if byte == 0x5F {
                out.append(0x20)
            } else if byte == 0x3D, i + 2 < text.count, let high = hex(text[i + 1]), let low = hex(text[i + 2]) {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The "B" encoding (§4.1), leniently: padding is optional and stray characters are
    /// skipped, as senders get both wrong.
    private static func base64(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt32
            switch byte {
            case 0x41...0x5A: value = UInt32(byte - 0x41)
            case 0x61...0x7A: value = UInt32(byte - 0x61 + 26)
            case 0x30...0x39: value = UInt32(byte - 0x30 + 52)
            case 0x2B: value = 62
            case 0x2F: value = 63
            default: continue
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
