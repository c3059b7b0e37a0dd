import Foundation
import ParleyFeed
import ParleyMail

/// What a Webmention's source page says: whether it links the target, and what the
/// thread shows of it, from its microformats2 `h-entry` when it has one
/// (<https://microformats.org/wiki/h-entry>): `p-author` (an `h-card`'s `p-name`, or
/// the text), `e-content` (else `p-summary`, else `p-name`) and `dt-published`.
public struct MentionSource: Sendable, Equatable {
    /// Whether an `href` or `src` of the page resolves to the target.
    public var linksTarget: Bool
    public var authorName: String?
    public var authorURL: String?
    /// The entry's text (prose, at most ``maximumContent`` characters), or empty.
    public var content: String
    public var published: Date?
    /// Whether the page has an `h-entry` at all.
    public var hasEntry: Bool

    /// The longest text a mention shows (the rest is on the source's page).
    public static let maximumContent = 2000
    /// The longest author name kept.
    public static let maximumName = 100

    /// Reads a fetched page (`bytes`, from `pageURL` after redirects) for `target`.
    public static func read(_ bytes: [UInt8], pageURL: String, target: String) -> MentionSource {
        read(html: decode(bytes), pageURL: pageURL, target: target)
    }

    public static func read(html: String, pageURL: String, target: String) -> MentionSource {
        let root = HTMLDocumentParser.parse(html)
        let wanted = comparable(target)
        func links(_ node: HTMLNode) -> Bool {
            var stack = [node]
            while let n = stack.popLast() {
                if n.kind == .element {
                    for attribute in ["href", "src"] {
                        if let ref = n.attributes[attribute], let url = WebURL.resolve(ref, against: pageURL),
                           comparable(url) == wanted { return true }
                    }
                }
                stack.append(contentsOf: n.children)
            }
            return false
        }
        var source = MentionSource(linksTarget: links(root), authorName: nil, authorURL: nil, content: "", published: nil, hasEntry: false)
        // The entry that links the target, else the page's first entry.
        let entries = elements(in: root, withClass: "h-entry", nested: false)
        guard let entry = entries.first(where: links) ?? entries.first else { return source }
        source.hasEntry = true
        let properties = propertyElements(of: entry)
        if let author = properties.first(where: { $0.hasClass("p-author") || $0.hasClass("u-author") }) {
            if author.hasClass("h-card") {
                let card = propertyElements(of: author)
                source.authorName = card.first { $0.hasClass("p-name") }.map(\.collapsedText) ?? author.collapsedText
                // An explicit u-url, else the card's own href (mf2's implied url).
                source.authorURL = (card.first { $0.hasClass("u-url") }?.attributes["href"] ?? author.attributes["href"])
                    .flatMap { WebURL.resolve($0, against: pageURL) }
            } else {
                source.authorName = author.collapsedText
                source.authorURL = author.attributes["href"].flatMap { WebURL.resolve($0, against: pageURL) }
            }
        }
        source.authorName = source.authorName.flatMap(cleanName)
        if let url = source.authorURL, !WebURL.isHTTP(url) { source.authorURL = nil }
        if let content = properties.first(where: { $0.hasClass("e-content") }) {
            source.content = HTMLTextRenderer.render(content, prose: true)
        } else if let summary = properties.first(where: { $0.hasClass("p-summary") }) ?? properties.first(where: { $0.hasClass("p-name") }) {
            source.content = summary.collapsedText
        }
        if source.content.count > maximumContent {
            source.content = String(source.content.prefix(maximumContent)).trimmingCharacters(in: .whitespacesAndNewlines) + "…"
        }
        if let published = properties.first(where: { $0.hasClass("dt-published") }) {
            let text = published.attributes["datetime"] ?? published.attributes["value"] ?? published.collapsedText
            source.published = FeedDate.parse(text)
        }
        return source
    }

    /// A name as the thread may show it: one line, bounded, never an email address.
    static func cleanName(_ name: String) -> String? {
        let collapsed = name.split(whereSeparator: { $0.isWhitespace || $0.unicodeScalars.allSatisfy { $0.value < 0x20 || $0.value == 0x7F } })
            .joined(separator: " ")
        guard !collapsed.isEmpty, !collapsed.contains("@") else { return nil }
        return String(collapsed.prefix(maximumName))
    }

    /// A URL as compared with the target: resolved, without fragment, and as ``Permalink``
    /// normalises it (scheme, host case, `www.`, trailing slash).
    public static func comparable(_ url: String) -> String {
        let bare = WebURL.withoutFragment(url)
        return Permalink.normalised(bare) ?? bare
    }

    /// The page's text: UTF-8 when it is, else Windows-1252 (what browsers assume of
    /// undeclared 8-bit pages).
    public static func decode(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(data: Data(bytes), encoding: .windowsCP1252) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Elements with a class, in document order; with `nested: false`, not those inside
    /// another match.
    static func elements(in root: HTMLNode, withClass token: String, nested: Bool) -> [HTMLNode] {
        var found: [HTMLNode] = []
        var stack = [root]
        while let node = stack.popLast() {
            if node.kind == .element, node.hasClass(token) {
                found.append(node)
                if !nested { continue }
            }
            stack.append(contentsOf: node.children.reversed())
        }
        return found
    }

    /// The elements below a microformat that may carry its properties: the descendants,
    /// in document order, not looking inside a nested microformat (`h-*`), whose own
    /// properties are not the outer one's (the nested root itself is a property).
    static func propertyElements(of root: HTMLNode) -> [HTMLNode] {
        var found: [HTMLNode] = []
        var stack = Array(root.children.reversed())
        while let node = stack.popLast() {
            guard node.kind == .element else { continue }
            found.append(node)
            if node.classes.contains(where: { $0.hasPrefix("h-") }) { continue }
            stack.append(contentsOf: node.children.reversed())
        }
        return found
    }
}
