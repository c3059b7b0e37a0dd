// ISO-8859-1 and Windows-1252 are decoded in Swift, not by iconv: every byte must come
// out exactly as glibc's iconv gives it, line endings included.

import Testing
@testable import ParleyMail

@Suite("Charsets: Western single-byte decoding")
struct WesternCharsetTests {
    /// Every byte value, then CR/LF combinations and undefined Windows-1252 bytes in runs.
    static let sample: [UInt8] = Array(0...255) + Array("a\r\nb\rc\n\r\r\nd".utf8) + [0x81, 0x0D, 0x8D, 0x8F, 0x90, 0x9D, 0x0D]

    @Test(arguments: [("ISO-8859-1", Charsets.WesternTable.latin1), ("WINDOWS-1252", .windows1252)])
    func matchesIconvOnEveryByte(_ charset: String, _ table: Charsets.WesternTable) throws {
        let iconv = try #require(Charsets.convert(Self.sample, from: charset))
        let swift = Self.sample.withUnsafeBufferPointer { Charsets.decodeWestern($0, table, normalisingLineEndings: false) }
        #expect(Array(swift.utf8) == Array(iconv.utf8))
        // Byte by byte too, so that a failure names the byte.
        for byte in UInt8.min...UInt8.max {
            let one = [byte]
            let expected = Charsets.convert(one, from: charset)
            #expect(one.withUnsafeBufferPointer { Charsets.decodeWestern($0, table, normalisingLineEndings: false) } == expected, "byte \(byte)")
        }
    }

    @Test(arguments: [Charsets.WesternTable.latin1, .windows1252])
    func lineEndingsBecomeLF(_ table: Charsets.WesternTable) {
        let bytes: [UInt8] = Array("a\r\nb\rc\n\r\r\nd\r".utf8) + [0xE9, 0x0D, 0x0A]
        let text = bytes.withUnsafeBufferPointer { Charsets.decodeWestern($0, table, normalisingLineEndings: true) }
        #expect(text == "a\nb\nc\n\n\nd\n\u{E9}\n")
    }

    /// Every label that resolves to one of the two tables reads as iconv reads that label.
    @Test(arguments: ["iso-8859-1", "ISO-8859-1", "latin1", "iso_8859-1", "l1", "cp819", "windows-1252", "cp1252", "Windows-1252", "x-unknown-charset"])
    func labelsReadAsIconvReadsThem(_ label: String) throws {
        let name = Charsets.canonicalName(label)
        let decoded = Charsets.decode(Self.sample, charset: label)
        if Charsets.WesternTable(canonicalName: name) != nil {
            #expect(decoded == Charsets.convert(Self.sample, from: name), "\(label) → \(name)")
        } else if let iconv = Charsets.convert(Self.sample, from: name) {
            #expect(decoded == iconv, "\(label) → \(name)")
        } else {
            // Unknown to iconv: the Windows-1252 fallback.
            #expect(decoded == Charsets.convert(Self.sample, from: "WINDOWS-1252"), "\(label) → \(name)")
        }
    }
}
