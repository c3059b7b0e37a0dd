import CGMime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Decoding of body bytes in any charset glibc's iconv knows, with a best-effort
/// fallback for unknown or mislabelled ones. Never fails: undecodable bytes become U+FFFD.
public enum Charsets {
    /// Decodes `bytes` labelled with `charset` (nil: unlabelled) to a String.
    public static func decode(_ bytes: [UInt8], charset: String?) -> String {
        bytes.withUnsafeBufferPointer { decode($0, charset: charset, normalisingLineEndings: false) }
    }

    /// Decodes a text part's content: as ``decode(_:charset:)``, then CRLF and lone CR
    /// become LF. One pass and one String for the common cases: ASCII and valid UTF-8
    /// are checked and copied without CRs straight into the result (no iconv, no
    /// intermediate String); converted text has its line endings fixed in iconv's output
    /// buffer.
    static func decodeText(_ bytes: UnsafeBufferPointer<UInt8>, charset: String?) -> String {
        decode(bytes, charset: charset, normalisingLineEndings: true)
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, charset: String?, normalisingLineEndings: Bool) -> String {
        let label = charset.map(normalisedLabel) ?? ""
        let utf8Labelled = label.isEmpty || label == "utf-8" || label == "utf8" || label == "us-ascii" || label == "ascii"
        // ASCII is read as itself under any label but the 7-bit stateful ones; valid UTF-8
        // under a UTF-8 or ASCII label, or a single-byte Western one (a lie mail clients
        // commonly tell: UTF-8 is then overwhelmingly the right reading).
        if utf8Labelled || singleByteWestern.contains(label) || !isStatefulSevenBit(label) && isASCII(bytes) {
            if let text = validUTF8(bytes, normalisingLineEndings: normalisingLineEndings) { return text }
            if utf8Labelled { return fallback(bytes, normalisingLineEndings) }
        }
        let name = canonicalName(label)
        if let table = WesternTable(canonicalName: name) {
            return decodeWestern(bytes, table, normalisingLineEndings: normalisingLineEndings)
        }
        if let converted = convert(bytes, from: name, normalisingLineEndings: normalisingLineEndings) {
            return converted
        }
        // Unknown charset: UTF-8 if it is valid, else Windows-1252 which maps every byte.
        return validUTF8(bytes, normalisingLineEndings: normalisingLineEndings) ?? fallback(bytes, normalisingLineEndings)
    }

    /// Windows-1252, which maps every byte (but five, which become U+FFFD as iconv reads them).
    private static func fallback(_ bytes: UnsafeBufferPointer<UInt8>, _ normalising: Bool) -> String {
        decodeWestern(bytes, .windows1252, normalisingLineEndings: normalising)
    }

    /// The two single-byte charsets decoded here rather than by iconv: ISO-8859-1 and
    /// Windows-1252, by far the most common legacy labels in Western mail (and Windows-1252
    /// is the fallback for bytes that fit no label). A table lookup per byte straight into
    /// the String's UTF-8 storage, with line endings fixed on the way, instead of iconv's
    /// conversion loop plus a copy; identical output (`CharsetTests` compares every byte
    /// with glibc's iconv).
    enum WesternTable {
        case latin1
        case windows1252

        /// The table for an iconv charset name (``canonicalName(_:)``'s result), if any.
        init?(canonicalName name: String) {
            switch name {
            case "ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "L1", "ISO-IR-100", "CP819", "IBM819": self = .latin1
            case "WINDOWS-1252", "CP1252", "MS-ANSI": self = .windows1252
            default: return nil
            }
        }
    }

