import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `[http] listen`: `HOST:PORT`, `[IPv6]:PORT`.
public enum ListenAddress {
    /// Host and port, or nil when the text is not HOST:PORT with a port 0–65535.
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }

    /// Whether a TCP socket can be bound at the address now (for `parley check`);
    /// nil when it can, else why not.
    public static func bindProblem(_ text: String) -> String? {
        guard let (host, port) = parse(text) else { return "expected HOST:PORT, found \"\(text)\"" }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let info = list else { return "cannot resolve \(host): \(String(cString: gai_strerror(rc)))" }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            return "cannot listen on \(text): \(String(cString: strerror(errno)))"
        }
        guard listen(fd, 1) == 0 else { return "cannot listen on \(text): \(String(cString: strerror(errno)))" }
        return nil
    }
}
