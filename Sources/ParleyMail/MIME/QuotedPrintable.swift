// The quoted-printable content transfer encoding (RFC 2045 §6.7) for the text parts
// Parley writes: 7-bit, CRLF-terminated lines of at most 76 characters, whatever the text.

/// Encodes text bodies as quoted-printable.
///
/// Every line of the output is safe on any SMTP path: only printable ASCII, SPACE and
/// TAB, at most 76 characters before its CRLF (§6.7 rule 5), never ending in white space
/// (rule 3: a transport may strip it). On top of what §6.7 requires, a `.` or the `F` of
/// `From ` that would start an output line is encoded too, as RFC 2049 §3 advises: some
/// transports dot-stuff or mangle such lines, and an mbox reader takes `From ` for a
/// message separator.
enum QuotedPrintable {
    /// The longest encoded line, not counting its CRLF (§6.7 rule 5).
    static let maxLineLength = 76

    /// Appends `text` encoded to `out`. Line breaks (LF, CRLF or a lone CR, as
    /// ``Swift/String/normalisingLineEndings()`` reads them) become CRLF, the hard line
    /// breaks of the content (§6.7 rule 4).
    ///
    /// Returns whether the content ended with a line break. The caller needs it: text that
    /// does not must still be followed by a CRLF (a boundary's, which belongs to the
    /// boundary, RFC 2046 §5.1.1, or the soft break that ends a message).
    @discardableResult
    static func encode(_ text: String, into out: inout [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            // At most three characters a byte, plus a soft break for every 73 of them.
            let bound = bytes.count * 4 + 8
            var endsWithBreak = false
            let encoded = [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
                (written, endsWithBreak) = encode(bytes, to: buffer.baseAddress!)
            }
            out.append(contentsOf: encoded)
            return endsWithBreak
        }
    }

    /// Encodes `bytes` to `out`, which has room for four bytes per input byte and eight
    /// more. Returns the bytes written and whether the input ended with a line break.
    ///
    /// Written over raw pointers, a byte at a time with a fast path for the common case (a
    /// printable character inside a line): this is most of the time `MessageBuilder`
    /// takes (`parley-bench build`).
    private static func encode(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> (Int, Bool) {
        guard let input = bytes.baseAddress, !bytes.isEmpty else { return (0, false) }
        let count = bytes.count
        var o = 0
        var column = 0
        var i = 0
        while i < count {
            // The common case, in a tight loop: a run of bytes written as themselves inside
            // a line (printable but `=`, or a space or tab that more of the line follows),
            // not first on it, up to where the `=` of a soft break may be needed.
            if column > 0 && column < maxLineLength - 1 {
                let start = i
                let end = min(count - 1, i + maxLineLength - 1 - column)
                while i < end {
                    let byte = input[i]
                    guard (byte &- 0x21 < 0x5E && byte != 0x3D)
                        || ((byte == 0x20 || byte == 0x09) && input[i &+ 1] != 0x0A && input[i &+ 1] != 0x0D) else { break }
                    out[o &+ i &- start] = byte
                    i &+= 1
                }
                o += i - start
                column += i - start
                if i > start { continue }
            }
            let byte = input[i]
            if byte == 0x0A || byte == 0x0D {
                out[o] = 0x0D
                out[o + 1] = 0x0A
                o += 2
                column = 0
                i += byte == 0x0D && i + 1 < count && input[i + 1] == 0x0A ? 2 : 1
                continue
            }
            // The last character before a hard break, or the end, must end the line within
            // the limit; any other must leave room for the `=` of a soft break after it.
            let endsLine = i + 1 == count || input[i + 1] == 0x0A || input[i + 1] == 0x0D
            var literal = isLiteral(byte) && !((byte == 0x20 || byte == 0x09) && endsLine)
            if column + (literal ? 1 : 3) > (endsLine ? maxLineLength : maxLineLength - 1) {
                out[o] = 0x3D
                out[o + 1] = 0x0D
                out[o + 2] = 0x0A
                o += 3
                column = 0
            }
            if literal && column == 0 && startsUnsafeLine(bytes, at: i) { literal = false }
            if literal {
                out[o] = byte
                o += 1
                column += 1
            } else {
                out[o] = 0x3D
                out[o + 1] = hexDigit(byte >> 4)
                out[o + 2] = hexDigit(byte & 0x0F)
                o += 3
                column += 3
            }
            i += 1
        }
        return (o, input[count - 1] == 0x0A || input[count - 1] == 0x0D)
    }

    /// A `.` (which SMTP dot-stuffing and some gateways act on) or the `F` of `From ` (which
    /// mbox files escape or take for a separator) where an output line starts.
    private static func startsUnsafeLine(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let byte = bytes[i]
        if byte == 0x2E { return true }
        guard byte == 0x46, i + 5 <= bytes.count else { return false }
        return bytes[i + 1] == 0x72 && bytes[i + 2] == 0x6F && bytes[i + 3] == 0x6D && bytes[i + 4] == 0x20
    }

    /// Bytes written as themselves (§6.7 rules 2 and 3): printable ASCII but `=`, and
    /// SPACE and TAB (unless they end a line, checked where it is known).
    @inline(__always)
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (byte >= 0x21 && byte <= 0x7E && byte != 0x3D) || byte == 0x20 || byte == 0x09
    }

    /// One hex digit of a nibble, upper-case as §6.7 rule 1 requires.
    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x37 + nibble
    }
}
