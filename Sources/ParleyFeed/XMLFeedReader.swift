// The only place that touches libxml2's XML parser: RSS 2.0, RSS 1.0 (RDF) and Atom 1.0
// read from libxml2's tree. Never any network or file access from inside a document:
// no DTD is loaded, no external entity resolved (an entity loader that refuses all is
// installed), and internal entities are expanded by this reader within a budget.
import CLibXML2
import Foundation

enum XMLNS {
    static let atom = "http://www.w3.org/2005/Atom"
    static let rss1 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let xhtml = "http://www.w3.org/1999/xhtml"
}

typealias XMLNode = UnsafeMutablePointer<xmlNode>

struct XMLFeedReader {
    /// libxml2's options: recover from the usual breakage, stay silent, never reach the
    /// network, CDATA as text. Deliberately not NOENT (substitution), DTDLOAD, DTDATTR
    /// or HUGE (which lifts the depth and size limits).
    static let options = Int32(bitPattern: XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
        | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)

    /// Most text one field may take, entities expanded (1 MiB), and most nodes read for it.
    static let fieldBudget = 1 << 20
    static let nodeBudget = 200_000

    private static let setUp: Void = {
        xmlInitParser()
        // A document must never make the parser open a file or a URL, whatever options a
        // later caller passes: every external entity and DTD comes back empty.
        xmlSetExternalEntityLoader { _, _, _ in nil }
    }()

    let doc: xmlDocPtr

