// The GMime façade for writing mail: multipart/alternative (RFC 2046 §5.1.4), RFC 2047
// encoded names and subjects, quoted-printable bodies (no line over 998 octets,
// RFC 5322 §2.1.1), CRLF line endings (libcurl sends bytes as given).
import CGMime
import Foundation
import ParleyCore

/// Builds the exact bytes of an outgoing message.
public enum MessageBuilder {
    /// The message as CRLF-terminated bytes, ready for SMTP DATA.
    public static func build(_ mail: OutgoingMail) -> [UInt8] {
        _ = GMime.ready
        let message = g_mime_message_new(1)!
        defer { parley_object_unref(message) }
        let object = parley_message_as_object(message)

        add(message, GMIME_ADDRESS_TYPE_FROM, mail.from)
        add(message, GMIME_ADDRESS_TYPE_TO, mail.to)
        add(message, GMIME_ADDRESS_TYPE_REPLY_TO, mail.replyTo)
        g_mime_message_set_subject(message, singleLine(mail.subject), "utf-8")
        g_mime_message_set_message_id(message, mail.messageID)
        setHeader(object, "Date", rfc5322Date(mail.date))
        if let parent = mail.references.last {
            setHeader(object, "In-Reply-To", "<\(parent)>")
            setHeader(object, "References", mail.references.map { "<\($0)>" }.joined(separator: " "))
        }
        setHeader(object, "List-Id", singleLine(mail.listID))
        // RFC 2369 §2: URLs in angle brackets, which must reach the client as written.
        // GMime would fold the long mailto as an RFC 2047 encoded-word, which no client
        // decodes inside `<…>`: write the value raw, folded after the comma.
        setHeader(object, "List-Unsubscribe", "<\(singleLine(mail.unsubscribeURL))>, <\(singleLine(mail.unsubscribeMailto))>")
        setRawHeader(object, "List-Unsubscribe", " <\(singleLine(mail.unsubscribeURL))>,\n <\(singleLine(mail.unsubscribeMailto))>\n")
        setHeader(object, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        setHeader(object, "Auto-Submitted", "auto-generated")
        setHeader(object, "X-Auto-Response-Suppress", "All")
        setHeader(object, "Precedence", "list")
        // Marks Parley's own mail, so that it is recognised as a loop if it comes back.
        setHeader(object, MessageClassifier.originHeader, mail.listID.isEmpty ? "parley" : "parley; \(singleLine(mail.listID))")

        let plain = textPart(subtype: "plain", mail.text)
        if let html = mail.html {
            let alternative = g_mime_multipart_new_with_subtype("alternative")
            defer { parley_object_unref(alternative) }
            let htmlPart = textPart(subtype: "html", html)
            g_mime_multipart_add(alternative, parley_text_part_as_object(plain))
            g_mime_multipart_add(alternative, parley_text_part_as_object(htmlPart))
            parley_object_unref(plain)
            parley_object_unref(htmlPart)
            g_mime_message_set_mime_part(message, parley_multipart_as_object(alternative))
        } else {
            g_mime_message_set_mime_part(message, parley_text_part_as_object(plain))
            parley_object_unref(plain)
        }

        let format = g_mime_format_options_new()
        defer { g_mime_format_options_free(format) }
        g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS)
        let stream = g_mime_stream_mem_new()!
        defer { parley_object_unref(stream) }
        g_mime_object_write_to_stream(object, format, stream)
        return PartWalker.bytes(of: stream)
    }

    private static func add(_ message: UnsafeMutablePointer<GMimeMessage>, _ type: GMimeAddressType, _ address: EmailAddress) {
        g_mime_message_add_mailbox(message, type, address.name.map(singleLine) ?? "", address.address)
    }

    private static func setHeader(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String, _ value: String) {
        g_mime_object_set_header(object, name, value, "utf-8")
    }

    /// Replaces the written form of a header set before (`raw` starts with a space, ends
    /// with LF, folds with LF + space; the output filter makes every LF a CRLF).
    private static func setRawHeader(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String, _ raw: String) {
        guard let header = g_mime_header_list_get_header(g_mime_object_get_header_list(object), name) else { return }
        g_mime_header_set_raw_value(header, raw)
    }

    private static func textPart(subtype: String, _ text: String) -> UnsafeMutablePointer<GMimeTextPart> {
        let part = g_mime_text_part_new_with_subtype(subtype)!
        let object = parley_text_part_as_object(part)
        // The content goes in as a stream of its UTF-8 bytes: `g_mime_text_part_set_text`
        // would scan every byte to guess a charset we already know.
        // GMime writes the content as given: normalise to LF here, the CRLF filter on
        // output then makes every line end in CRLF.
        var normalised = text.normalisingLineEndings()
        let stream = normalised.withUTF8 { bytes in
            g_mime_stream_mem_new_with_buffer(UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        let content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT)
        g_mime_part_set_content(parley_as_part(object), content)
        parley_object_unref(content)
        parley_object_unref(stream)
        g_mime_object_set_content_type_parameter(object, "charset", "utf-8")
        g_mime_part_set_content_encoding(parley_as_part(object), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
        return part
    }

    /// Control characters (CR, LF, …) become spaces: nothing can start a new header line.
    static func singleLine(_ s: String) -> String {
        // Most values have nothing to replace: check the bytes first (U+2028/U+2029 are
        // E2 80 A8/A9 in UTF-8), and only then rebuild scalar by scalar.
        var clean = true
        var previous: (UInt8, UInt8) = (0, 0)
        for b in s.utf8 {
            if b < 0x20 || b == 0x7F || (previous == (0xE2, 0x80) && (b == 0xA8 || b == 0xA9)) {
                clean = false
                break
            }
            previous = (previous.1, b)
        }
        if clean { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
                out.append(" ")
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// RFC 5322 §3.3 date-time in UTC.
    /// Formatted by hand: a DateFormatter per message cost more than building the rest
    /// of the message on Linux.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
