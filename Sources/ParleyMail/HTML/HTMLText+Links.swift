extension HTMLText {
    /// A fragment of HTML written for the web (a feed's content or summary): its text as
    /// prose (nothing removed as quote, no list markers, no link targets), and the `href`
    /// of every link in document order.
    public static func textAndLinks(_ html: String) -> (text: String, links: [String]) {
        let root = HTMLDocumentParser.parse(html)
        var links: [String] = []
        var stack = [root]
        // Document order: children are visited before the next sibling.
        while let node = stack.popLast() {
            if node.isElement("a"), let href = node.attributes["href"], !href.isEmpty { links.append(href) }
            stack.append(contentsOf: node.children.reversed())
        }
        return (HTMLTextRenderer.render(root, prose: true), links)
    }
}
