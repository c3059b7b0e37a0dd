// The only place that touches libxml2: parses HTML with libxml2's HTML parser and copies
// the resulting DOM into `HTMLNode` values, then frees the libxml document.

import CLibXML2

/// Parses HTML into an `HTMLNode` tree using libxml2's error-recovering HTML parser.
package enum HTMLDocumentParser {
    /// Elements nested deeper than this are flattened: their wrapper is dropped and their
    /// children are attached to the ancestor at this depth, so later recursive walks stay
    /// shallow whatever the input. (libxml2 itself stops building the tree at depth 256
    /// without `XML_PARSE_HUGE`, which its HTML parser does not accept; content past that
    /// point is lost, which only ever hits pathological or very long nested quote chains.)
    static let maximumDepth = 200

    /// Elements whose content is never rendered and is not copied at all.
    static let droppedElements: Set<String> = [
        "head", "title", "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
    ]

    /// Recover from errors, stay silent, never touch the network, keep blank text nodes
    /// (no `HTML_PARSE_NOBLANKS`), and ignore `<meta charset>` hints: the body has already been
    /// decoded to UTF-8 by the MIME layer, whatever the HTML claims.
    private static let parseOptions = Int32(bitPattern:
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)

    /// Calls `xmlInitParser()` exactly once, before the first parse on any thread.
    private static let libraryInitialised: Void = {
        xmlInitParser()
    }()

    /// Parses `html` (already decoded to UTF-8) and returns a synthetic root element
    /// (named `#root`) whose children are the document's top-level nodes.
    /// Returns an empty root when the input is empty or libxml2 yields no document.
    /// `keepingHead`: `head` and `title` are copied too (a web page's `<link>` elements),
    /// only scripts, styles and other unrendered content are left out.
    package static func parse(_ html: String, keepingHead: Bool = false) -> HTMLNode {
        _ = libraryInitialised
        let root = HTMLNode(element: "#root")
        // libxml2 would stop at a NUL byte (a stray one must not hide the rest) and takes an Int32 length.
        var bytes = Array(html.utf8)
        bytes.removeAll { $0 == 0 }
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { return root }

        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                htmlReadMemory(chars, Int32(buffer.count), nil, "UTF-8", parseOptions)
            }
        }
        guard let document else { return root }
        defer { xmlFreeDoc(document) }
        copyTree(from: document, into: root, dropped: keepingHead ? droppedElements.subtracting(["head", "title"]) : droppedElements)
        return root
    }

    /// Walks libxml2's tree without recursion (following `children`/`next`/`parent` links)
    /// and mirrors it below `root`, flattening beyond `maximumDepth`.
    private static func copyTree(from document: htmlDocPtr, into root: HTMLNode, dropped: Set<String>) {
        var parents: [HTMLNode] = [root]
        // One entry per libxml level below the document: whether that level pushed onto `parents`.
        var pushedAtLevel: [Bool] = []
        var current: xmlNodePtr? = document.pointee.children

        while let node = current {
            var descend = false
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                var name = string(node.pointee.name).lowercased()
                // libxml2's HTML parser drops namespace prefixes, so Office's `<o:p>` (an empty
                // inline placeholder inside every Word paragraph) comes out as `p`. A real `<p>`
                // start tag closes an open paragraph, so a `p` inside a `p` is such a placeholder.
                if name == "p", parents.contains(where: { $0.name == "p" }) {
                    name = "o:p"
                }
                if !dropped.contains(name) {
                    descend = node.pointee.children != nil
                    if parents.count <= maximumDepth {
                        let element = HTMLNode(element: name, attributes: attributes(of: node))
                        parents[parents.count - 1].children.append(element)
                        if descend {
                            parents.append(element)
                            pushedAtLevel.append(true)
                        }
                    } else if descend {
                        pushedAtLevel.append(false)
                    }
                }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let text = string(node.pointee.content)
                if !text.isEmpty {
                    parents[parents.count - 1].children.append(HTMLNode(text: text))
                }
            default:
                break // comments, processing instructions, DTD, …
            }

            if descend, let child = node.pointee.children {
                current = child
                continue
            }
            // Move to the next sibling, climbing up as long as there is none.
            var climbing: xmlNodePtr = node
            current = nil
            while true {
                if let next = climbing.pointee.next {
                    current = next
                    break
                }
                guard let pushed = pushedAtLevel.popLast(), let parent = climbing.pointee.parent else { break }
                if pushed { parents.removeLast() }
                climbing = parent
            }
        }
    }

    /// The attributes of an element, names lower-cased, values from their text children.
    private static func attributes(of node: xmlNodePtr) -> [String: String] {
        var result: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            let name = string(current.pointee.name).lowercased()
            var value = ""
            var child = current.pointee.children
            while let piece = child {
                value += string(piece.pointee.content)
                child = piece.pointee.next
            }
            if result[name] == nil { result[name] = value }
            attribute = current.pointee.next
        }
        return result
    }

    /// Copies a NUL-terminated libxml2 UTF-8 string (invalid sequences are repaired).
    private static func string(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}
