import ParleyMail

/// Finds a page's Webmention endpoint as W3C Webmention §3.1.2 says: the first HTTP
/// `Link` header with `rel="webmention"`, else the first `<link>` or `<a>` element
/// with `rel` containing `webmention` and an `href` (an empty one is the page itself),
/// resolved against the page's URL after redirects. Query strings are kept.
public enum EndpointDiscovery {
    /// - Parameters:
    ///   - linkHeaders: the values of every `Link` header of the final response, in order.
    ///   - html: the page's body, decoded.
    ///   - pageURL: where the page came from, after redirects.
    public static func endpoint(linkHeaders: [String], html: String, pageURL: String) -> String? {
        for value in linkHeaders {
            for link in parseLinkHeader(value) where link.rels.contains("webmention") {
                if let url = WebURL.resolve(link.target, against: pageURL), WebURL.isHTTP(url) { return url }
            }
        }
        let root = HTMLDocumentParser.parse(html, keepingHead: true)
        var stack = [root]
        while let node = stack.popLast() {
            if node.kind == .element, node.name == "link" || node.name == "a", let href = node.attributes["href"],
               let rel = node.attributes["rel"], rel.lowercased().split(whereSeparator: \.isWhitespace).contains("webmention") {
                if let url = WebURL.resolve(href, against: pageURL), WebURL.isHTTP(url) { return url }
            }
            stack.append(contentsOf: node.children.reversed())
        }
        return nil
    }

    /// The links of one `Link` header value (RFC 8288): `<target>; rel="a b", <…>; …`.
    /// Commas and semicolons inside `<…>` and quoted strings are not separators.
    public static func parseLinkHeader(_ value: String) -> [(target: String, rels: [String])] {
        var links: [(String, [String])] = []
        var scalars = Substring(value).unicodeScalars[...]
        while true {
            // `<` starts a link.
            guard let open = scalars.firstIndex(of: "<") else { break }
            scalars = scalars[scalars.index(after: open)...]
            guard let close = scalars.firstIndex(of: ">") else { break }
            let target = String(String.UnicodeScalarView(scalars[..<close]))
            scalars = scalars[scalars.index(after: close)...]
            // Parameters up to the next comma outside quotes.
            var params = ""
            var quoted = false
            var end = scalars.endIndex
            var i = scalars.startIndex
            while i < scalars.endIndex {
                let c = scalars[i]
                if c == "\"" { quoted.toggle() }
                if c == "," && !quoted { end = i; break }
                params.unicodeScalars.append(c)
                i = scalars.index(after: i)
            }
            scalars = end < scalars.endIndex ? scalars[scalars.index(after: end)...] : scalars[scalars.endIndex...]
            var rels: [String] = []
            for param in params.split(separator: ";") {
                let parts = param.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "rel" else { continue }
                var v = parts[1].trimmingCharacters(in: .whitespaces)
                if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
                rels = v.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
                break
            }
            links.append((target, rels))
        }
        return links
    }
}