    /// Parses `bytes` (the document's own encoding; `encoding` overrides its declaration).
    static func read(_ bytes: [UInt8], url: String?, encoding: String?) throws(FeedError) -> FeedDocument {
        _ = setUp
        guard let ctxt = xmlNewParserCtxt() else { throw FeedError("libxml2 could not be initialised") }
        defer { xmlFreeParserCtxt(ctxt) }
        let docPointer: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                xmlCtxtReadMemory(ctxt, base, Int32(buffer.count), url, encoding, options)
            }
        }
        guard let docPointer else {
            throw FeedError("not well-formed XML: \(lastError(ctxt))")
        }
        defer { xmlFreeDoc(docPointer) }
        guard let root = xmlDocGetRootElement(docPointer) else {
            throw FeedError("not well-formed XML: \(lastError(ctxt))")
        }
        let reader = XMLFeedReader(doc: docPointer)
        let name = reader.localName(root)
        switch (name, reader.namespace(root)) {
        case ("rss", _):
            return reader.rss2(root)
        case ("RDF", XMLNS.rdf?):
            return reader.rss1(root)
        case ("feed", XMLNS.atom?), ("feed", nil):
            return reader.atom(root)
        case ("html", _), ("HTML", _):
            throw FeedError("not a feed: the document is an HTML page (is the URL the feed's own address, not the blog's?)")
        default:
            throw FeedError("not a feed: the root element is <\(name)>, not <rss>, <rdf:RDF> or Atom's <feed>")
        }
    }

    private static func lastError(_ ctxt: xmlParserCtxtPtr) -> String {
        guard let message = ctxt.pointee.lastError.message else { return "no document found" }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        return "\(text) (line \(ctxt.pointee.lastError.line))"
    }

    // MARK: RSS 2.0 (and 0.9x)

    private func rss2(_ root: XMLNode) -> FeedDocument {
        let channel = child(root, "channel", nil)
        var items = channel.map { children($0, "item", nil) } ?? []
        items += children(root, "item", nil)
        let entries = items.compactMap { rssItem($0, itemNS: nil) }
        return FeedDocument(format: .rss2, title: channel.map { htmlishText(child($0, "title", nil)) } ?? "",
                            link: channel.flatMap { rssLink($0, ns: nil) }, entries: entries)
    }

    // MARK: RSS 1.0 (RDF)

    private func rss1(_ root: XMLNode) -> FeedDocument {
        let ns = child(root, "channel", XMLNS.rss1) != nil || child(root, "item", XMLNS.rss1) != nil ? XMLNS.rss1 : XMLNS.rss090
        let channel = child(root, "channel", ns)
        let entries = children(root, "item", ns).compactMap { rssItem($0, itemNS: ns) }
        return FeedDocument(format: .rss1, title: channel.map { htmlishText(child($0, "title", ns)) } ?? "",
                            link: channel.flatMap { rssLink($0, ns: ns) }, entries: entries)
    }

    /// An RSS item (2.0 when `itemNS` is nil, else 1.0 / 0.9).
    private func rssItem(_ item: XMLNode, itemNS: String?) -> FeedEntry? {
        var link = rssLink(item, ns: itemNS)
        var id: String?
        if itemNS == nil, let guid = child(item, "guid", nil) {
            let g = FeedText.collapsed(text(guid))
            if !g.isEmpty {
                id = g
                if link == nil, attribute(guid, "isPermaLink")?.lowercased() != "false", g.hasPrefix("http") { link = resolve(g, at: guid) }
            }
        }
        if itemNS != nil, let about = attribute(item, "about", ns: XMLNS.rdf), !about.isEmpty { id = about }
        guard let id = id ?? link else { return nil }
        let date = child(item, "pubDate", nil) ?? child(item, "date", XMLNS.dc) ?? child(item, "published", XMLNS.atom)
            ?? child(item, "updated", XMLNS.atom) ?? child(item, "modified", XMLNS.dc)
        var author = child(item, "creator", XMLNS.dc).map { FeedText.collapsed(text($0)) }
        if author?.isEmpty ?? true, let a = child(item, "author", nil) { author = rssAuthor(FeedText.collapsed(text(a))) }
        if author?.isEmpty ?? true, let a = child(item, "author", XMLNS.atom), let n = child(a, "name", XMLNS.atom) { author = FeedText.collapsed(text(n)) }
        var categories = children(item, "category", nil).map { FeedText.collapsed(text($0)) }
        categories += children(item, "subject", XMLNS.dc).map { FeedText.collapsed(text($0)) }
        let summary = child(item, "description", itemNS).map { html(text($0), at: $0) }
        let content = child(item, "encoded", XMLNS.content).map { html(text($0), at: $0) }
        return entry(id: id, title: htmlishText(child(item, "title", itemNS)), link: link,
                     date: date.map { text($0) }, author: author, categories: categories, summary: summary, content: content)
    }

    private func rssLink(_ parent: XMLNode, ns: String?) -> String? {
        for l in children(parent, "link", ns) {
            let href = FeedText.collapsed(text(l))
            if !href.isEmpty { return resolve(href, at: l) }
        }
        // Some RSS feeds carry only an Atom alternate link.
        return atomLink(parent)
    }

    /// `email (Name)` → `Name`; anything else as written.
    private func rssAuthor(_ s: String) -> String? {
        if s.hasSuffix(")"), let open = s.firstIndex(of: "(") {
            let name = s[s.index(after: open)..<s.index(before: s.endIndex)].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { return name }
        }
        return s.isEmpty ? nil : s
    }

    // MARK: Atom 1.0

    private func atom(_ root: XMLNode) -> FeedDocument {
        let ns = namespace(root)
        let feedAuthor = atomAuthor(root, ns: ns)
        let entries = children(root, "entry", ns).compactMap { e -> FeedEntry? in
            let link = atomLink(e, ns: ns)
            let idText = child(e, "id", ns).map { FeedText.collapsed(text($0)) } ?? ""
            guard let id = idText.isEmpty ? link : idText else { return nil }
            let date = child(e, "published", ns) ?? child(e, "updated", ns) ?? child(e, "issued", ns) ?? child(e, "modified", ns)
            let categories = children(e, "category", ns).map { FeedText.collapsed(attribute($0, "term") ?? "") }
            let summary = child(e, "summary", ns).map(atomText)
            let content = child(e, "content", ns).map(atomText)
            return entry(id: id, title: child(e, "title", ns).map { FeedText.collapsed(atomText($0).text) } ?? "",
                         link: link, date: date.map { text($0) }, author: atomAuthor(e, ns: ns) ?? feedAuthor,
                         categories: categories, summary: summary, content: content)
        }
        return FeedDocument(format: .atom, title: child(root, "title", ns).map { FeedText.collapsed(atomText($0).text) } ?? "",
                            link: atomLink(root, ns: ns), entries: entries)
    }

    private func atomAuthor(_ parent: XMLNode, ns: String?) -> String? {
        for a in children(parent, "author", ns) {
            if let n = child(a, "name", ns) {
                let name = FeedText.collapsed(text(n))
                if !name.isEmpty { return name }
            }
        }
        return nil
    }

    /// The alternate link: `rel="alternate"` or no rel, HTML (or untyped) first.
    private func atomLink(_ parent: XMLNode, ns: String? = XMLNS.atom) -> String? {
        var fallback: String?
        for l in children(parent, "link", ns) {
            let rel = attribute(l, "rel") ?? "alternate"
            guard rel == "alternate", let href = attribute(l, "href"), !href.isEmpty else { continue }
            let type = attribute(l, "type")?.lowercased()
            if type == nil || type == "text/html" || type == "application/xhtml+xml" { return resolve(href, at: l) }
            if fallback == nil { fallback = resolve(href, at: l) }
        }
        return fallback
    }

    /// An Atom text construct as plain text, and its links: `type="text"` as written,
    /// `html` through the HTML converter, `xhtml` serialised and converted.
    private func atomText(_ node: XMLNode) -> (text: String, links: [String]) {
        switch attribute(node, "type")?.lowercased() {
        case "html", "text/html":
            return html(text(node), at: node)
        case "xhtml", "application/xhtml+xml":
            return html(serialisedChildren(node), at: node)
        default:
            return (text(node), [])
        }
    }

    // MARK: Entries

    private func entry(id: String, title: String, link: String?, date: String?, author: String?, categories: [String],
                       summary: (text: String, links: [String])?, content: (text: String, links: [String])?) -> FeedEntry {
        let excerpt = summary.flatMap { FeedText.excerpt($0.text) } ?? content.flatMap { FeedText.excerpt($0.text) }
        let links = (content?.links ?? []) + (summary?.links ?? [])
        return FeedEntry(id: id, title: title, link: link, published: date.flatMap(FeedDate.parse),
                         author: (author?.isEmpty ?? true) ? nil : author, categories: categories.filter { !$0.isEmpty },
                         excerpt: excerpt, links: links)
    }

    /// HTML carried as text: its plain text and its links made absolute.
    private func html(_ source: String, at node: XMLNode) -> (text: String, links: [String]) {
        guard FeedText.looksLikeHTML(source) else { return (source, []) }
        let (text, links) = FeedText.textAndLinks(source)
        return (text, links.compactMap { resolve($0, at: node) })
    }

    /// A title that may be HTML (RSS does not say): decoded when it looks like HTML.
    private func htmlishText(_ node: XMLNode?) -> String {
        guard let node else { return "" }
        return FeedText.fromHTML(text(node))
    }

    // MARK: Tree access

    func localName(_ node: XMLNode) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    func namespace(_ node: XMLNode) -> String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    private func matches(_ node: XMLNode, _ name: String, _ ns: String?) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE, let n = node.pointee.name else { return false }
        guard strcmp(n, name) == 0 else { return false }
        guard let href = node.pointee.ns?.pointee.href else { return ns == nil }
        guard let ns else { return false }
        return strcmp(href, ns) == 0
    }

    func child(_ parent: XMLNode, _ name: String, _ ns: String?) -> XMLNode? {
        var n = parent.pointee.children
        while let node = n {
            if matches(node, name, ns) { return node }
            n = node.pointee.next
        }
        return nil
    }

    func children(_ parent: XMLNode, _ name: String, _ ns: String?) -> [XMLNode] {
        var out: [XMLNode] = []
        var n = parent.pointee.children
        while let node = n {
            if matches(node, name, ns) { out.append(node) }
            n = node.pointee.next
        }
        return out
    }

    func attribute(_ node: XMLNode, _ name: String, ns: String? = nil) -> String? {
        let value = ns.map { xmlGetNsProp(node, name, $0) } ?? xmlGetNoNsProp(node, name)
        guard let value else { return nil }
        defer { parley_xml_free(value) }
        return String(cString: value).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A reference made absolute against the `xml:base` in scope and the document's URL.
    func resolve(_ reference: String, at node: XMLNode) -> String? {
        let base = xmlNodeGetBase(doc, node)
        defer { parley_xml_free(base) }
        guard let base else { return reference }
        guard let built = xmlBuildURI(reference, base) else { return reference }
        defer { parley_xml_free(built) }
        return String(cString: built)
    }

    /// The text of an element's descendants, internal entities expanded within the budget.
    func text(_ node: XMLNode) -> String {
        var collector = TextCollector()
        collector.append(node.pointee.children, entityDepth: 0)
        return String(decoding: collector.bytes, as: UTF8.self)
    }

    /// An element's children serialised as markup (Atom's xhtml constructs).
    private func serialisedChildren(_ node: XMLNode) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        var n = node.pointee.children
        var count = 0
        while let c = n, count < 10_000 {
            xmlNodeDump(buffer, doc, c, 0, 0)
            n = c.pointee.next
            count += 1
        }
        guard let content = xmlBufferContent(buffer) else { return "" }
        return String(cString: content)
    }
}

