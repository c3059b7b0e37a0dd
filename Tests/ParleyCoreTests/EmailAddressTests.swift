import ParleyCore
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
