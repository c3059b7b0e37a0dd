import CGMime
import Foundation

/// Flattens a GMime part tree into ``MailPart`` leaves, depth-first, in order.
///
/// Depth is bounded: a message nested a thousand multiparts deep is read to
/// ``PartWalker/maxDepth`` and the rest is left in the raw bytes, so parsing stays
/// linear and the stack stays small.
struct PartWalker {
    static let maxDepth = 64
    static let maxParts = 1000
    var parts: [MailPart] = []

    mutating func walk(_ root: UnsafeMutablePointer<GMimeObject>) {
        var stack: [(UnsafeMutablePointer<GMimeObject>, Int)] = [(root, 0)]
        while let (object, depth) = stack.popLast(), parts.count < PartWalker.maxParts {
            if parley_is_multipart(object) != 0 {
                guard depth < PartWalker.maxDepth else { continue }
                let multipart = parley_as_multipart(object)
                let count = g_mime_multipart_get_count(multipart)
                // Push in reverse so that parts come out in document order.
                var i = count - 1
                while i >= 0 {
                    if let child = g_mime_multipart_get_part(multipart, i) { stack.append((child, depth + 1)) }
                    i -= 1
                }
            } else if parley_is_message_part(object) != 0 {
                parts.append(messagePart(object))
            } else if parley_is_part(object) != 0 {
                parts.append(leaf(object))
            }
        }
    }

    private func disposition(_ object: UnsafeMutablePointer<GMimeObject>) -> String? {
        guard let d = g_mime_object_get_content_disposition(object) else { return nil }
        return GMime.string(g_mime_content_disposition_get_disposition(d))?.lowercased()
    }

    private func messagePart(_ object: UnsafeMutablePointer<GMimeObject>) -> MailPart {
        let (type, params) = MailParser.contentType(of: object)
        var text: String?
        var size = 0
        if let inner = g_mime_message_part_get_message(parley_as_message_part(object)) {
            let bytes = PartWalker.serialize(parley_message_as_object(inner))
            size = bytes.count
            text = String(decoding: bytes.prefix(MailParser.maxTextPartBytes), as: UTF8.self)
        }
        return MailPart(contentType: type, parameters: params, disposition: disposition(object), filename: nil, size: size, text: text)
    }

    private func leaf(_ object: UnsafeMutablePointer<GMimeObject>) -> MailPart {
        let (type, params) = MailParser.contentType(of: object)
        let part = parley_as_part(object)
        let filename = GMime.string(g_mime_part_get_filename(part))
        let disp = disposition(object)
        return PartWalker.withDecodedContent(part) { decoded in
            PartWalker.leaf(type: type, parameters: params, disposition: disp, filename: filename, decoded: decoded)
        }
    }

    /// A leaf part from its header values and its decoded content: the text of a textual
    /// part in UTF-8 with LF line endings (format=flowed undone), the size of any part.
    /// Shared by the GMime walk and ``MailParser``'s single-part reader.
    static func leaf(type: String, parameters params: [String: String], disposition: String?, filename: String?,
                     decoded: UnsafeBufferPointer<UInt8>) -> MailPart {
        let textual = type.hasPrefix("text/") || type == "message/delivery-status" || type == "message/global-delivery-status"
            || type == "text/rfc822-headers" || type == "message/rfc822-headers"
        // Line endings are LF from here on: CRLF is a transport detail.
        var text = textual && decoded.count <= MailParser.maxTextPartBytes ? Charsets.decodeText(decoded, charset: params["charset"]) : nil
        if type == "text/plain", params["format"]?.lowercased() == "flowed", let t = text {
            text = FormatFlowed.unflow(t, delSp: params["delsp"]?.lowercased() == "yes")
        }
        return MailPart(contentType: type, parameters: params, disposition: disposition, filename: filename, size: decoded.count, text: text)
    }