/// Gathers character data below a node: text and CDATA, elements' text, internal
/// entities' replacement text (an entity reference node points at its declaration, whose
/// children are the parsed replacement). Bounded in bytes, nodes and entity nesting, so
/// that the "billion laughs" document costs a megabyte and a moment, not gigabytes.
private struct TextCollector {
    var bytes: [UInt8] = []
    var visited = 0

    mutating func append(_ first: XMLNode?, entityDepth: Int) {
        var n = first
        while let node = n {
            visited += 1
            guard visited < XMLFeedReader.nodeBudget, bytes.count < XMLFeedReader.fieldBudget else { return }
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    let length = min(Int(strlen(content)), XMLFeedReader.fieldBudget - bytes.count)
                    bytes.append(contentsOf: UnsafeBufferPointer(start: content, count: length))
                }
            case XML_ELEMENT_NODE:
                append(node.pointee.children, entityDepth: entityDepth)
            case XML_ENTITY_REF_NODE:
                // `children` is the declaration (XML_ENTITY_DECL) for an internal entity,
                // nil for an external one, which is never loaded.
                if entityDepth < 8, let declaration = node.pointee.children, declaration.pointee.type == XML_ENTITY_DECL {
                    append(declaration.pointee.children, entityDepth: entityDepth + 1)
                }
            default:
                break
            }
            n = node.pointee.next
        }
    }
}
