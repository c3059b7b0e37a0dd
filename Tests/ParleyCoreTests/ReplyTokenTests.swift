import Crypto
@testable import ParleyCore
import ParleyTesting
import Testing

@Suite("Reply tokens")
struct ReplyTokenTests {
    let secret = Array("a site secret of some length".utf8)
    var codec: ReplyTokenCodec { ReplyTokenCodec(secret: secret) }

    static let samples: [ReplyToken] = [
        ReplyToken(target: .post, targetID: 1, recipientID: 1, issuedDay: 20_000),
        ReplyToken(target: .comment, targetID: 123_456, recipientID: 987, issuedDay: 20_418),
        ReplyToken(target: .moderation, targetID: Int64.max, recipientID: 0, issuedDay: 0),
        ReplyToken(target: .subscription, targetID: 77, recipientID: 1 << 40, issuedDay: 99_999),
        ReplyToken(target: .outbound, targetID: 5, recipientID: 6, issuedDay: 7),
    ]

    @Test("round trip", arguments: samples)
    func roundTrip(_ token: ReplyToken) throws {
        let text = codec.encode(token)
        #expect(text == text.lowercased())
        #expect(text.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
        #expect(try codec.decode(text) == token)
    }

    @Test("every single-character change is rejected", arguments: samples)
    func singleCharacterChanges(_ token: ReplyToken) {
        let text = Array(codec.encode(token))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var accepted: [String] = []
        for i in text.indices {
            for c in alphabet where c != text[i] {
                var changed = text
                changed[i] = c
                if (try? codec.decode(String(changed))) != nil { accepted.append(String(changed)) }
            }
        }
        #expect(accepted.isEmpty, "changed tokens accepted: \(accepted.prefix(3))")
        // Dropping or adding a character is rejected too.
        #expect((try? codec.decode(String(text.dropLast()))) == nil)
        #expect((try? codec.decode(String(text) + "a")) == nil)
    }

    @Test("a token folded to upper case by a server is still accepted")
    func caseFolded() throws {
        let token = Self.samples[1]
        #expect(try codec.decode(codec.encode(token).uppercased()) == token)
    }

    @Test("the previous secret is accepted during a rotation, refused after")
    func rotation() throws {
        let old = ReplyTokenCodec(secret: Array("the old secret, before rotation".utf8))
        let text = old.encode(Self.samples[0])
        let rotating = ReplyTokenCodec(secret: secret, previousSecrets: [Array("the old secret, before rotation".utf8)])
        #expect(try rotating.decode(text) == Self.samples[0])
        #expect(throws: ReplyTokenError.badSignature) { try codec.decode(text) }
    }

    @Test("the previous secret is accepted through its grace period's last day, refused the day after")
    func rotationGracePeriod() throws {
        let oldSecret = Array("the old secret, before rotation".utf8)
        let token = ReplyToken(target: .comment, targetID: 42, recipientID: 7, issuedDay: 20_000)
        let text = ReplyTokenCodec(secret: oldSecret).encode(token)
        let rotating = ReplyTokenCodec(secret: secret, previous: [.init(secret: oldSecret, acceptedThroughDay: 20_030)])
        #expect(try rotating.decode(text, today: 20_001) == token)
        #expect(try rotating.decode(text, today: 20_030) == token)
        #expect(throws: ReplyTokenError.badSignature) { try rotating.decode(text, today: 20_031) }
        // New tokens are signed with the new secret, and stay valid after the grace period.
        let fresh = rotating.encode(token)
        #expect(fresh != text)
        #expect(try rotating.decode(fresh, today: 30_000) == token)
    }

    @Test("a token re-addressed to another recipient (same signature) is refused")
    func recipientSwapRefused() throws {
        let sentToAnn = ReplyToken(target: .comment, targetID: 9, recipientID: 1, issuedDay: 20_000)
        let text = codec.encode(sentToAnn)
        var bytes = try #require(Base32.decode(text))
        // Byte 3 is the recipient id's varint (target 9 is one byte): point it at person 2.
        #expect(bytes[3] == 1)
        bytes[3] = 2
        #expect(throws: ReplyTokenError.badSignature) { try codec.decode(Base32.encode(bytes)) }
    }

    @Test("the recipient is bound into the signature")
    func recipientBinding() throws {
        // Same target, other recipient: a different token, and neither verifies as the other.
        let a = ReplyToken(target: .comment, targetID: 9, recipientID: 1, issuedDay: 1)
        let b = ReplyToken(target: .comment, targetID: 9, recipientID: 2, issuedDay: 1)
        let ta = codec.encode(a), tb = codec.encode(b)
        #expect(ta != tb)
        #expect(try codec.decode(ta).recipientID == 1)
        #expect(try codec.decode(tb).recipientID == 2)
    }

    @Test("expiry per kind")
    func expiry() throws {
        let expiring = ReplyTokenCodec(secret: secret, maxAgeDays: [.moderation: 30])
        let token = ReplyToken(target: .moderation, targetID: 1, recipientID: 1, issuedDay: 100)
        let text = expiring.encode(token)
        #expect(try expiring.decode(text, today: 120) == token)
        #expect(throws: ReplyTokenError.expired) { try expiring.decode(text, today: 131) }
    }

    @Test("garbage is rejected, not trusted", arguments: ["", "abc", "!!!!!!!!!!!!!!!!!!!!", String(repeating: "a", count: 30), String(repeating: "7", count: 200)])
    func garbage(_ text: String) {
        #expect((try? codec.decode(text)) == nil)
    }
}

extension ReplyToken: CustomTestStringConvertible {
    public var testDescription: String { "\(target)/\(targetID)→\(recipientID)" }
}

@Suite("Keyed MAC")
struct KeyedMACTests {
    @Test("the precomputed HMAC-SHA256 gives swift-crypto's HMAC for keys shorter than, equal to and longer than a block")
    func matchesHMAC() {
        var rng = SplitMix64(seed: TestSeed.make("matchesHMAC"))
        for keyLength in [0, 1, 31, 32, 63, 64, 65, 100, 200] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let mac = KeyedMAC(key: key)
            for messageLength in [0, 1, 15, 55, 56, 64, 119, 1000] {
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
                #expect(mac.code(message) == expected, "key \(keyLength) bytes, message \(messageLength) bytes")
                #expect(mac.code(message, length: 10) == Array(expected.prefix(10)))
            }
        }
    }
}
