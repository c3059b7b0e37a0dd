import Foundation
@testable import ParleyCurl
import Testing

/// Which addresses a stranger's URL may make Parley connect to (Webmention sources and
/// endpoints): the public internet only.
@Suite("Public address guard")
struct PublicAddressGuardTests {
    static func v4(_ text: String) -> [UInt8] {
        var a = in_addr()
        precondition(inet_pton(AF_INET, text, &a) == 1)
        return withUnsafeBytes(of: a) { Array($0) }
    }

    static func v6(_ text: String) -> [UInt8] {
        var a = in6_addr()
        precondition(inet_pton(AF_INET6, text, &a) == 1)
        return withUnsafeBytes(of: a) { Array($0) }
    }

    @Test("IPv4", arguments: [
        ("93.184.215.14", true), ("8.8.8.8", true), ("172.32.0.1", true), ("100.128.0.1", true), ("192.0.1.1", true),
        ("127.0.0.1", false), ("127.8.9.10", false), ("10.1.2.3", false), ("172.16.0.1", false), ("172.31.255.255", false),
        ("192.168.1.1", false), ("169.254.169.254", false), ("100.64.0.1", false), ("0.0.0.0", false), ("198.18.0.1", false),
        ("224.0.0.1", false), ("255.255.255.255", false), ("192.0.2.7", false), ("203.0.113.9", false),
    ])
    func ipv4(_ address: String, _ isPublic: Bool) {
        #expect(PublicAddressGuard.isPublic(v4: Self.v4(address)) == isPublic)
    }

    @Test("IPv6, with IPv4-mapped and NAT64 addresses judged by their IPv4 part", arguments: [
        ("2a00:1450:4001:82b::200e", true), ("::ffff:93.184.215.14", true), ("64:ff9b::808:808", true),
        ("::1", false), ("::", false), ("fe80::1", false), ("fd12:3456::1", false), ("fc00::1", false), ("ff02::1", false),
        ("2001:db8::1", false), ("::ffff:127.0.0.1", false), ("::ffff:10.0.0.1", false), ("64:ff9b::a9fe:a9fe", false),
    ])
    func ipv6(_ address: String, _ isPublic: Bool) {
        #expect(PublicAddressGuard.isPublic(v6: Self.v6(address)) == isPublic)
    }
}
