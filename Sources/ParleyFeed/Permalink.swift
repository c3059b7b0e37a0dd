import Foundation

/// Post addresses compared as a reader would: `HTTP://Blog.Example.com/a/` and
/// `https://blog.example.com/a` are the same post.
public enum Permalink {
    /// The scheme dropped (http and https name the same post), the host lower-cased
    /// without a default port or `www.`, no fragment, no trailing slash; the path and
    /// query kept as written (they are case-sensitive).
    public static func normalised(_ url: String) -> String? {
        guard let c = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)),
              let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
              var host = c.host?.lowercased(), !host.isEmpty else { return nil }
        if host.hasPrefix("www.") { host.removeFirst(4) }
        var out = host
        if let port = c.port, port != 80, port != 443 { out += ":\(port)" }
        var path = c.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        out += path
        if let q = c.percentEncodedQuery, !q.isEmpty { out += "?" + q }
        return out
    }
}
