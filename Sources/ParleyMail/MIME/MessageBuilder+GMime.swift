// The GMime path for writing mail, kept beside ``MessageBuilder``'s own writer: it writes
// what that writer hands over (internationalised addresses, RFC 6532, and a Message-ID or
// unsubscribe URL that cannot be written as it is) and is the reference its tests compare
// against. Multipart/alternative (RFC 2046 §5.1.4), RFC 2047
// encoded names and subjects, quoted-printable bodies, CRLF line endings.
import CGMime
import Foundation
import ParleyCore

extension MessageBuilder {
    /// The message as GMime writes it, CRLF-terminated. ``build(_:)`` takes this path
    /// for what its own writer does not do (an internationalised address, see
    /// ``MessageBuilder/writesItself(_:)``), and the tests read both outputs back to
    /// check the writer against it. Not API: it is SPI only so that `parley-bench build`
    /// (a release build, where `@testable` is not available) can time it for comparison.
    @_spi(Benchmarks)
    public static func buildWithGMime(_ mail: OutgoingMail) -> [UInt8] {
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

    fileprivate static func add(_ message: UnsafeMutablePointer<GMimeMessage>, _ type: GMimeAddressType, _ address: EmailAddress) {
        g_mime_message_add_mailbox(message, type, address.name.map(singleLine) ?? "", address.address)
    }

    fileprivate static func setHeader(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String, _ value: String) {
        g_mime_object_set_header(object, name, value, "utf-8")
    }

    /// Replaces the written form of a header set before (`raw` starts with a space, ends
    /// with LF, folds with LF + space; the output filter makes every LF a CRLF).
    fileprivate static func setRawHeader(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String, _ raw: String) {
        guard let header = g_mime_header_list_get_header(g_mime_object_get_header_list(object), name) else { return }
        g_mime_header_set_raw_value(header, raw)
    }

    fileprivate static func textPart(subtype: String, _ text: String) -> UnsafeMutablePointer<GMimeTextPart> {
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
}
