import Foundation

/// The few URL operations Webmention needs, with Foundation's parser.
public enum WebURL {
    /// Whether `text` is an absolute http(s) URL with a host (what `source` and `target`
    /// must be, W3C Webmention §3.2.1).
    public static func isHTTP(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else { return false }
        return true
    }

    /// `reference` resolved against `base` (RFC 3986 §5); an empty reference is the base
    /// itself (without its fragment).
    public static func resolve(_ reference: String, against base: String) -> String? {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let baseURL = URL(string: base) else { return nil }
        if trimmed.isEmpty { return withoutFragment(baseURL.absoluteString) }
        guard let url = URL(string: trimmed, relativeTo: baseURL) else { return nil }
        return url.absoluteURL.absoluteString
    }

    /// The host of a URL, lower-cased ("" when it has none).
    public static func host(_ text: String) -> String {
        URL(string: text)?.host?.lowercased() ?? ""
    }

    /// The URL without its `#fragment`.
    public static func withoutFragment(_ text: String) -> String {
        text.firstIndex(of: "#").map { String(text[..<$0]) } ?? text
    }
}
