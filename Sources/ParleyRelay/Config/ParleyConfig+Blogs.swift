import Foundation
import ParleyCore
import TOMLKit

extension ConfigReader {
    /// `[[blog]]`: zero or more.
    func blogs(_ root: TOMLTable) throws -> [ParleyConfig.Blog] {
        guard let value = root["blog"] else { return [] }
        guard let list = value.array else { throw fail("[[blog]]", "expected [[blog]] sections") }
        var blogs: [ParleyConfig.Blog] = []
        for (i, item) in list.enumerated() {
            let section = "blog[\(i)]"
            guard let t = item.table else { throw fail(section, "expected a table") }
            let name = try string(t, section, "name")
            guard !name.isEmpty, name.utf8.count <= 40,
                  name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
                throw fail("\(section).name", "expected a short lowercase name of letters, digits, - and _ (it starts the ids of the blog's posts), found \"\(name)\"")
            }
            if blogs.contains(where: { $0.name == name }) { throw fail("\(section).name", "\"\(name)\" is used by two blogs") }
            let url = try string(t, section, "feed_url")
            guard let origin = Self.origin(of: url) else {
                throw fail("\(section).feed_url", "expected an http:// or https:// URL, found \"\(url)\"")
            }
            let authorText = try string(t, section, "author")
            guard let author = EmailAddress(authorText) else {
                throw fail("\(section).author", "expected an address like \"Dawud Miracle <dawud@example.com>\", found \"\(authorText)\"")
            }
            let poll = try duration(t, section, "poll_interval", default: "15m")
            guard poll.seconds >= 1 else { throw fail("\(section).poll_interval", "expected at least \"1s\", found \(poll)") }
            let timeout = try duration(t, section, "timeout", default: "30s")
            guard timeout.seconds >= 1 else { throw fail("\(section).timeout", "expected at least \"1s\", found \(timeout)") }
            var givenOrigin = try optionalString(t, section, "origin")
            if let o = givenOrigin {
                guard let normal = Self.origin(of: o), normal == o.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/")) else {
                    throw fail("\(section).origin", "expected a web origin like \"https://dawud.example.com\" (scheme and host, no path), found \"\(o)\"")
                }
                givenOrigin = normal
            }
            blogs.append(ParleyConfig.Blog(
                name: name, feedURL: url, author: author,
                conversation: try optionalString(t, section, "conversation"),
                category: try optionalString(t, section, "category").map { $0.trimmingCharacters(in: .whitespaces) },
                pollInterval: poll, origin: givenOrigin ?? origin, caFile: try optionalString(t, section, "ca_file"),
                timeoutSeconds: Int(timeout.seconds.rounded())))
        }
        return blogs
    }

    /// `scheme://host[:port]` of an http(s) URL, lower-cased, or nil.
    static func origin(of url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = c.host?.lowercased(), !host.isEmpty else { return nil }
        let port = c.port.map { (scheme == "http" && $0 == 80) || (scheme == "https" && $0 == 443) ? "" : ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)"
    }
}
