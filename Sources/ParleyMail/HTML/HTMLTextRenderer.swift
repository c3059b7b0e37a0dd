// Renders an `HTMLNode` tree as plain text, roughly the way a mail client displays it:
// block elements break lines, paragraphs and headings are separated by a blank line,
// whitespace collapses as in a browser (except in `pre`), lists become "- item" / "1. item",
// kept block quotes are prefixed with "> ", and links keep their URL when it differs
// from the link text.

import Foundation

/// Turns an `HTMLNode` tree into plain text.
package struct HTMLTextRenderer {
    /// Elements that start and end a line.
    static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "nav", "ol", "p", "plaintext",
        "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "caption", "ul", "xmp", "#root",
    ]

    /// Elements separated from their surroundings by a blank line.
    static let paragraphElements: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dl", "figure", "table", "address", "listing",
        "xmp", "plaintext",
    ]

    /// Elements that are never rendered (in addition to those the parser drops).
    static let skippedElements: Set<String> = [
        "img", "input", "select", "button", "textarea", "audio", "video", "canvas", "map", "area", "head", "title",
        "script", "style", "template", "noscript",
    ]

    /// One output line.
    private struct Line {
        var text: String
        /// True when the line holds nothing but its quote/indent prefix.
        var isBlank: Bool
    }

    /// A prefix level: a quote marker or list indentation, with an optional first-line variant (the bullet).
    private struct Prefix {
        var firstLine: String?
        var otherLines: String
    }

    /// List context: `nil` counter for unordered lists, the next number for ordered ones.
    private struct ListContext {
        var next: Int?
    }

    private var lines: [Line] = []
    private var current = ""
    private var lineHasContent = false
    private var pendingSpace = false
    private var prefixes: [Prefix] = []
    private var lists: [ListContext] = []
    private var preformatted = 0
    /// Prose only: no list markers, no link targets (a feed's excerpt, not a mail).
    private var prose = false

    /// Renders `node` and returns the cleaned-up text (trailing spaces removed, at most
    /// one blank line in a row, trimmed). `prose`: without list markers and without the
    /// `<URL>` written after a link's text.
    package static func render(_ node: HTMLNode, prose: Bool = false) -> String {
        var renderer = HTMLTextRenderer()
        renderer.prose = prose
        renderer.visit(node)
        renderer.endLine()
        return renderer.finish()
    }

    // MARK: - Walking

    private mutating func visit(_ node: HTMLNode) {
        switch node.kind {
        case .text:
            if preformatted > 0 {
                emitPreformatted(node.text)
            } else {
                emitCollapsing(node.text)
            }
        case .element:
            visitElement(node)
        }
    }

    private mutating func visitElement(_ node: HTMLNode) {
        let name = node.name
        if Self.skippedElements.contains(name) { return }
        let style = node.normalizedStyle
        // Most elements have no style; skipping the substring search for them matters, as
        // `String.contains(String)` goes through Foundation (UTF-16) on Linux.
        if !style.isEmpty && (style.contains("display:none") || style.contains("mso-hide:all")) { return }

        switch name {
        case "br":
            breakLine()
            return
        case "a":
            visitLink(node)
            return
        case "td", "th":
            // Cells of one row sit on one line, separated by a space.
            if lineHasContent { pendingSpace = true }
            visitChildren(node)
            if lineHasContent { pendingSpace = true }
            return
        case "li":
            visitListItem(node)
            return
        default:
            break
        }

        guard Self.blockElements.contains(name) else {
            visitChildren(node)
            return
        }

        // Outlook's MsoNormal paragraphs have no margins: every one is a single line.
        let isParagraph = Self.paragraphElements.contains(name) && !(name == "p" && node.hasClass("MsoNormal"))
        let isPre = name == "pre" || name == "xmp" || name == "listing" || name == "plaintext"
            || (!style.isEmpty && style.contains("white-space:pre"))
        endLine()
        if isParagraph { blankLine() }
        if name == "blockquote" { prefixes.append(Prefix(firstLine: nil, otherLines: "> ")) }
        if name == "ul" || name == "ol" || name == "menu" || name == "dir" {
            let start = Int(node.attributes["start"] ?? "") ?? 1
            lists.append(ListContext(next: name == "ol" ? start : nil))
        }
        if isPre { preformatted += 1 }

        visitChildren(node, skippingLeadingNewline: isPre)

        if isPre { preformatted -= 1 }
        if name == "ul" || name == "ol" || name == "menu" || name == "dir" { lists.removeLast() }
        endLine()
        if name == "blockquote" { prefixes.removeLast() }
        if isParagraph { blankLine() }
    }

    private mutating func visitChildren(_ node: HTMLNode, skippingLeadingNewline: Bool = false) {
        for (index, child) in node.children.enumerated() {
            if skippingLeadingNewline, index == 0, child.kind == .text, child.text.hasPrefix("\n") {
                visit(HTMLNode(text: String(child.text.dropFirst())))
            } else {
                visit(child)
            }
        }
    }

    private mutating func visitListItem(_ node: HTMLNode) {
        endLine()
        if prose {
            visitChildren(node)
            endLine()
            return
        }
        var marker = "- "
        if !lists.isEmpty, let number = lists[lists.count - 1].next {
            marker = "\(number). "
            lists[lists.count - 1].next = number + 1
        }
        // Continuation lines and nested lists are indented by the marker's width.
        prefixes.append(Prefix(firstLine: marker, otherLines: String(repeating: " ", count: marker.count)))
        visitChildren(node)
        endLine()
        prefixes.removeLast()
    }

    private mutating func visitLink(_ node: HTMLNode) {
        visitChildren(node)
        guard !prose, let href = node.attributes["href"]?.trimmedOfHTMLSpace, !href.isEmpty else { return }
        let lowered = href.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("mailto:") else { return }
        let label = node.collapsedText
        guard !label.isEmpty, Self.comparable(label) != Self.comparable(href) else { return }
        emitCollapsing(" ")
        emitWord("<\(href)>")
    }

    /// A URL or link text reduced for comparison: no scheme, no `www.`, no trailing slash, lower-cased.
    private static func comparable(_ value: String) -> String {
        var text = value.trimmedOfHTMLSpace.lowercased()
        for scheme in ["mailto:", "https://", "http://"] where text.hasPrefix(scheme) {
            text.removeFirst(scheme.count)
            break
        }
        if text.hasPrefix("www.") { text.removeFirst(4) }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    // MARK: - Emitting

    /// Emits text with browser whitespace collapsing; U+00A0 becomes a (non-collapsing) space.
    private mutating func emitCollapsing(_ text: String) {
        // Runs of displayed scalars are appended in one piece: appending scalar by scalar
        // (and before that, a String per character) was the renderer's largest cost.
        let scalars = text.unicodeScalars
        var run: String.Index?
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let scalar = scalars[i]
            switch scalar {
            case " ", "\t", "\n", "\r", "\u{0C}", "\u{00A0}", "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{FEFF}":
                if let start = run {
                    current.append(contentsOf: Substring(scalars[start..<i]))
                    run = nil
                }
                switch scalar {
                case " ", "\t", "\n", "\r", "\u{0C}":
                    if lineHasContent { pendingSpace = true }
                case "\u{00A0}":
                    flushPendingSpace()
                    appendToLine(" ")
                default:
                    break // other control characters (and stray byte-order marks) are not displayed
                }
            default:
                if run == nil {
                    flushPendingSpace()
                    run = i
                    lineHasContent = true
                }
            }
            scalars.formIndex(after: &i)
        }
        if let start = run { current.append(contentsOf: Substring(scalars[start...])) }
    }

    /// Emits a token that must not be split by collapsing (already free of whitespace).
    private mutating func emitWord(_ word: String) {
        flushPendingSpace()
        appendToLine(word)
    }

    /// Emits preformatted text: whitespace kept, newlines break lines.
    private mutating func emitPreformatted(_ text: String) {
        let normalized = text.normalisingLineEndings()
        var first = true
        for piece in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            if !first { breakLine() }
            first = false
            if !piece.isEmpty {
                pendingSpace = false
                appendToLine(String(piece).replacingHTMLNoBreakSpaces().removingHTMLControlCharacters())
            }
        }
    }

    private mutating func flushPendingSpace() {
        if pendingSpace, lineHasContent { current.append(" ") }
        pendingSpace = false
    }

    private mutating func appendToLine(_ text: String) {
        current.append(text)
        lineHasContent = true
    }

    /// Ends the current line if it has content (block boundaries).
    private mutating func endLine() {
        if lineHasContent { pushLine() }
        pendingSpace = false
    }

    /// Ends the current line unconditionally (`br`, newline in `pre`).
    private mutating func breakLine() {
        pushLine()
        pendingSpace = false
    }

    private mutating func pushLine() {
        var prefix = ""
        for index in prefixes.indices {
            if let first = prefixes[index].firstLine {
                prefix += first
                prefixes[index].firstLine = nil
            } else {
                prefix += prefixes[index].otherLines
            }
        }
        let blank = current.allSatisfy { $0 == " " || $0 == "\t" }
        lines.append(Line(text: prefix + current, isBlank: blank))
        current = ""
        lineHasContent = false
    }

    /// Requests a blank line here (paragraph margin); margins collapse with adjacent blank lines.
    private mutating func blankLine() {
        guard let last = lines.last else { return }
        let prefix = prefixes.map(\.otherLines).joined()
        if last.isBlank {
            if prefix.count < last.text.count { lines[lines.count - 1].text = prefix }
            return
        }
        lines.append(Line(text: prefix, isBlank: true))
    }

    /// Applies the final clean-up rules and joins the lines.
    private func finish() -> String {
        var output: [String] = []
        var previousBlank = true // drops leading blank lines
        for line in lines {
            var text = line.text
            while let last = text.unicodeScalars.last, last == " " || last == "\t" || last == "\u{00A0}" {
                text.unicodeScalars.removeLast()
            }
            let blank = line.isBlank || text.isEmpty
            if blank {
                if previousBlank {
                    // Keep the shorter prefix of two adjacent blank lines.
                    if let lastText = output.last, !output.isEmpty, text.count < lastText.count {
                        output[output.count - 1] = text
                    }
                    continue
                }
                previousBlank = true
            } else {
                previousBlank = false
            }
            output.append(text)
        }
        while let last = output.last, last.allSatisfy({ $0 == ">" || $0 == " " }) { output.removeLast() }
        // Trimmed scalar by scalar: Foundation's trimmingCharacters bridges to UTF-16 on Linux.
        return ClassifierText.trimmed(output.joined(separator: "\n"))
    }
}

extension String {
    /// The string without leading and trailing white space (U+00A0 included).
    var trimmedOfHTMLSpace: String {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[start...end])
    }

    /// The string without C0/C1 control characters other than tab, and without U+FEFF.
    fileprivate func removingHTMLControlCharacters() -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: unicodeScalars.filter { scalar in
            scalar == "\t" || !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{FEFF}")
        })
        return String(scalars)
    }

    /// The string with U+00A0 NO-BREAK SPACE turned into a plain space.
    fileprivate func replacingHTMLNoBreakSpaces() -> String {
        guard unicodeScalars.contains("\u{00A0}") else { return self }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: unicodeScalars.lazy.map { $0 == "\u{00A0}" ? " " : $0 })
        return String(scalars)
    }
}
