// Server-side request forgery: a Webmention makes Parley fetch a URL a stranger chose,
// and a page it links may name any endpoint to POST to. Without a check, a stranger
// could make Parley reach what only its own network can: a router's admin page, a
// cloud's metadata service (169.254.169.254), a database's HTTP port on 127.0.0.1.
//
// The check runs in libcurl's open-socket callback, on the address about to be
// connected to: after DNS (a name that resolves to 127.0.0.1 is refused too, and a
// second lookup cannot answer differently, DNS rebinding) and for every redirect.
import CCurl
import Foundation

/// Refuses connections to addresses that are not on the public internet.
final class PublicAddressGuard {
    /// The last address refused, as text, for the error message.
    private(set) var refused: String?

    /// The error message for a refused address: `doing` is "fetch" or "post to".
    func refusal(_ what: String, doing: String) -> String? {
        refused.map { "\(what) is at \($0), which is not a public internet address: Parley does not \(doing) loopback, private or link-local addresses for URLs others chose ([webmention] allow_private_addresses = true allows them)" }
    }

    /// Installs the check on an easy handle for its next transfers (until
    /// `curl_easy_reset`). The guard must outlive those transfers.
    func install(on handle: UnsafeMutableRawPointer) {
        refused = nil
        _ = parley_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(self).toOpaque())
        _ = parley_curl_setopt_opensocket_cb(handle) { user, _, address in
            guard let user, let address else { return CURL_SOCKET_BAD }
            let check = Unmanaged<PublicAddressGuard>.fromOpaque(user).takeUnretainedValue()
            let a = address.pointee
            // The header declares `addr` as a 16-byte sockaddr; libcurl keeps `addrlen`
            // bytes there (28 for IPv6), so it is read in place, not copied.
            let start = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
            let (isPublic, text) = PublicAddressGuard.classify(UnsafeRawBufferPointer(start: start, count: Int(a.addrlen)),
                                                               length: Int(a.addrlen))
            guard isPublic else {
                check.refused = text
                return CURL_SOCKET_BAD
            }
            return socket(a.family, a.socktype, a.protocol)
        }
    }

    /// Whether a socket address is public, and its text.
    static func classify(_ raw: UnsafeRawBufferPointer, length: Int) -> (Bool, String) {
        guard raw.count >= MemoryLayout<sa_family_t>.size else { return (false, "an address of \(raw.count) bytes") }
        let family = raw.loadUnaligned(as: sa_family_t.self)
        if Int32(family) == AF_INET, length >= MemoryLayout<sockaddr_in>.size, raw.count >= length {
            let v4 = raw.loadUnaligned(as: sockaddr_in.self)
            let b = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
            return (isPublic(v4: b), b.map(String.init).joined(separator: "."))
        }
        if Int32(family) == AF_INET6, length >= MemoryLayout<sockaddr_in6>.size, raw.count >= length {
            let v6 = raw.loadUnaligned(as: sockaddr_in6.self)
            let b = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            var addr = v6.sin6_addr
            inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
            return (isPublic(v6: b), String(cString: text))
        }
        return (false, "an address of family \(family)")
    }

    /// IPv4: not "this network", private (RFC 1918), shared (RFC 6598), loopback,
    /// link-local, IETF protocol assignments, benchmarking, multicast or reserved.
    static func isPublic(v4 b: [UInt8]) -> Bool {
        guard b.count == 4 else { return false }
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _), (224..., _): return false
        case (100, 64...127), (169, 254), (172, 16...31), (192, 168), (198, 18...19): return false
        case (192, 0) where b[2] == 0 || b[2] == 2: return false
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return false
        default: return true
        }
    }

    /// IPv6: unspecified, loopback, unique-local (fc00::/7), link-local (fe80::/10),
    /// multicast, documentation; an IPv4-mapped or NAT64 address by its IPv4 part.
    static func isPublic(v6 b: [UInt8]) -> Bool {
        guard b.count == 16 else { return false }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isPublic(v4: Array(b[12...])) }
        if b[0..<12].elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]) { return isPublic(v4: Array(b[12...])) }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
        if b[0] & 0xFE == 0xFC { return false }
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }
        if b[0] == 0xFF { return false }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false }
        return true
    }
}
