// Signatures come in three shapes: the RFC 3676 `-- ` delimiter, a line of rule
// characters that clients and mailing lists put above a footer, and the one-line
// footers phones and apps append ("Sent from my iPhone", "Von meinem iPhone
// gesendet", "Get Outlook for iOS"). The last are matched on the line with its
// markdown links and <url>s removed, and only when the line is short: a long line
// that merely starts with "Sent from" is prose.

/// Recognises signature delimiters, rule lines and mobile-client footers.
enum SignatureMatcher {
    /// Footer openings valid on any short line.
    static let prefixes = ReplyKeywordList([
        "get outlook for ", "envoyé depuis ", "envoyé de mon ", "envoyé à partir de ",
        "inviato da ", "inviato dal mio ", "sendt fra ", "enviado do meu ", "enviado de meu ",
        "enviado desde ", "enviado con ", "enviado com ", "verzonden met ", "verzonden vanaf ",
        "verzonden vanuit ", "verstuurd vanaf ", "verstuurd met ", "skickat från ", "från min ",
        "wysłane z ", "wysłano z ", "отправлено с ", "отправлено из ", "надіслано з ",
        "從我的 ", "发自我的", "来自我的", "送自我的", "odesláno z ", "odoslané z ", "poslano z ",
        "poslato sa ", "gesendet von ", "gesendet mit ", "gesendet vom ",
    ])

    /// English openings, which also start ordinary sentences: only on very short lines.
    static let shortPrefixes = ReplyKeywordList([
        "sent from ", "sent via ", "sent with ", "sent by ", "sent using ", "sent on my ",
    ])

    /// Openings that need the closing word `gesendet` too ("Von meinem … gesendet").
    static let framedPrefixes = ReplyKeywordList(["von meinem ", "diese nachricht wurde "])
    static let framedClosing = ReplyKeywordList(["gesendet"])

    /// Endings of footers written verb-last ("iPhoneから送信", "iPhone'umdan gönderildi").
    static let suffixes = ReplyKeywordList(["から送信", "gönderildi"])

    /// "From my iPhone 6", "Someone from mobile".
    static let fromMy = ReplyKeywordList(["from my "])
    static let fromMobile = ReplyKeywordList(["from mobile"])
    static let devices = ReplyKeywordList([
        "iphone", "ipad", "ipod", "android", "mobile", "phone", "cell", "samsung", "galaxy",
        "blackberry", "tablet", "smartphone", "pixel", "huawei", "xiaomi", "nokia", "htc",
    ])

    /// Whether the trimmed line `bytes[start..<end]` is a one-line mobile/app footer.
    /// `raw` and `folded` are scratch buffers, used only for lines with links.
    static func isMobileSignature(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
                                  raw: inout ReplyFoldBuffer, folded: inout ReplyFoldBuffer) -> Bool {
        // Up to the longest matched line: a footer's link (Yahoo's app links run to
        // two hundred bytes) is removed before the footer text itself is measured.
        guard end - start >= 8, end - start <= ReplyDocument.maxMatchedLine else { return false }
        var s = start
        var e = end
        while s < e, isWrap(bytes[s]) { s += 1 }
        while e > s, isWrap(bytes[e - 1]) || bytes[e - 1] == 0x2E { e -= 1 }
        guard e - s >= 6 else { return false }
        var hasLink = false
        for i in s..<e where bytes[i] == 0x5B || bytes[i] == 0x3C {
            hasLink = true
            break
        }
        if !hasLink {
            // Matching is ASCII case-insensitive, so plain lines need no copy, unless
            // they open with a non-ASCII capital ("Отправлено с iPhone").
            if matchesFooter(bytes, start: s, end: e) { return true }
            guard bytes[s] >= 0x80 else { return false }
            folded.removeAll()
            folded.appendFolded(bytes, from: s, to: e)
            return folded.withBytes { matchesFooter($0, start: 0, end: $0.count) }
        }
        strip(bytes, start: start, end: end, into: &raw)
        folded.removeAll()
        raw.withBytes { folded.appendFolded($0, from: 0, to: $0.count) }
        return folded.withBytes { t in
            var s = 0
            var e = t.count
            while s < e, isWrap(t[s]) { s += 1 }
            while e > s, isWrap(t[e - 1]) || t[e - 1] == 0x2E { e -= 1 }
            return matchesFooter(t, start: s, end: e)
        }
    }