    /// Runs `body` on the part's content with its transfer encoding (base64,
    /// quoted-printable) undone.
    ///
    /// The parser leaves each part's content as a window on the message's own bytes (a
    /// memory substream). Those bytes are read in place: 7bit, 8bit and binary content is
    /// handed over as it is, and base64, quoted-printable and uuencode are decoded with
    /// GMime's own decoder (`g_mime_encoding_step`, what its decoding filter runs) into one
    /// buffer. `g_mime_data_wrapper_write_to_stream` does the same work through an output
    /// stream, a filter stream and a filter object per part, and copies the bytes twice.
    /// Content in any other kind of stream still goes through GMime's path.
    static func withDecodedContent<R>(_ part: UnsafeMutablePointer<GMimePart>?, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard let wrapper = g_mime_part_get_content(part) else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        if let raw = inPlaceContent(wrapper) {
            return withDecoded(raw, encoding: g_mime_data_wrapper_get_encoding(wrapper), body)
        }
        guard let stream = g_mime_stream_mem_new() else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        defer { parley_object_unref(stream) }
        g_mime_data_wrapper_write_to_stream(wrapper, stream)
        guard let array = g_mime_stream_mem_get_byte_array(parley_as_stream_mem(stream)), let data = array.pointee.data else {
            return body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return body(UnsafeBufferPointer(start: data, count: Int(array.pointee.len)))
    }

    /// Runs `body` on `raw` with the transfer encoding undone: 7bit, 8bit and binary
    /// content as it is, base64, quoted-printable and uuencode through GMime's decoder.
    static func withDecoded<R>(_ raw: UnsafeBufferPointer<UInt8>, encoding: GMimeContentEncoding, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch encoding {
        case GMIME_CONTENT_ENCODING_BASE64, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, GMIME_CONTENT_ENCODING_UUENCODE:
            var state = GMimeEncoding()
            g_mime_encoding_init_decode(&state, encoding)
            let capacity = g_mime_encoding_outlen(&state, raw.count)
            let decoded = [UInt8](unsafeUninitializedCapacity: max(1, capacity)) { out, written in
                guard let input = raw.baseAddress, let output = out.baseAddress else { return }
                written = input.withMemoryRebound(to: CChar.self, capacity: raw.count) { inChars in
                    output.withMemoryRebound(to: CChar.self, capacity: capacity) { outChars in
                        let n = g_mime_encoding_step(&state, inChars, raw.count, outChars)
                        // The decoders' flush is a step over no input: nothing more comes out,
                        // but the call keeps this the same sequence as GMime's filter.
                        return n + g_mime_encoding_flush(&state, inChars, 0, outChars + n)
                    }
                }
            }
            return decoded.withUnsafeBufferPointer(body)
        default:
            return body(raw)
        }
    }

    /// The wrapper's still-encoded content where it sits in memory: the bytes between the
    /// bounds of a memory stream (an unbounded end is the end of its buffer). Nil for
    /// content in any other kind of stream.
    private static func inPlaceContent(_ wrapper: UnsafeMutablePointer<GMimeDataWrapper>) -> UnsafeBufferPointer<UInt8>? {
        guard let stream = wrapper.pointee.stream, parley_is_stream_mem(stream) != 0,
              let array = parley_as_stream_mem(stream).pointee.buffer else { return nil }
        let length = gint64(array.pointee.len)
        let start = stream.pointee.bound_start
        let end = stream.pointee.bound_end < 0 ? length : min(stream.pointee.bound_end, length)
        guard start >= 0, start <= end else { return nil }
        guard let data = array.pointee.data, end > start else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: data + Int(start), count: Int(end - start))
    }

    static func serialize(_ object: UnsafeMutablePointer<GMimeObject>?) -> [UInt8] {
        guard let stream = g_mime_stream_mem_new() else { return [] }
        defer { parley_object_unref(stream) }
        g_mime_object_write_to_stream(object, nil, stream)
        return bytes(of: stream)
    }

    static func bytes(of stream: UnsafeMutablePointer<GMimeStream>) -> [UInt8] {
        guard let array = g_mime_stream_mem_get_byte_array(parley_as_stream_mem(stream)), let data = array.pointee.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(array.pointee.len)))
    }
}

extension String {
    /// CRLF and lone CR become LF. Works on the UTF-8 bytes: Foundation's
    /// `replacingOccurrences` bridges through UTF-16 on Linux and took a quarter of the
    /// whole read path's time (`parley-bench mail`).
    func normalisingLineEndings() -> String {
        var copy = self
        return copy.withUTF8 { bytes -> String? in
            guard let firstCR = bytes.firstIndex(of: 0x0D) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var runStart = 0
            var cr: Int? = firstCR
            while let i = cr {
                // Copy the run before the CR in one go, then the LF that replaces it.
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                out.append(0x0A)
                runStart = i + 1 < bytes.count && bytes[i + 1] == 0x0A ? i + 2 : i + 1
                cr = bytes[runStart...].firstIndex(of: 0x0D)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            return String(decoding: out, as: UTF8.self)
        } ?? self
    }

    /// Without leading and trailing tabs and Unicode space separators: what
    /// `trimmingCharacters(in: .whitespaces)` removes, without bridging to NSString.
    func trimmingHorizontalSpace() -> String {
        // Walks the UTF-8 bytes (every raw header value starts with the space after its
        // colon) and looks at a whole scalar only where a non-ASCII one sits at an end.
        let utf8 = self.utf8
        let scalars = unicodeScalars
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end {
            let b = utf8[start]
            if b == 0x20 || b == 0x09 {
                utf8.formIndex(after: &start)
            } else if b >= 0x80, Self.isHorizontalSpace(scalars[start]) {
                scalars.formIndex(after: &start)
            } else {
                break
            }
        }
        while end > start {
            let b = utf8[utf8.index(before: end)]
            if b == 0x20 || b == 0x09 {
                utf8.formIndex(before: &end)
            } else if b >= 0x80, case let before = scalars.index(before: end), Self.isHorizontalSpace(scalars[before]) {
                end = before
            } else {
                break
            }
        }
        if start == utf8.startIndex && end == utf8.endIndex { return self }
        return String(self[start..<end])
    }

    private static func isHorizontalSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || (scalar.value >= 0x80 && scalar.properties.generalCategory == .spaceSeparator)
    }
}
