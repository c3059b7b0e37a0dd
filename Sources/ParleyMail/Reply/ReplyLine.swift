// A body is cut into lines once; every matcher then works on byte offsets into the
// body's UTF-8 so that no per-line `String` is ever created.

/// One physical line of a reply body, as byte offsets into the body's UTF-8.
struct ReplyLine {
    /// Offset of the first byte of the line.
    var start: Int
    /// Offset one past the last byte, with the CR of a CRLF pair excluded.
    var end: Int
    /// Offset of the first byte after the quote markers (`>`, `> >`, supercite `AB>`).
    var contentStart: Int
    /// How many quote markers the line starts with; 0 for unquoted lines.
    var depth: Int
    /// The whole line is whitespace.
    var isBlank: Bool
    /// Nothing but whitespace follows the quote markers (always true when `isBlank`).
    var contentIsBlank: Bool
    /// Start of the content (after the quote markers) without leading whitespace.
    var trimmedStart: Int
    /// End of the content without trailing whitespace; equals `trimmedStart` when blank.
    var trimmedEnd: Int
}
