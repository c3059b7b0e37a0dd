import Foundation
import ParleyCore
import ParleyTesting
import Testing

@Suite("Email addresses")
struct EmailAddressTests {
    @Test("forms people write", arguments: [
        ("liz@example.org", "liz@example.org", nil),
        ("Liz Strauss <liz@example.org>", "liz@example.org", "Liz Strauss"),
        ("\"Strauss, Liz\" <Liz@EXAMPLE.org>", "Liz@example.org", "Strauss, Liz"),
        ("  <ann@example.net>  ", "ann@example.net", nil),
    ] as [(String, String, String?)])
    func parses(_ input: String, _ address: String, _ name: String?) throws {
        let a = try #require(EmailAddress(input))
        #expect(a.address == address)
        #expect(a.name == name)
    }

    @Test("CR, LF and other injection attempts are refused in addresses", arguments: [
        "liz@example.org\r\nRCPT TO:<x@evil>", "liz@exa mple.org", "liz", "@example.org", "liz@", "a<b@c.d",
        "liz@example.org>", "liz@@example.org", "liz@example..org", "liz\u{0}@example.org",
    ])
    func refuses(_ input: String) {
        #expect(EmailAddress(address: input, name: nil) == nil)
    }

    @Test("a CR/LF in a display name can never break a header")
    func cleanName() throws {
        let a = try #require(EmailAddress(address: "x@example.org", name: "Eve\r\nBcc: victim@example.org"))
        #expect(a.name == "Eve Bcc: victim@example.org")
        #expect(!(a.name ?? "").contains("\n"))
    }

    /// The rules as first written, scalar by scalar on Strings: the byte-level check
    /// must accept and refuse exactly the same addresses, and give the same value.
    static func reference(_ raw: String) -> String? {
        let forbidden: Set<Unicode.Scalar> = ["<", ">", "(", ")", "[", "]", "\\", ",", ";", ":", "\""]
        guard !raw.isEmpty, raw.utf8.count <= 254, let at = raw.lastIndex(of: "@") else { return nil }
        let local = raw[..<at], domain = raw[raw.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return nil }
        for scalar in raw.unicodeScalars where scalar.value < 0x21 || scalar.value == 0x7F || forbidden.contains(scalar) { return nil }
        guard !local.contains("@") else { return nil }
        guard !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return nil }
        return String(local) + "@" + domain.lowercased()
    }

    @Test("the address check gives what the scalar-by-scalar rules give, on 20,000 random strings")
    func validateMatchesReference() {
        var rng = SplitMix64(seed: TestSeed.make("validateMatchesReference"))
        let pieces = ["a", "Z", "@", ".", "..", "-", "+", " ", "\r", "\n", "<", ">", ":", "\"", "é", "Ä", "İ", "ß", "日本", "\u{7F}",
                      "x", "EXAMPLE", "org", "\u{2028}", "talk+bounce-", String(repeating: "l", count: 63), String(repeating: "d", count: 200)]
        for _ in 0..<20_000 {
            let s = (0..<Int.random(in: 1...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            #expect(EmailAddress(address: s, name: nil)?.address == Self.reference(s), "\(s.debugDescription)")
        }
        for s in ["Liz@EXAMPLE.org", "liz@Ex\u{C4}mple.org", "a@b", "a@b.", "a@.b", "a@b..c", "\(String(repeating: "l", count: 64))@x.org",
                  "\(String(repeating: "l", count: 65))@x.org", "liz@example.org"] {
            #expect(EmailAddress(address: s, name: nil)?.address == Self.reference(s), "\(s.debugDescription)")
        }
    }

    @Test("comparison ignores case, as mail servers do")
    func sameMailbox() throws {
        #expect(EmailAddress("Liz@Example.ORG")!.sameMailbox(as: EmailAddress("liz@example.org")!))
        #expect(!EmailAddress("liz@example.org")!.sameMailbox(as: EmailAddress("liz2@example.org")!))
    }
}

@Suite("Base32")
struct Base32Tests {
    @Test("RFC 4648 test vectors, lower case, no padding", arguments: [
        ("", ""), ("f", "my"), ("fo", "mzxq"), ("foo", "mzxw6"), ("foob", "mzxw6yq"), ("fooba", "mzxw6ytb"), ("foobar", "mzxw6ytboi"),
    ])
    func vectors(_ plain: String, _ encoded: String) {
        #expect(Base32.encode(Array(plain.utf8)) == encoded)
        #expect(Base32.decode(encoded) == Array(plain.utf8))
        #expect(Base32.decode(encoded.uppercased()) == Array(plain.utf8))
    }

    @Test("characters outside the alphabet are refused")
    func refuses() {
        #expect(Base32.decode("mzxw1") == nil)
        #expect(Base32.decode("mzxw=") == nil)
    }
}
