// The GMime façade for reading mail. It reads any RFC 5322 message leniently and never
// fails: what it cannot understand it reports as best-effort text, and the caller keeps
// the original bytes regardless. No GObject pointer leaves this file.
import CGMime
import Foundation

/// Reads raw messages into ``ParsedMail`` values.
public enum MailParser {
    /// Charsets tried for raw 8-bit header bytes that are not UTF-8.
    static let fallbackCharsets = ["UTF-8", "windows-1252"]

    /// Largest part whose text is decoded for reading (bigger text parts are recorded
    /// as attachments would be: type, name, size).
    public static let maxTextPartBytes = 4 * 1024 * 1024

    /// Parses a whole message. Input without a header block is read as a bare text body.
    ///
    /// The message is read with `g_mime_parser_construct_part`, not `construct_message`:
    /// the root entity's header list is the same (every field, in order, raw values kept),
    /// but GMime does not build a `GMimeMessage` on top, which parses every address list,
    /// decodes Subject and parses Date through iconv — work this façade never used (it
    /// reads raw values and decodes them itself, see ``EncodedWords``) and that, with the
    /// matching frees, was a third of the parse time (`parley-bench mail parse`). Nested
    /// `message/rfc822` parts are still built as messages by GMime.
    public static func parse(_ bytes: [UInt8]) -> ParsedMail {
        // Mail whose lines end in a bare CR (old Mac clients, some gateways): read as LF.
        if let lf = withBareCRAsLF(bytes) { return parse(lf) }
        guard looksLikeMessage(bytes) else { return bareBody(bytes) }
        if let mail = readSinglePart(bytes) { return mail }
        return parseWithGMime(bytes)
    }

