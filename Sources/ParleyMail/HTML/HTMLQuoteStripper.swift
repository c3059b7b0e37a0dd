// Finds the quote structures that mail clients wrap around the original message of a reply
// (and signatures) and removes them from an `HTMLNode` tree, keeping what was removed.

import Foundation

/// Removes quoted originals, attribution lines and signatures from a parsed HTML reply.
///
/// In `.truncating` mode a quote is removed together with everything after it in the same
/// container (for Outlook's reply header: everything after it in the whole document),
/// plus the attribution line before it where the client puts one there.
/// In `.surgical` mode (used when truncating leaves no text at all, i.e. a bottom-posted or
/// interleaved reply) only the quote elements and their attributions are removed.
struct HTMLQuoteStripper {
    /// How much goes with a quote.
    enum Mode {
        /// The quote and everything after it in its container.
        case truncating
        /// Only the quote (and its attribution line).
        case surgical
    }

    /// What a node is, as far as quote removal is concerned.
    enum Cut: Equatable {
        /// A quoted original. `toDocumentEnd`: everything after it in the document goes too.
        /// `attributionBefore`: the client may put an "On … wrote:" line (or a rule) just before it.
        case quote(toDocumentEnd: Bool, attributionBefore: Bool)
        /// A signature element: removed alone.
        case signature
        /// A plain `-- ` signature separator: removed with everything after it in its container.
        case signatureSeparator
    }

    /// The removal mode.
    let mode: Mode
    /// Everything removed, in document order: one wrapper element (a `p`, so that the pieces
    /// render as separate paragraphs) per removed quote, attribution or signature.
    private(set) var removed: [HTMLNode] = []
    /// Whether text stands between two removed quotes: answers written between the
    /// quotes, which truncating at the first quote would lose.
    private(set) var answersBetweenQuotes = false
    private var sawQuote = false
    private var textSinceQuote = false
    /// Each node's children as they were before this stripper first changed them, in the
    /// order of the changes (kept only when journaling).
    private var journal: Journal?

    /// Creates a stripper. With `journaling`, every change is recorded so that
    /// ``undo()`` can put the tree back as it was: the quote stripping of a reply tries
    /// truncating first and may need the untouched tree again for the surgical pass, and
    /// undoing the few changed child lists costs far less than a deep copy of the whole tree
    /// beforehand (`HTMLNode.deepCopy` and the freeing of the copy were about a third of the
    /// HTML-to-text time in `parley-bench mail html`). Children arrays are copy-on-write, so
    /// recording one is a reference, not a copy.
    init(mode: Mode, journaling: Bool = false) {
        self.mode = mode
        self.journal = journaling ? Journal() : nil
    }

    /// The children lists a stripper changed, as they were.
    final class Journal {
        fileprivate var entries: [(node: HTMLNode, children: [HTMLNode])] = []

        /// Records `node`'s children before a change.
        func willChange(_ node: HTMLNode) {
            entries.append((node, node.children))
        }
    }

    /// Puts back every children list this stripper changed (journaling strippers only).
    /// The nodes it removed are the original ones again, part of the tree.
    mutating func undo() {
        guard let journal else { return }
        for entry in journal.entries.reversed() { entry.node.children = entry.children }
        journal.entries.removeAll()
    }

    /// Removes quotes and signatures below `node` (in place).
    /// - Returns: whether everything after `node` in the document must be removed as well.
    @discardableResult
    mutating func strip(_ node: HTMLNode) -> Bool {
        var index = 0
        while index < node.children.count {
            let child = node.children[index]
            if child.kind == .text, sawQuote, !textSinceQuote, child.text.contains(where: { !$0.isWhitespace }) {
                textSinceQuote = true
            }
            if let cut = Self.classify(node.children, at: index) {
                switch cut {
                case .signature:
                    keep(removed: [child])
                    journal?.willChange(node)
                    node.children.remove(at: index)
                    continue
                case .signatureSeparator:
                    removeTail(of: node, from: index)
                    return false
                case let .quote(toDocumentEnd, attributionBefore):
                    if mode == .surgical, !toDocumentEnd, Self.holdsSeveralQuotes(child) {
                        // Gmail keeps answers typed into the quote inside its container:
                        // remove the quotes in it, not the container.
                        strip(child)
                        index += 1
                        continue
                    }
                    if sawQuote && textSinceQuote { answersBetweenQuotes = true }
                    sawQuote = true
                    textSinceQuote = false
                    var attribution: [HTMLNode] = []
                    if attributionBefore {
                        let countBefore = node.children.count
                        attribution = Self.extractAttribution(from: node, before: index, journal: journal)
                        index -= countBefore - node.children.count
                    }
                    if toDocumentEnd || mode == .truncating {
                        keep(removed: attribution + node.children[index...])
                        journal?.willChange(node)
                        node.children.removeSubrange(index...)
                        return toDocumentEnd
                    }
                    keep(removed: attribution + [node.children[index]])
                    journal?.willChange(node)
                    node.children.remove(at: index)
                    continue
                }
            }
            if child.kind == .element, strip(child) {
                removeTail(of: node, from: index + 1)
                return true
            }
            index += 1
        }
        return false
    }

