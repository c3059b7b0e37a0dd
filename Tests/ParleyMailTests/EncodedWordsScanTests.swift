// The header decoder's fast-path test (all ASCII, no `=?`) reads eight bytes at a time:
// it must agree with the plain byte-by-byte definition everywhere, word edges included.

import ParleyTesting
import Testing
@testable import ParleyMail

@Suite("EncodedWords plain-value scan")
struct EncodedWordsScanTests {
    private static func reference(_ bytes: [UInt8]) -> Bool {
        var previous: UInt8 = 0
        for byte in bytes {
            if byte >= 0x80 || (byte == 0x3F && previous == 0x3D) { return false }
            previous = byte
        }
        return true
    }

    @Test func agreesWithTheByteLoop() {
        var rng = SplitMix64(seed: TestSeed.make("agreesWithTheByteLoop"))
        let alphabet: [UInt8] = [0x3D, 0x3F, 0x41, 0x20, 0x0D, 0x0A, 0xC3, 0x7F, 0x00]
        for length in 0..<40 {
            for _ in 0..<300 {
                let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                #expect(bytes.withUnsafeBufferPointer(EncodedWords.isPlain) == Self.reference(bytes), "\(bytes)")
            }
        }
        // `=?` across every word boundary position.
        for offset in 0..<24 {
            var bytes = [UInt8](repeating: 0x61, count: 32)
            bytes[offset] = 0x3D
            bytes[offset + 1] = 0x3F
            #expect(!bytes.withUnsafeBufferPointer(EncodedWords.isPlain))
        }
    }
}
