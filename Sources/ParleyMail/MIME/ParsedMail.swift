// A parsed email as plain values: what the GMime façade produces and what the
// classifier, the reply extractor and the relay read. No GObject leaves the façade.

/// One header field, unfolded, with RFC 2047 encoded-words decoded to UTF-8.
public struct MailHeader: Sendable, Equatable {
    /// The field name as written (compare case-insensitively).
    public var name: String
    /// The decoded value.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One leaf part of a message (multipart containers are flattened away).
public struct MailPart: Sendable, Equatable {
    /// Lower-cased `type/subtype`, e.g. `text/plain`, `message/delivery-status`.
    public var contentType: String
    /// Content-Type parameters, keys lower-cased, RFC 2231 decoded (`charset`, `name`, `report-type`, …).
    public var parameters: [String: String]
    /// Lower-cased Content-Disposition (`attachment`, `inline`) if present.
    public var disposition: String?
    /// The file name (Content-Disposition `filename` or Content-Type `name`), decoded.
    public var filename: String?
    /// Size of the decoded content in bytes.
    public var size: Int
    /// Decoded content as UTF-8 text for textual parts (`text/*`, `message/delivery-status`,
    /// `message/rfc822`, `text/rfc822-headers`); nil for binary parts.
    public var text: String?

    public init(contentType: String, parameters: [String: String] = [:], disposition: String? = nil,
                filename: String? = nil, size: Int = 0, text: String? = nil) {
        self.contentType = contentType
        self.parameters = parameters
        self.disposition = disposition
        self.filename = filename
        self.size = size
        self.text = text
    }
}

/// A whole message, read leniently.
public struct ParsedMail: Sendable, Equatable {
    /// Top-level header fields in order.
    public var headers: [MailHeader]
    /// Lower-cased top-level `type/subtype`.
    public var contentType: String
    /// Top-level Content-Type parameters, keys lower-cased.
    public var parameters: [String: String]
    /// Leaf parts in document order.
    public var parts: [MailPart]
    /// The body text to read: the first `text/plain` part that is not an attachment.
    public var text: String?
    /// The first `text/html` part that is not an attachment.
    public var html: String?

    public init(headers: [MailHeader], contentType: String = "text/plain", parameters: [String: String] = [:],
                parts: [MailPart] = [], text: String? = nil, html: String? = nil) {
        self.headers = headers
        self.contentType = contentType
        self.parameters = parameters
        self.parts = parts
        self.text = text
        self.html = html
    }

    /// The first header with this name (case-insensitive), if any.
    public func header(_ name: String) -> String? {
        // Lengths first, inline: most fields differ in length from the name asked for, and
        // the classifier asks for a dozen names per mail, each a pass over every field.
        let length = name.utf8.count
        for header in headers where header.name.utf8.count == length && header.name.caseInsensitiveEquals(name) {
            return header.value
        }
        return nil
    }

    /// Every header with this name (case-insensitive), in order.
    public func headers(named name: String) -> [String] {
        let length = name.utf8.count
        var values: [String] = []
        for header in headers where header.name.utf8.count == length && header.name.caseInsensitiveEquals(name) {
            values.append(header.value)
        }
        return values
    }
}

extension String {
    /// ASCII case-insensitive comparison, enough for header names and keywords.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        // Index loop over both views: iterating `zip` of the two UTF-8 views was a few
        // percent of `parley-bench mail` (the classifier looks up a dozen header names).
        var i = a.startIndex
        var j = b.startIndex
        while i != a.endIndex {
            let x = a[i], y = b[j]
            if x != y {
                let lx = (x >= 65 && x <= 90) ? x | 0x20 : x
                let ly = (y >= 65 && y <= 90) ? y | 0x20 : y
                if lx != ly { return false }
            }
            a.formIndex(after: &i)
            b.formIndex(after: &j)
        }
        return true
    }
}
