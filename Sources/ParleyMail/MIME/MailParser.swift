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
    public static func parse(_ bytes: [UInt8]) -> ParsedMail {
        guard looksLikeMessage(bytes) else { return bareBody(bytes) }
        _ = GMime.ready
        let options = g_mime_parser_options_new()
        defer { g_mime_parser_options_free(options) }
        g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE)
        g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE)
        g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE)
        g_mime_parser_options_set_allow_addresses_without_domain(options, 1)
        withCStringArray(fallbackCharsets) { g_mime_parser_options_set_fallback_charsets(options, $0) }

        let message: OpaquePointer? = bytes.withUnsafeBufferPointer { buf -> OpaquePointer? in
            let stream = buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                g_mime_stream_mem_new_with_buffer($0, buf.count)
            }
            defer { parley_object_unref(stream) }
            let parser = g_mime_parser_new_with_stream(stream)
            defer { parley_object_unref(parser) }
            return OpaquePointer(g_mime_parser_construct_message(parser, options))
        }
        guard let message else { return bareBody(bytes) }
        defer { parley_object_unref(UnsafeMutableRawPointer(message)) }
        let object = parley_message_as_object(UnsafeMutablePointer(message))
        var mail = ParsedMail(headers: headers(of: object))
        if let body = g_mime_message_get_mime_part(UnsafeMutablePointer(message)) {
            let (type, params) = contentType(of: body)
            mail.contentType = type
            mail.parameters = params
            var walker = PartWalker()
            walker.walk(body)
            mail.parts = walker.parts
        } else {
            mail.contentType = "text/plain"
        }
        mail.text = mail.parts.first { $0.contentType == "text/plain" && $0.disposition != "attachment" && $0.text != nil }?.text
        mail.html = mail.parts.first { $0.contentType == "text/html" && $0.disposition != "attachment" && $0.text != nil }?.text
        return mail
    }

    /// Input without a header block (or that GMime cannot read) as one unlabelled text part:
    /// decoded, capped and line-normalised exactly as such a part inside a message would be,
    /// so a Latin-1 body piped to `parley message trim` reads the same as one in a message.
    /// (Repairing it as UTF-8 instead made a U+FFFD of every stray byte, and took 12 s on
    /// 4 MB of random bytes in a debug test run, against 1.5 s now.)
    static func bareBody(_ bytes: [UInt8]) -> ParsedMail {
        let text = bytes.count <= maxTextPartBytes ? Charsets.decode(bytes, charset: nil).normalisingLineEndings() : nil
        return ParsedMail(headers: [], contentType: "text/plain", parameters: [:],
                          parts: [MailPart(contentType: "text/plain", size: bytes.count, text: text)], text: text)
    }

    /// Whether the input starts with a header block: only well-formed field lines (or
    /// folded continuations) up to the first blank line, including at least one field
    /// that every message has. A bare body whose first line happens to hold a colon
    /// is not mistaken for a message.
    public static func looksLikeMessage(_ bytes: [UInt8]) -> Bool {
        var sawKnown = false
        var lineStart = 0
        var lines = 0
        while lineStart < bytes.count && lines < 500 {
            var end = lineStart
            while end < bytes.count && bytes[end] != 10 { end += 1 }
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
                    EncodedWords.decode(UnsafeBufferPointer(start: start, count: strlen(raw)))
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