    /// Windows-1252's 0x80–0x9F (ISO-8859-1 has C1 controls there); 0 where the byte is
    /// undefined (iconv refuses 0x81, 0x8D, 0x8F, 0x90, 0x9D).
    private static let windows1252High: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// Decodes ISO-8859-1 or Windows-1252 (an undefined byte becomes U+FFFD, as in
    /// ``convert(_:from:)``); with `normalisingLineEndings`, CRLF and lone CR become LF.
    static func decodeWestern(_ bytes: UnsafeBufferPointer<UInt8>, _ table: WesternTable, normalisingLineEndings: Bool) -> String {
        guard bytes.count > 0 else { return "" }
        return windows1252High.withUnsafeBufferPointer { high in
            String(unsafeUninitializedCapacity: bytes.count * 3) { out in
                var w = 0
                var i = 0
                let n = bytes.count
                while i < n {
                    let b = bytes[i]
                    i += 1
                    if b < 0x80 {
                        if b == 0x0D && normalisingLineEndings {
                            out[w] = 0x0A
                            w += 1
                            if i < n && bytes[i] == 0x0A { i += 1 }
                        } else {
                            out[w] = b
                            w += 1
                        }
                        continue
                    }
                    var scalar = UInt32(b)
                    if table == .windows1252 && b < 0xA0 {
                        let mapped = high[Int(b) - 0x80]
                        scalar = mapped == 0 ? 0xFFFD : UInt32(mapped)
                    }
                    if scalar < 0x800 {
                        out[w] = UInt8(0xC0 | (scalar >> 6))
                        out[w + 1] = UInt8(0x80 | (scalar & 0x3F))
                        w += 2
                    } else {
                        out[w] = UInt8(0xE0 | (scalar >> 12))
                        out[w + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                        out[w + 2] = UInt8(0x80 | (scalar & 0x3F))
                        w += 3
                    }
                }
                return w
            }
        }
    }

    /// The label trimmed and lower-cased, without a String copy when it already is.
    private static func normalisedLabel(_ charset: String) -> String {
        if charset.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !($0 >= 0x41 && $0 <= 0x5A) }) { return charset }
        return charset.trimmingHorizontalSpace().lowercased()
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Eight bytes at a time: the high bit of any of them.
        var i = 0
        let count = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= count {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
        }
        while i < count {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    static let singleByteWestern: Set<String> = ["iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252", "iso_8859-1"]

    /// ISO-2022 charsets are 7-bit yet need converting.
    static func isStatefulSevenBit(_ label: String) -> Bool { label.hasPrefix("iso-2022") || label == "utf-7" }

    static func validUTF8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// The bytes as a String if they are valid UTF-8 (checked while copying them).
    private static func validUTF8(_ bytes: UnsafeBufferPointer<UInt8>, normalisingLineEndings: Bool) -> String? {
        guard normalisingLineEndings, bytes.contains(0x0D) else { return String(validating: bytes, as: UTF8.self) }
        return String(validating: withoutCR(bytes), as: UTF8.self)
    }

    /// CRLF and lone CR as LF. Only for UTF-8 (or ASCII-compatible) bytes, where a CR or
    /// LF byte is always that character.
    static func withoutCR(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var runStart = 0
        var i = 0
        while let cr = bytes[i...].firstIndex(of: 0x0D) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<cr]))
            out.append(0x0A)
            i = cr + 1 < bytes.count && bytes[cr + 1] == 0x0A ? cr + 2 : cr + 1
            runStart = i
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        return out
    }

    /// GMime's alias table (e.g. `ks_c_5601-1987` → `CP949`), then upper-cased; GB2312 is
    /// read as its superset GBK, which real mail labelled GB2312 often needs.
    static func canonicalName(_ label: String) -> String {
        _ = GMime.ready
        var name = GMime.string(g_mime_charset_iconv_name(label)) ?? label
        if name.lowercased() == "gb2312" || name.lowercased() == "euc-cn" { name = "GBK" }
        return name.uppercased()
    }

    /// Converts with iconv; invalid sequences become U+FFFD and conversion goes on.
    /// Returns nil when iconv does not know the charset.
    static func convert(_ bytes: [UInt8], from charset: String) -> String? {
        bytes.withUnsafeBufferPointer { convert($0, from: charset, normalisingLineEndings: false) }
    }

    private static func convert(_ bytes: UnsafeBufferPointer<UInt8>, from charset: String, normalisingLineEndings: Bool) -> String? {
        IconvPool.shared.withDescriptor(from: charset) { cd in
            var out = convert(bytes, with: cd)
            if normalisingLineEndings { removeCR(&out) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// iconv's UTF-8 output, written straight into one growing buffer.
    private static func convert(_ bytes: UnsafeBufferPointer<UInt8>, with cd: iconv_t) -> [UInt8] {
        // Three output bytes per input byte hold any charset's UTF-8; E2BIG grows it anyway.
        var out = [UInt8](repeating: 0, count: max(64, bytes.count * 3 + 16))
        var produced = 0
        guard let inBase = bytes.baseAddress else { return [] }
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: inBase).assumingMemoryBound(to: CChar.self)
        var inLeft = bytes.count
        var flushed = false
        while true {
            let (rc, err, written): (Int, Int32, Int) = out.withUnsafeMutableBufferPointer { outBuf in
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count - produced
                // After the input, flush the shift state (ISO-2022).
                let rc = flushed ? iconv(cd, nil, nil, &outPtr, &outLeft) : iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                return (rc, rc == -1 ? errno : 0, outBuf.count - produced - outLeft)
            }
            produced += written
            if rc != -1 {
                if flushed { break }
                flushed = true
                continue
            }
            if err == E2BIG {
                out.append(contentsOf: repeatElement(0, count: max(64, out.count / 2)))
                continue
            }
            if flushed { break }
            if (err == EILSEQ || err == EINVAL) && inLeft > 0 {
                // Skip one undecodable byte and mark it.
                if out.count - produced < 3 { out.append(contentsOf: repeatElement(0, count: 64)) }
                out[produced] = 0xEF
                out[produced + 1] = 0xBF
                out[produced + 2] = 0xBD
                produced += 3
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
                if inLeft == 0 { flushed = true }
                continue
            }
            flushed = true
        }
        out.removeSubrange(produced...)
        return out
    }

    /// CRLF and lone CR become LF, in place.
    private static func removeCR(_ bytes: inout [UInt8]) {
        guard let first = bytes.firstIndex(of: 0x0D) else { return }
        var write = first
        var read = first
        let count = bytes.count
        while read < count {
            let b = bytes[read]
            if b == 0x0D {
                bytes[write] = 0x0A
                read += read + 1 < count && bytes[read + 1] == 0x0A ? 2 : 1
            } else {
                bytes[write] = b
                read += 1
            }
            write += 1
        }
        bytes.removeSubrange(write...)
    }
}
