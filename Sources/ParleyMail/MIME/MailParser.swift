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
        guard looksLikeMessage(bytes) else { return bareBody(bytes) }
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
                value = raw.withMemoryRebound(to: UInt8.self, capacity: 1) { start in
                    // Without the space after the colon and the folding at the ends, so that the
                    // decoded String needs no trimmed copy: the decoder drops CR and LF and the
                    // trimming below drops space and tab, and no encoded-word is next to them.
                    var lower = 0
                    var upper = strlen(raw)
                    while lower < upper, start[lower] == 0x20 || start[lower] == 0x09 || start[lower] == 0x0D || start[lower] == 0x0A { lower += 1 }
                    while upper > lower, start[upper - 1] == 0x20 || start[upper - 1] == 0x09 || start[upper - 1] == 0x0D || start[upper - 1] == 0x0A { upper -= 1 }
                    return EncodedWords.decode(UnsafeBufferPointer(start: start + lower, count: upper - lower))
                }
            } else {
                value = GMime.string(g_mime_header_get_value(header)) ?? ""
            }
            out.append(MailHeader(name: name, value: value.trimmingHorizontalSpace()))
        }
        return out
    }

    static func contentType(of object: UnsafeMutablePointer<GMimeObject>?) -> (String, [String: String]) {
        guard let ct = g_mime_object_get_content_type(object) else { return ("text/plain", [:]) }
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
