// What a top-level line is, decided once before the trimming pass walks the body.

/// The role of one line of a reply body.
enum ReplyLineKind: UInt8 {
    /// Only whitespace.
    case blank
    /// Ordinary prose: counts as new text.
    case text
    /// Inside a fenced code block (```), never interpreted.
    case fenced
    /// A quoted line (`>` or supercite `AB>`), including quoted attribution lines.
    case quote
    /// First line of an "On … wrote:" attribution.
    case attribution
    /// A further line of a wrapped attribution.
    case attributionPart
    /// A "-----Original Message-----" / "Begin forwarded message:" line.
    case forward
    /// First line of a `From:/Sent:/To:/Subject:` block.
    case header
    /// A further line of a header block (another field or a wrapped value).
    case headerPart
    /// The `-- ` signature delimiter of RFC 3676 section 4.3 (or a bare `--`).
    case signatureDelimiter
    /// A one-line client footer such as "Sent from my iPhone".
    case mobileSignature
    /// A line drawn from rule characters (`_____`, `-----`, `***`, `ᐧ`).
    case delimiter
}
