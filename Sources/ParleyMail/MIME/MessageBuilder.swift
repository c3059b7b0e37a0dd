// Writing mail: every notification Parley sends, as the exact bytes for SMTP DATA. The
// bytes are written directly (see ``MIMEWriter``): multipart/alternative (RFC 2046
// §5.1.4) of a text/plain and a text/html part, both UTF-8 in quoted-printable (RFC 2045
// §6.7), RFC 2047 encoded names and subjects, lines folded within 78 octets and never
// over 998 (RFC 5322 §2.1.1), CRLF line endings (libcurl sends bytes as given).
import Foundation
import ParleyCore

/// Builds the exact bytes of an outgoing message.
///
/// Written by hand rather than through GMime's object model, which cost about 165 µs a
/// message (an object per header, part and stream, charset guessing over every body
/// byte) and was the largest CPU cost per reply of the ingest path. The GMime path is
/// kept for internationalised addresses (``writesItself(_:)``) and as the reference the
/// tests compare with.
public enum MessageBuilder {
    /// The message as CRLF-terminated bytes, ready for SMTP DATA.
    public static func build(_ mail: OutgoingMail) -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        return build(mail, random: &random)
    }

    /// ``build(_:)`` with the randomness for the MIME boundary passed in.
    static func build(_ mail: OutgoingMail, random: inout some RandomNumberGenerator) -> [UInt8] {
        guard writesItself(mail) else { return buildWithGMime(mail) }
        let text = mail.text.utf8.count, html = mail.html?.utf8.count ?? 0
        var w = MIMEWriter(capacity: 1536 + (text + html) * 11 / 10)
        writeHeader(mail, &w)
        w.field("MIME-Version", "1.0")
        if let html = mail.html {
            let boundary = makeBoundary(&random)
            // RFC 2046 §5.1.1: the boundary is quoted, as `=` is a tspecial.
            w.append("Content-Type: multipart/alternative; boundary=\"")
            w.append(boundary)
            w.append("\"")
            w.newline()
            w.newline()
            writePart(html: false, mail.text, boundary: boundary, &w)
            writePart(html: true, html, boundary: boundary, &w)
            w.append("--")
            w.append(boundary)
            w.append("--")
            w.newline()
        } else {
            writeTextHeader(html: false, &w)
            w.newline()
            // The message ends in a CRLF (SMTP DATA needs one before its final dot, and
            // libcurl would add it): after text without a final line break that is a soft
            // break, so the body still decodes to exactly the text.
            if !w.quotedPrintable(mail.text) && !mail.text.isEmpty {
                w.append("=")
                w.newline()
            }
        }
        return w.bytes
    }

    /// Whether the writer here makes this message: unless an address is not ASCII, or
    /// one of Parley's own structured values (its Message-ID, the unsubscribe URLs) cannot
    /// be written as it is. An internationalised address (RFC 6531) cannot be encoded in a
    /// header (RFC 2047 §5 forbids encoded-words in an addr-spec) and needs UTF-8 headers
    /// (RFC 6532): GMime writes those, and it writes the others raw as it always did.
    static func writesItself(_ mail: OutgoingMail) -> Bool {
        isASCII(mail.from.address) && isASCII(mail.to.address) && isASCII(mail.replyTo.address)
            && isVerbatimItem(mail.messageID) && isVerbatimItem(mail.unsubscribeURL) && isVerbatimItem(mail.unsubscribeMailto)
    }

    private static func isASCII(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } }
    }

    /// Longest msg-id or URL written: with its brackets, comma and the longest field name
    /// before it, it still fits a line (RFC 5322 §2.1.1).
    static let maxVerbatimItem = 960

    /// Whether `s` can stand in angle brackets as it is, as a msg-id (RFC 5322 §3.6.4) or
    /// a URL (RFC 2369 §2): printable ASCII, no space or bracket, short enough for a line.
    static func isVerbatimItem(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { bytes in
            !bytes.isEmpty && bytes.count <= maxVerbatimItem && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x3C && $0 != 0x3E }
        }
    }

    // MARK: The header

    /// The top-level fields, in the order the GMime path wrote them. Every text value
    /// passes through ``singleLine(_:)`` (and the writer writes any control character left
    /// as a space), and msg-ids and URLs hold no control character or space
    /// (``isVerbatimItem(_:)``): text from a commenter can never start a header line of its own.
    private static func writeHeader(_ mail: OutgoingMail, _ w: inout MIMEWriter) {
        w.startField("Date")
        appendDate(mail.date, to: &w)
        w.newline()
        w.mailboxField("From", displayName: mail.from.name.map(singleLine), address: mail.from.address)
        w.mailboxField("Reply-To", displayName: mail.replyTo.name.map(singleLine), address: mail.replyTo.address)
        w.unstructuredField("Subject", singleLine(mail.subject))
        w.mailboxField("To", displayName: mail.to.name.map(singleLine), address: mail.to.address)
        w.msgIDField("Message-Id", [mail.messageID])
        // Ids from other people's mail that cannot be written as msg-ids (8-bit, spaces,
        // longer than a line) are left out: they only help threading, and written raw
        // they would make the whole message invalid on a 7-bit path.
        if let parent = mail.references.last, isVerbatimItem(parent) {
            w.msgIDField("In-Reply-To", [parent])
        }
        let references = mail.references.allSatisfy(isVerbatimItem) ? mail.references : mail.references.filter(isVerbatimItem)
        if !references.isEmpty {
            w.msgIDField("References", references)
        }
        let listID = singleLine(mail.listID)
        // RFC 2919: `phrase <list-id>`. Written as unstructured text, as the GMime path
        // did: the words of the phrase are encoded where they need it, and the
        // `<list-id>`, plain ASCII, stays as it is.
        w.unstructuredField("List-Id", listID)
        // RFC 2369 §2: URLs in angle brackets, which must reach the client as written (no
        // client decodes an encoded-word inside `<…>`): raw, folded after the comma.
        w.startField("List-Unsubscribe")
        w.angleItem(mail.unsubscribeURL, comma: true)
        w.newline()
        w.angleItem(mail.unsubscribeMailto)
        w.newline()
        w.field("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        w.field("Auto-Submitted", "auto-generated")
        w.field("X-Auto-Response-Suppress", "All")
        w.field("Precedence", "list")
        // Marks Parley's own mail, so that it is recognised as a loop if it comes back.
        w.unstructuredField(MessageClassifier.originHeader, listID.isEmpty ? "parley" : "parley; " + listID)
    }

    // MARK: The body

    /// One body part of the multipart/alternative: its delimiter line, its header, the
    /// text. RFC 2046 §5.1.1: the CRLF before the next delimiter belongs to the
    /// delimiter, so it is written after the text whether or not the text ends in a
    /// line break, and the part decodes to exactly the text.
    private static func writePart(html: Bool, _ text: String, boundary: String, _ w: inout MIMEWriter) {
        w.append("--")
        w.append(boundary)
        w.newline()
        writeTextHeader(html: html, &w)
        w.newline()
        w.quotedPrintable(text)
        w.newline()
    }

    /// UTF-8 always, in the parts as in the encoded-words of the header (where GMime
    /// picked iso-8859-1 whenever the text fitted it): the HTML declares
    /// `<meta charset="utf-8">`, and one charset throughout is one less thing to go wrong.
    private static func writeTextHeader(html: Bool, _ w: inout MIMEWriter) {
        w.field("Content-Type", html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8")
        w.field("Content-Transfer-Encoding", "quoted-printable")
    }

    /// `=-` and 64 random bits as 11 letters and digits. `=-` can never occur in
    /// quoted-printable text (an `=` there is followed by a hex digit or a line break), so
    /// no line of a part can look like a delimiter whatever the randomness (RFC 2046
    /// §5.1.1 asks for a boundary that cannot occur in the encapsulated text); the random
    /// part keeps it apart from the boundaries of any message this one is forwarded in.
    /// (One 64-bit draw: each is a getrandom system call.)
    static func makeBoundary(_ random: inout some RandomNumberGenerator) -> String {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        var value = random.next()
        return String(unsafeUninitializedCapacity: 13) { out in
            out[0] = 0x3D
            out[1] = 0x2D
            for k in 2..<13 {
                out[k] = alphabet.utf8Start[Int(value % 62)]
                value /= 62
            }
            return 13
        }
    }

    // MARK: Values

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
        var w = MIMEWriter(capacity: 32)
        appendDate(date, to: &w)
        return String(decoding: w.bytes.dropFirst(), as: UTF8.self)
    }

    /// ` Thu, 26 Nov 2026 10:00:00 +0000` (with the space that follows a field's colon)
    /// appended to the writer.
    private static func appendDate(_ date: Date, to w: inout MIMEWriter) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days: StaticString = "SunMonTueWedThuFriSat", months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        func name(_ names: StaticString, _ index: Int32) {
            let start = Int(index) * 3
            for i in start..<(start + 3) { w.append(byte: names.utf8Start[i]) }
        }
        func digits(_ n: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                w.append(byte: 0x30 + UInt8((n / divisor) % 10))
                divisor /= 10
            }
        }
        w.append(byte: 0x20)
        name(days, parts.tm_wday)
        w.append(", ")
        digits(parts.tm_mday, 2)
        w.append(byte: 0x20)
        name(months, parts.tm_mon)
        w.append(byte: 0x20)
        digits(parts.tm_year + 1900, 4)
        w.append(byte: 0x20)
        digits(parts.tm_hour, 2)
        w.append(byte: 0x3A)
        digits(parts.tm_min, 2)
        w.append(byte: 0x3A)
        digits(parts.tm_sec, 2)
        w.append(" +0000")
    }
}