    private mutating func removeTail(of node: HTMLNode, from start: Int) {
        guard start < node.children.count else { return }
        keep(removed: node.children[start...])
        journal?.willChange(node)
        node.children.removeSubrange(start...)
    }

    private mutating func keep(removed nodes: some Collection<HTMLNode>) {
        removed.append(HTMLNode(element: "p", children: Array(nodes)))
    }

    // MARK: - Recognising quote structures

    /// Classifies `siblings[index]`, or returns nil for ordinary content.
    static func classify(_ siblings: [HTMLNode], at index: Int) -> Cut? {
        let node = siblings[index]
        if node.kind == .text {
            return isSignatureSeparator(siblings, at: index) ? .signatureSeparator : nil
        }
        // Every rule below needs a class, an id or a style (the Outlook header block), or is
        // about a blockquote or an hr: most elements have none of these and are answered
        // without building their class list (this runs for every element, twice per reply).
        if node.name != "blockquote" && node.name != "hr" && node.attributes["class"] == nil
            && node.attributes["id"] == nil && node.attributes["style"] == nil {
            return nil
        }
        let classes = node.classes
        let id = (node.attributes["id"] ?? "").lowercased()
        let name = node.name

        // Gmail (web and mobile apps), and clients imitating it (K-9 Mail, FairEmail, …).
        if classes.contains(where: { $0 == "gmail_quote" || $0 == "gmail_quote_container" || $0 == "gmail_attr" }) {
            return .quote(toDocumentEnd: false, attributionBefore: false)
        }
        if classes.contains(where: { $0 == "gmail_signature" || $0 == "gmail_signature_prefix" }) {
            return .signature
        }
        // Apple Mail, iOS Mail, Thunderbird, ProtonMail, many others.
        if name == "blockquote", (node.attributes["type"] ?? "").lowercased() == "cite" {
            return .quote(toDocumentEnd: false, attributionBefore: true)
        }
        // Thunderbird.
        if classes.contains(where: { $0 == "moz-cite-prefix" || $0 == "moz-forward-container" }) {
            return .quote(toDocumentEnd: false, attributionBefore: false)
        }
        if classes.contains("moz-signature") {
            return .signature
        }
        // Outlook on the web, new Outlook, Outlook for Mac; old desktop Outlook.
        if id == "divrplyfwdmsg" || id == "appendonsend" || id == "mail-editor-reference-message-container"
            || classes.contains("OutlookMessageHeader") {
            return .quote(toDocumentEnd: true, attributionBefore: true)
        }
        // Outlook desktop: the header block with a top border ("From: … Sent: …").
        if name == "div", isOutlookHeaderBlock(node) {
            return .quote(toDocumentEnd: true, attributionBefore: true)
        }
        if name == "hr", let next = nextElement(siblings, after: index), looksLikeHeaderBlock(next) {
            return .quote(toDocumentEnd: true, attributionBefore: false)
        }
        // Yahoo Mail (class and id get a "ydp…" prefix and a numeric suffix in places).
        if classes.contains(where: { $0.hasSuffix("yahoo_quoted") }) || id.hasPrefix("yahoo_quoted") {
            return .quote(toDocumentEnd: false, attributionBefore: false)
        }
        // ProtonMail.
        if classes.contains("protonmail_quote") {
            return .quote(toDocumentEnd: false, attributionBefore: false)
        }
        if classes.contains("protonmail_signature_block") {
            return .signature
        }
        // Zoho Mail.
        if classes.contains(where: { $0.hasPrefix("zmail_extra") }) {
            return .quote(toDocumentEnd: false, attributionBefore: false)
        }
        return nil
    }

    /// A quote container (not a quote itself) with more than one `blockquote` child.
    private static func holdsSeveralQuotes(_ node: HTMLNode) -> Bool {
        guard node.kind == .element, node.name != "blockquote" else { return false }
        var quotes = 0
        for child in node.children where child.isElement("blockquote") {
            quotes += 1
            if quotes > 1 { return true }
        }
        return false
    }