    private static func matchesFooter(_ t: UnsafeBufferPointer<UInt8>, start s: Int, end e: Int) -> Bool {
        let n = e - s
        guard n >= 6, n <= 110 else { return false }
        if let len = prefixes.prefixLength(of: t, at: s, end: e), isFooterTail(t, from: s + len, end: e) { return true }
        if n <= 64 {
            if let len = shortPrefixes.prefixLength(of: t, at: s, end: e), isFooterTail(t, from: s + len, end: e) { return true }
            if suffixes.suffixLength(of: t, from: s, end: e) != nil { return true }
        }
        if let len = framedPrefixes.prefixLength(of: t, at: s, end: e),
           framedClosing.containsWord(in: t, from: s + len, end: e) {
            return true
        }
        if n <= 40 {
            if let len = fromMy.prefixLength(of: t, at: s, end: e),
               devices.containsWord(in: t, from: s + len, end: e) {
                return true
            }
            if fromMobile.suffixLength(of: t, from: s, end: e) != nil {
                var spaces = 0
                for i in s..<e where t[i] == 0x20 { spaces += 1 }
                if spaces <= 3 { return true }
            }
        }
        return false
    }

    /// What follows a footer's opening names a device or an app, in a few words ("my
    /// iPhone", "Outlook for Android", "my phone, please excuse typos"); a sentence
    /// that only opens that way ("Sent from the airport: I agree with every word")
    /// goes on longer or breaks with `:`, `;`, `?` or `!`, and is text.
    static let footerTailWords = 6

    private static func isFooterTail(_ t: UnsafeBufferPointer<UInt8>, from s: Int, end e: Int) -> Bool {
        var words = 0
        var inWord = false
        for i in s..<e {
            let b = t[i]
            if b == 0x3A || b == 0x3B || b == 0x3F || b == 0x21 { return false }
            if b == 0x20 || b == 0x09 {
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
                if words > footerTailWords { return false }
            }
        }
        return true
    }

    /// Copies the line without markdown link targets (`[text](url)` → `text`), without
    /// `<url>` parts, and without the brackets footers are sometimes wrapped in.
    private static func strip(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, into out: inout ReplyFoldBuffer) {
        out.removeAll()
        var i = start
        while i < end {
            let b = bytes[i]
            if b == 0x5B, let close = index(of: 0x5D, in: bytes, from: i + 1, end: end),
               close + 1 < end, bytes[close + 1] == 0x28,
               let paren = index(of: 0x29, in: bytes, from: close + 2, end: end) {
                for k in (i + 1)..<close { out.append(bytes[k]) }
                i = paren + 1
                continue
            }
            if b == 0x3C {
                if let close = index(of: 0x3E, in: bytes, from: i + 1, end: end),
                   index(of: 0x20, in: bytes, from: i + 1, end: close) == nil, close > i + 1 {
                    i = close + 1  // an <url> or <address>
                } else {
                    i += 1  // a bracket around the footer ("<<sent by galaxy>>")
                }
                continue
            }
            out.append(b)
            i += 1
        }
    }

    @inline(__always)
    private static func isWrap(_ b: UInt8) -> Bool {
        b == 0x28 || b == 0x29 || b == 0x3C || b == 0x3E || b == 0x5B || b == 0x5D || b == 0x2A
            || b == 0x5F || b == 0x20 || b == 0x09
    }

    private static func index(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        while i < end {
            if bytes[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// The RFC 3676 section 4.3 delimiter `-- ` (often sent as a bare `--`).
    static func isSignatureDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        guard end - start >= 2, bytes[start] == 0x2D, bytes[start + 1] == 0x2D else { return false }
        var i = start + 2
        while i < end {
            if bytes[i] != 0x20 && bytes[i] != 0x09 { return false }
            i += 1
        }
        return true
    }

    /// A rule line: three or more of `-_=+~#*` (spaces allowed), or an em dash or
    /// Gmail's `ᐧ` tracker mark on its own.
    static func isDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        var count = 0
        var special = false
        var i = start
        while i < end {
            let b = bytes[i]
            switch b {
            case 0x2D, 0x5F, 0x3D, 0x2B, 0x7E, 0x23, 0x2A:
                count += 1
                i += 1
            case 0x20, 0x09:
                i += 1
            case 0xE1 where i + 2 < end && bytes[i + 1] == 0x90 && bytes[i + 2] == 0xA7:  // ᐧ
                count += 1
                special = true
                i += 3
            case 0xE2 where i + 2 < end && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0x94 || bytes[i + 2] == 0x93):
                count += 1
                special = special || bytes[i + 2] == 0x94  // — on its own opens GitHub-style footers
                i += 3
            default:
                return false
            }
        }
        return count >= 3 || (count >= 1 && special)
    }
}
