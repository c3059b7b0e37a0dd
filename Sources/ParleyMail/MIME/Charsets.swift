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
        let label = charset?.trimmingHorizontalSpace().lowercased() ?? ""
        let isASCII = !bytes.contains { $0 >= 0x80 }
        if isASCII && !isStatefulSevenBit(label) { return String(decoding: bytes, as: UTF8.self) }
        if label.isEmpty || label == "utf-8" || label == "utf8" || label == "us-ascii" || label == "ascii" {
            return validUTF8(bytes) ?? convert(bytes, from: "WINDOWS-1252") ?? String(decoding: bytes, as: UTF8.self)
        }
        // A single-byte Western label on bytes that are valid multi-byte UTF-8 is a lie
        // mail clients commonly tell; UTF-8 is then overwhelmingly the right reading.
        if singleByteWestern.contains(label), let utf8 = validUTF8(bytes) { return utf8 }
        let canonical = canonicalName(label)
        if let converted = convert(bytes, from: canonical) { return converted }
        // Unknown charset: UTF-8 if it is valid, else Windows-1252 which maps every byte.
        return validUTF8(bytes) ?? convert(bytes, from: "WINDOWS-1252") ?? String(decoding: bytes, as: UTF8.self)
    }

    static let singleByteWestern: Set<String> = ["iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252", "iso_8859-1"]

    /// ISO-2022 charsets are 7-bit yet need converting.
    static func isStatefulSevenBit(_ label: String) -> Bool { label.hasPrefix("iso-2022") || label == "utf-7" }

    static func validUTF8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
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
        IconvPool.shared.withDescriptor(from: charset) { convert(bytes, with: $0) }
    }

    private static func convert(_ bytes: [UInt8], with cd: iconv_t) -> String {
        var input = bytes
        var output = [UInt8](repeating: 0, count: max(64, bytes.count * 4 + 16))
        var result = [UInt8]()
        result.reserveCapacity(bytes.count * 2)
        input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                while true {
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count
                    let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    let produced = outBuf.count - outLeft
                    result.append(contentsOf: UnsafeBufferPointer(start: outBuf.baseAddress!, count: produced))
                    if rc != -1 { break }
                    let err = errno
                    if err == E2BIG { continue }
                    if (err == EILSEQ || err == EINVAL) && inLeft > 0 {
                        // Skip one undecodable byte and mark it.
                        result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                        inPtr = inPtr.map { $0 + 1 }
                        inLeft -= 1
                        if inLeft == 0 { break }
                        continue
                    }
                    break
                }
                // Flush the shift state (ISO-2022).
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                _ = iconv(cd, nil, nil, &outPtr, &outLeft)
                result.append(contentsOf: UnsafeBufferPointer(start: outBuf.baseAddress!, count: outBuf.count - outLeft))
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