    /// A text node that is exactly the signature separator `-- ` at the start of a line,
    /// followed by a line break.
    private static func isSignatureSeparator(_ siblings: [HTMLNode], at index: Int) -> Bool {
        let raw = siblings[index].text
        // No hyphen, no separator: spares trimming every text node of the document.
        guard raw.utf8.contains(0x2D), raw.trimmedOfHTMLSpace == "--" else { return false }
        let trimmedLeft = raw.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard trimmedLeft.hasPrefix("-- ") || trimmedLeft.hasPrefix("--\u{00A0}") else { return false }
        if index > 0 {
            let previous = siblings[index - 1]
            guard previous.kind == .element,
                  previous.name == "br" || HTMLTextRenderer.blockElements.contains(previous.name) else { return false }
        }
        if index + 1 < siblings.count {
            return siblings[index + 1].isElement("br")
        }
        return true
    }

    /// Outlook desktop's reply header: `<div style="border:none;border-top:solid #E1E1E1 1.0pt;…">`
    /// holding "From: … Sent: … To: … Subject: …".
    private static func isOutlookHeaderBlock(_ node: HTMLNode) -> Bool {
        let style = node.normalizedStyle
        guard style.contains("border-top:solid") else { return false }
        if style.contains("#e1e1e1") || style.contains("#b5c4df") { return true }
        return looksLikeHeaderBlock(node)
    }

    /// Whether the rendered text starts with at least two "Label: value" lines
    /// (From:/Sent:, Von:/Gesendet:, De :/Envoyé :, От:/Отправлено:, 差出人:/送信日時:, …).
    static func looksLikeHeaderBlock(_ node: HTMLNode) -> Bool {
        let lines = HTMLTextRenderer.render(node).split(separator: "\n").prefix(6)
        var labelled = 0
        for line in lines {
            guard let colon = line.firstIndex(where: { $0 == ":" || $0 == "：" }) else { continue }
            let label = line[..<colon].trimmingCharacters(in: .whitespaces)
            if !label.isEmpty, label.count <= 24, !label.contains(where: \.isNumber) { labelled += 1 }
        }
        return labelled >= 2
    }

    private static func nextElement(_ siblings: [HTMLNode], after index: Int) -> HTMLNode? {
        siblings[(index + 1)...].first { $0.kind == .element }
    }

    /// Removes the attribution line that ends just before `node.children[end]` ("On … wrote:",
    /// "Am … schrieb …:", "Le … a écrit :", or a `<hr>` above an Outlook header) and returns the
    /// removed nodes in document order (empty if there is none). Line breaks and white space between
    /// the attribution and the quote go with it. The attribution may be the last line of a
    /// preceding block (`<div>…<br>On … wrote:</div>`, or the paragraph libxml2 implies around
    /// loose text), in which case only that line is taken out of the block.
    static func extractAttribution(from node: HTMLNode, before quoteIndex: Int, depth: Int = 0, journal: Journal? = nil) -> [HTMLNode] {
        var end = quoteIndex
        var cursor = end - 1
        var breaks = 0
        while cursor >= 0 {
            let sibling = node.children[cursor]
            if sibling.kind == .text, sibling.text.trimmedOfHTMLSpace.isEmpty {
                cursor -= 1
            } else if sibling.isElement("br"), breaks < 3 {
                breaks += 1
                cursor -= 1
            } else {
                break
            }
        }
        guard cursor >= 0 else { return [] }
        let last = node.children[cursor]

        var start: Int
        var removed: [HTMLNode] = []
        if last.isElement("hr") {
            start = cursor
        } else if last.kind == .element, HTMLTextRenderer.blockElements.contains(last.name) {
            guard depth < 4 else { return [] }
            removed = extractAttribution(from: last, before: last.children.count, depth: depth + 1, journal: journal)
            guard !removed.isEmpty else { return [] }
            if last.collapsedText.isEmpty {
                // Nothing left of the block: it held just the attribution; drop its empty shell.
                journal?.willChange(node)
                node.children.remove(at: cursor)
                end -= 1
                start = cursor
            } else {
                start = cursor + 1
            }
        } else {
            // An inline run: text and inline elements back to the previous line break or block.
            start = cursor
            while start > 0 {
                let previous = node.children[start - 1]
                if previous.kind == .element,
                   previous.name == "br" || HTMLTextRenderer.blockElements.contains(previous.name) {
                    break
                }
                start -= 1
            }
            let run = HTMLNode(element: "span", children: Array(node.children[start...cursor]))
            guard looksLikeAttribution(run.collapsedText) else { return [] }
        }
        removed += node.children[start..<end]
        journal?.willChange(node)
        node.children.removeSubrange(start..<end)
        return removed
    }

    /// A short line ending in a colon that mentions a date or time (has a digit).
    static func looksLikeAttribution(_ text: String) -> Bool {
        let trimmed = text.trimmedOfHTMLSpace
        guard let last = trimmed.last, last == ":" || last == "：" else { return false }
        return trimmed.count <= 400 && trimmed.contains(where: \.isNumber)
    }
}
