// HTML-to-text conversion for HTML-only mail replies: parse with libxml2's HTML parser,
// drop the mail client's quoted original, render what is left as plain text.

/// Converts HTML mail bodies to plain text, removing the quoted original of a reply.
public enum HTMLText {
    /// Converts an HTML mail body to readable plain text.
    ///
    /// The body is parsed with libxml2's error-recovering HTML parser (never with regular
    /// expressions). When `removingQuotes` is set, the quote structures that mail clients put
    /// around the original message (Gmail `gmail_quote`, `blockquote type=cite`, Thunderbird
    /// `moz-cite-prefix`, Outlook's reply header, Yahoo `yahoo_quoted`, ProtonMail
    /// `protonmail_quote`, Zoho `zmail_extra`, …) are removed together with what follows them,
    /// and so are signature blocks (`moz-signature`, `gmail_signature`, `-- `). If that leaves no
    /// text (a bottom-posted reply), or answers stand between two quotes (an interleaved reply),
    /// only the quote elements themselves are removed.
    ///
    /// - Parameters:
    ///   - html: the decoded HTML body (any `<meta charset>` in it is ignored).
    ///   - removingQuotes: drop the mail client's quoted original (and signatures) before converting.
    /// - Returns: `text`, the readable text; `quoted`, the plain text of what was removed as quote
    ///   or signature (empty if nothing was removed).
    public static func convert(_ html: String, removingQuotes: Bool = true) -> (text: String, quoted: String) {
        convert(html, removingQuotes: removingQuotes, renderingQuoted: true)
    }

    /// The readable text alone: `convert(_:removingQuotes:).text`, without rendering what
    /// was removed, which the read path never shows (that rendering was about a fifth of
    /// the conversion in `parley-bench mail html`).
    public static func text(_ html: String, removingQuotes: Bool = true) -> String {
        convert(html, removingQuotes: removingQuotes, renderingQuoted: false).text
    }

    private static func convert(_ html: String, removingQuotes: Bool, renderingQuoted: Bool) -> (text: String, quoted: String) {
        let root = HTMLDocumentParser.parse(html)
        guard removingQuotes else {
            return (HTMLTextRenderer.render(root), "")
        }

        // Truncating first, on a copy of the tree or (when what was removed is not rendered)
        // on the tree itself with its changes journaled and undone before the surgical pass.
        // The rendered quote needs the copy: the surgical pass may change nodes that the
        // truncating pass removed and that are rendered afterwards.
        let truncated = renderingQuoted ? root.deepCopy() : root
        var stripper = HTMLQuoteStripper(mode: .truncating, journaling: !renderingQuoted)
        stripper.strip(truncated)
        var text = HTMLTextRenderer.render(truncated)
        var removed = stripper.removed
        stripper.undo()

        if !removed.isEmpty {
            // Answers written below the quote, or between quotes, are lost by truncating
            // at the first quote: then only the quote elements themselves go.
            var surgical = HTMLQuoteStripper(mode: .surgical)
            surgical.strip(root)
            if text.isEmpty || surgical.answersBetweenQuotes {
                let surgicalText = HTMLTextRenderer.render(root)
                if !surgicalText.isEmpty {
                    text = surgicalText
                    removed = surgical.removed
                }
            }
        }

        let quoted = removed.isEmpty || !renderingQuoted ? "" : HTMLTextRenderer.render(HTMLNode(element: "#root", children: removed))
        return (text, quoted)
    }
}
