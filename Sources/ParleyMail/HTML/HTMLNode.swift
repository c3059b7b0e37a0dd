// A small, pure-Swift copy of the parts of an HTML DOM that the converter needs.
// Built by `HTMLDocumentParser` from libxml2's tree; no libxml pointer is kept.

/// One node of a parsed HTML document: an element with children, or a run of text.
///
/// Nesting is bounded (see `HTMLDocumentParser.maximumDepth`), so code walking this tree
/// recursively cannot overflow the stack.
package final class HTMLNode {
    /// What the node is.
    package enum Kind: Equatable {
        /// An element such as `div` or `a`.
        case element
        /// Character data, entities already decoded.
        case text
    }

    /// Element or text.
    package let kind: Kind
    /// Lower-cased tag name for elements; empty for text.
    package let name: String
    /// Attributes with lower-cased names; empty for text.
    package let attributes: [String: String]
    /// The decoded character data of a text node; empty for elements.
    package let text: String
    /// Child nodes in document order.
    package var children: [HTMLNode]

    /// Creates an element node.
    init(element name: String, attributes: [String: String] = [:], children: [HTMLNode] = []) {
        self.kind = .element
        self.name = name
        self.attributes = attributes
        self.text = ""
        self.children = children
    }

    /// Creates a text node.
    init(text: String) {
        self.kind = .text
        self.name = ""
        self.attributes = [:]
        self.text = text
        self.children = []
    }

    /// Whether this is an element with the given (lower-case) tag name.
    package func isElement(_ tag: String) -> Bool {
        kind == .element && name == tag
    }

    /// The whitespace-separated tokens of the `class` attribute.
    package var classes: [Substring] {
        guard let value = attributes["class"] else { return [] }
        // ASCII (nearly every class attribute): split on the bytes, which is the same split
        // (each ASCII byte is a Character; CR LF gives an empty piece, omitted either way).
        if value.utf8.allSatisfy({ $0 < 0x80 }) {
            let utf8 = value.utf8
            return utf8.split(whereSeparator: { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }).map { value[$0.startIndex..<$0.endIndex] }
        }
        return value.split(whereSeparator: \.isWhitespace)
    }

    /// Whether the `class` attribute contains `token` exactly.
    package func hasClass(_ token: String) -> Bool {
        classes.contains { $0 == token }
    }

    /// The `style` attribute lower-cased with all whitespace removed, for substring tests.
    var normalizedStyle: String {
        guard let style = attributes["style"] else { return "" }
        if style.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: the same lower-casing and White_Space filter, byte by byte.
            let bytes = style.utf8.compactMap { b -> UInt8? in
                b == 0x20 || (b >= 0x09 && b <= 0x0D) ? nil : (b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(style.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
    }

    /// A deep copy (the tree is shallow enough by construction for recursion).
    func deepCopy() -> HTMLNode {
        switch kind {
        case .text:
            return HTMLNode(text: text)
        case .element:
            return HTMLNode(element: name, attributes: attributes, children: children.map { $0.deepCopy() })
        }
    }

    /// All text below this node with whitespace collapsed to single spaces and trimmed
    /// (like a browser's rendering of inline content, ignoring block structure).
    package var collapsedText: String {
        var pieces: [String] = []
        appendText(to: &pieces)
        var result = ""
        var pendingSpace = false
        for piece in pieces {
            for character in piece {
                if character.isWhitespace {
                    pendingSpace = !result.isEmpty
                } else {
                    if pendingSpace { result.append(" ") }
                    pendingSpace = false
                    result.append(character)
                }
            }
        }
        return result
    }

    private func appendText(to pieces: inout [String]) {
        switch kind {
        case .text:
            pieces.append(text)
        case .element:
            if name == "br" { pieces.append("\n") }
            for child in children { child.appendText(to: &pieces) }
        }
    }
}