    /// `bytes` with every CR that is not followed by LF turned into LF, when the first
    /// line of the message ends in such a bare CR; nil otherwise (nearly always: one
    /// `memchr`-speed scan of the first line).
    static func withBareCRAsLF(_ bytes: [UInt8]) -> [UInt8]? {
        guard let first = bytes.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }), bytes[first] == 0x0D,
              first + 1 == bytes.count || bytes[first + 1] != 0x0A else { return nil }
        var out = bytes
        for i in out.indices where out[i] == 0x0D && (i + 1 == out.count || out[i + 1] != 0x0A) { out[i] = 0x0A }
        return out
    }

    /// The whole message through GMime's parser (every structure; see ``parse(_:)``).
    static func parseWithGMime(_ bytes: [UInt8]) -> ParsedMail {
        _ = GMime.ready
        // GMime reads the caller's bytes in place: a GByteArray header around them
        // (g_mime_stream_mem_new_with_buffer would copy them), owned by neither the
        // stream nor GMime, and every GMime object is gone before the closure returns.
        let mail: ParsedMail? = bytes.withUnsafeBufferPointer { buf -> ParsedMail? in
            // An mbox "From " separator line is not part of the message (construct_message
            // skips it; construct_part would read it as a broken header block).
            let start = buf.starts(with: "From ".utf8) ? (buf.firstIndex(of: 0x0A).map { $0 + 1 } ?? buf.count) : 0
            let data = UnsafeMutableRawPointer(mutating: buf.baseAddress! + start).assumingMemoryBound(to: guint8.self)
            guard let array = g_byte_array_new_take(data, gsize(buf.count - start)) else { return nil }
            defer { _ = g_byte_array_free(array, 0) }
            guard let stream = g_mime_stream_mem_new_with_byte_array(array) else { return nil }
            defer { parley_object_unref(stream) }
            g_mime_stream_mem_set_owner(parley_as_stream_mem(stream), 0)
            guard let parser = g_mime_parser_new_with_stream(stream) else { return nil }
            defer { parley_object_unref(parser) }
            guard let root = g_mime_parser_construct_part(parser, options.pointer) else { return nil }
            defer { parley_object_unref(root) }
            return read(root)
        }
        return mail ?? bareBody(bytes)
    }

    /// The message's top-level entity (its header fields are the message's) as values.
    private static func read(_ root: UnsafeMutablePointer<GMimeObject>) -> ParsedMail {
        var mail = ParsedMail(headers: headers(of: root))
        let (type, params) = contentType(of: root)
        mail.contentType = type
        mail.parameters = params
        var walker = PartWalker()
        walker.walk(root)
        mail.parts = walker.parts
        mail.text = mail.parts.first { $0.contentType == "text/plain" && $0.disposition != "attachment" && $0.text != nil }?.text
        mail.html = mail.parts.first { $0.contentType == "text/html" && $0.disposition != "attachment" && $0.text != nil }?.text
        return mail
    }

    /// Parser options, set up once: lenient everywhere. GMime only reads them while
    /// parsing, so one instance serves every thread.
    private static let options = ParserOptions()

    private final class ParserOptions: @unchecked Sendable {
        let pointer: OpaquePointer?

        init() {
            _ = GMime.ready
            pointer = g_mime_parser_options_new()
            g_mime_parser_options_set_rfc2047_compliance_mode(pointer, GMIME_RFC_COMPLIANCE_LOOSE)
            g_mime_parser_options_set_address_compliance_mode(pointer, GMIME_RFC_COMPLIANCE_LOOSE)
            g_mime_parser_options_set_parameter_compliance_mode(pointer, GMIME_RFC_COMPLIANCE_LOOSE)
            g_mime_parser_options_set_allow_addresses_without_domain(pointer, 1)
            MailParser.withCStringArray(MailParser.fallbackCharsets) { g_mime_parser_options_set_fallback_charsets(pointer, $0) }
        }
    }

    /// Input without a header block (or that GMime cannot read) as one unlabelled text part:
    /// decoded, capped and line-normalised exactly as such a part inside a message would be,
    /// so a Latin-1 body piped to `parley message trim` reads the same as one in a message.
    /// (Repairing it as UTF-8 instead made a U+FFFD of every stray byte, and took 12 s on
    /// 4 MB of random bytes in a debug test run, against 1.5 s now.)
    static func bareBody(_ bytes: [UInt8]) -> ParsedMail {
        let text = bytes.count <= maxTextPartBytes ? bytes.withUnsafeBufferPointer { Charsets.decodeText($0, charset: nil) } : nil
        return ParsedMail(headers: [], contentType: "text/plain", parameters: [:],
                          parts: [MailPart(contentType: "text/plain", size: bytes.count, text: text)], text: text)
    }

    /// Whether the input starts with a header block: only well-formed field lines (or
    /// folded continuations) up to the first blank line, including at least one field
    /// that every message has. A bare body whose first line happens to hold a colon
    /// is not mistaken for a message.
    public static func looksLikeMessage(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { bytes in
            var sawKnown = false
            var lineStart = 0
            var lines = 0
            while lineStart < bytes.count && lines < 500 {
                // memchr for the line end: a bounds-checked byte loop here was 2% of the read path.
                let end = memchr(bytes.baseAddress! + lineStart, 0x0A, bytes.count - lineStart)
                    .map { $0.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: bytes.baseAddress!) } ?? bytes.count
                var lineEnd = end
                if lineEnd > lineStart && bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
                if lineEnd == lineStart { return sawKnown && lines > 0 }
                let first = bytes[lineStart]
                if first == 32 || first == 9 {
                    if lines == 0 { return false }
                } else if lines == 0 && lineEnd - lineStart >= 5 && bytes[lineStart..<(lineStart + 5)].elementsEqual("From ".utf8) {
                    // An mbox "From " separator line.
                } else {
                    var i = lineStart
                    while i < lineEnd && bytes[i] > 32 && bytes[i] < 127 && bytes[i] != 58 { i += 1 }
                    guard i > lineStart, i < lineEnd, bytes[i] == 58 else { return false }
                    if !sawKnown {
                        let name = bytes[lineStart..<i]
                        sawKnown = knownFieldNames.contains { known in
                            known.count == name.count && zip(known, name).allSatisfy { $0 == ($1 | 0x20) }
                        }
                    }
                }
                lines += 1
                lineStart = end + 1
            }
            return sawKnown
        }
    }

    /// Lower-case names of fields that every real message has one of (compared by ORing
    /// 0x20 into each byte, which lower-cases letters and leaves `-` alone).
    private static let knownFieldNames: [[UInt8]] = [
        "from", "to", "subject", "date", "message-id", "received", "mime-version", "content-type",
        "return-path", "delivered-to", "in-reply-to", "references", "reply-to", "cc", "sender",
    ].map { Array($0.utf8) }

    // MARK: Single-part messages without GMime's object tree

    /// Reads a message whose top-level entity is a single text part (most replies: plain
    /// text or HTML alone) without building GMime's objects: the header block is split here
    /// (RFC 5322 §2.2, §2.2.3) and the body is the rest of the bytes, as GMime reads them.
    /// Only GMime's value parsers run: `Content-Type` and `Content-Disposition` (parameters,
    /// RFC 2231) and the transfer-encoding decoder. A GMime parse creates, fills and frees a
    /// GObject per header field plus the parser, streams and part (with a copy of the
    /// parser options for each header list): that was most of the parse time in
    /// `parley-bench mail parse`, and it gives nothing a single part needs.
    ///
    /// Returns nil, and the caller takes GMime's path, for anything else: multipart and
    /// `message/*` entities, a non-text type, a repeated content field, a NUL byte or a
    /// blank continuation line in the header block, or no body separator. The result is
    /// the same ``ParsedMail`` GMime's path gives (`MailParserTests` compares both on every
    /// fixture).
    static func readSinglePart(_ bytes: [UInt8]) -> ParsedMail? {
        bytes.withUnsafeBufferPointer { buf -> ParsedMail? in
            guard let base = buf.baseAddress else { return nil }
            let start = buf.starts(with: "From ".utf8) ? (buf.firstIndex(of: 0x0A).map { $0 + 1 } ?? buf.count) : 0
            guard let block = headerBlock(buf, from: start) else { return nil }
            var headers: [MailHeader] = []
            headers.reserveCapacity(block.fields.count)
            var contentTypeField: Range<Int>?
            var encodingValue: String?
            var dispositionField: Range<Int>?
            var sawContentType = false, sawEncoding = false, sawDisposition = false
            for field in block.fields {
                let name = String(decoding: UnsafeBufferPointer(rebasing: buf[field.name]), as: UTF8.self)
                let value = headerValue(UnsafeBufferPointer(rebasing: buf[field.value]))
                headers.append(MailHeader(name: name, value: value))
                if field.name.count >= 12, buf[field.name.lowerBound] | 0x20 == 0x63 {
                    if name.caseInsensitiveEquals("Content-Type") {
                        if sawContentType { return nil }
                        sawContentType = true
                        contentTypeField = field.value
                    } else if name.caseInsensitiveEquals("Content-Transfer-Encoding") {
                        if sawEncoding { return nil }
                        sawEncoding = true
                        encodingValue = value
                    } else if name.caseInsensitiveEquals("Content-Disposition") {
                        if sawDisposition { return nil }
                        sawDisposition = true
                        dispositionField = field.value
                    }
                }
            }
            _ = GMime.ready
            // Content-Type: GMime's parser, with the same options, on the raw value.
            var type = "text/plain"
            var params: [String: String] = [:]
            var nameParameter: String?
            if let field = contentTypeField {
                guard let ct = withCString(buf, field, { g_mime_content_type_parse(options.pointer, $0) }) else { return nil }
                defer { parley_object_unref(ct) }
                guard let media = g_mime_content_type_get_media_type(ct), strcasecmp(media, "text") == 0 else { return nil }
                (type, params) = contentType(ct)
                nameParameter = GMime.string(g_mime_content_type_get_parameter(ct, "name"))
            }
            var disposition: String?
            var filename = nameParameter
            if let field = dispositionField {
                guard let d = withCString(buf, field, { g_mime_content_disposition_parse(options.pointer, $0) }) else { return nil }
                defer { parley_object_unref(d) }
                disposition = GMime.string(g_mime_content_disposition_get_disposition(d))?.lowercased()
                // g_mime_part_get_filename: the disposition's filename, else the type's name.
                if let f = GMime.string(g_mime_content_disposition_get_parameter(d, "filename")) { filename = f }
            }
            let encoding = encodingValue.map { g_mime_content_encoding_from_string($0) } ?? GMIME_CONTENT_ENCODING_DEFAULT
            let body = UnsafeBufferPointer(start: base + block.bodyStart, count: buf.count - block.bodyStart)
            let part = PartWalker.withDecoded(body, encoding: encoding) {
                PartWalker.leaf(type: type, parameters: params, disposition: disposition, filename: filename, decoded: $0)
            }
            var mail = ParsedMail(headers: headers, contentType: type, parameters: params, parts: [part])
            let readable = part.disposition != "attachment" && part.text != nil
            if readable && type == "text/plain" { mail.text = part.text }
            if readable && type == "text/html" { mail.html = part.text }
            return mail
        }
    }

    /// The fields of a header block (name and raw value, without the colon and the final
    /// line break; a folded value keeps its inner line breaks, which decoding drops) and
    /// where the body starts. Nil where GMime's reading could differ or there is no body
    /// separator. ``looksLikeMessage(_:)`` has already checked every line's form.
    private static func headerBlock(_ buf: UnsafeBufferPointer<UInt8>, from start: Int)
        -> (fields: [(name: Range<Int>, value: Range<Int>)], bodyStart: Int)? {
        guard let base = buf.baseAddress else { return nil }
        var fields: [(name: Range<Int>, value: Range<Int>)] = []
        fields.reserveCapacity(32)
        var lineStart = start
        while lineStart < buf.count {
            guard let hit = memchr(base + lineStart, 0x0A, buf.count - lineStart) else { return nil }
            let newline = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
            var lineEnd = newline
            if lineEnd > lineStart && buf[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if memchr(base + lineStart, 0, lineEnd - lineStart) != nil { return nil }
            if lineEnd == lineStart {
                return fields.isEmpty ? nil : (fields, newline + 1)
            }
            let first = buf[lineStart]
            if first == 0x20 || first == 0x09 {
                // A continuation line; one of only blanks is left to GMime.
                guard !fields.isEmpty, buf[lineStart..<lineEnd].contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
                fields[fields.count - 1].value = fields[fields.count - 1].value.lowerBound..<lineEnd
            } else {
                guard let colon = buf[lineStart..<lineEnd].firstIndex(of: 0x3A), colon > lineStart else { return nil }
                for i in lineStart..<colon where buf[i] <= 0x20 || buf[i] >= 0x7F { return nil }
                fields.append((lineStart..<colon, (colon + 1)..<lineEnd))
            }
            lineStart = newline + 1
        }
        return nil
    }

    /// Runs `body` on a NUL-terminated copy of `buf[range]`.
    private static func withCString<R>(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (UnsafePointer<CChar>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count + 1) { copy in
            let base = copy.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: buf.baseAddress! + range.lowerBound, byteCount: range.count)
            base[range.count] = 0
            return body(base)
        }
    }

    /// A raw header value (the bytes after the colon) decoded: unfolded, encoded-words and
    /// 8-bit bytes decoded (see ``EncodedWords``), surrounding blanks dropped.
    static func headerValue(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        guard let start = raw.baseAddress else { return "" }
        // Without the space after the colon and the folding at the ends, so that the
        // decoded String needs no trimmed copy: the decoder drops CR and LF and the
        // trimming below drops space and tab, and no encoded-word is next to them.
        var lower = 0
        var upper = raw.count
        while lower < upper, start[lower] == 0x20 || start[lower] == 0x09 || start[lower] == 0x0D || start[lower] == 0x0A { lower += 1 }
        while upper > lower, start[upper - 1] == 0x20 || start[upper - 1] == 0x09 || start[upper - 1] == 0x0D || start[upper - 1] == 0x0A { upper -= 1 }
        return EncodedWords.decode(UnsafeBufferPointer(start: start + lower, count: upper - lower)).trimmingHorizontalSpace()
    }

    // MARK: GMime objects to values

    static func headers(of object: UnsafeMutablePointer<GMimeObject>?) -> [MailHeader] {
        guard let list = g_mime_object_get_header_list(object) else { return [] }
        let count = g_mime_header_list_get_count(list)
        var out: [MailHeader] = []
        out.reserveCapacity(Int(count))
        for i in 0..<count {
            guard let header = g_mime_header_list_get_header_at(list, i),
                  let name = GMime.string(g_mime_header_get_name(header)) else { continue }
            // Decoded from the raw bytes rather than taken from g_mime_header_get_value, so that
            // encoded-words go through the same charset handling as bodies (see EncodedWords).
            let value: String
            if let raw = g_mime_header_get_raw_value(header) {
                value = raw.withMemoryRebound(to: UInt8.self, capacity: 1) { headerValue(UnsafeBufferPointer(start: $0, count: strlen(raw))) }
            } else {
                value = (GMime.string(g_mime_header_get_value(header)) ?? "").trimmingHorizontalSpace()
            }
            out.append(MailHeader(name: name, value: value))
        }
        return out
    }

    static func contentType(of object: UnsafeMutablePointer<GMimeObject>?) -> (String, [String: String]) {
        guard let ct = g_mime_object_get_content_type(object) else { return ("text/plain", [:]) }
        return contentType(ct)
    }

    static func contentType(_ ct: UnsafeMutablePointer<GMimeContentType>) -> (String, [String: String]) {
        let type = GMime.take(g_mime_content_type_get_mime_type(ct))?.lowercased() ?? "text/plain"
        return (type, parameters(g_mime_content_type_get_parameters(ct)))
    }

    static func parameters(_ list: UnsafeMutablePointer<GMimeParamList>?) -> [String: String] {
        guard let list else { return [:] }
        var out: [String: String] = [:]
        for i in 0..<g_mime_param_list_length(list) {
            guard let p = g_mime_param_list_get_parameter_at(list, i),
                  let name = GMime.string(g_mime_param_get_name(p)) else { continue }
            out[name.lowercased()] = GMime.string(g_mime_param_get_value(p)) ?? ""
        }
        return out
    }

    static func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        pointers.append(nil)
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
