// Recognising bounces: RFC 3464 delivery status notifications first, then the
// non-standard texts that qmail, old Sendmail/Postfix setups and some hosted systems send.

/// Decides whether a mail is a bounce and extracts what it says (see `BounceReport`).
struct BounceDetector: Sendable {
    /// Content types of the machine-readable status part: RFC 3464 §2 and its
    /// internationalised twin, RFC 6533 §6.
    static let statusPartTypes: Set<String> = ["message/delivery-status", "message/global-delivery-status"]

    /// Content types that carry the returned message or its headers (RFC 3462/6522 §3,
    /// RFC 6533 §6): where the bounced Message-ID is found.
    static let returnedPartTypes: Set<String> = [
        "text/rfc822-headers", "message/rfc822", "message/rfc822-headers",
        "message/global", "message/global-headers",
    ]

    /// Local parts of the senders that only ever send delivery reports (RFC 5321 §4.5.1 for
    /// postmaster; MAILER-DAEMON is the traditional name of the sender of bounces).
    static let daemonLocalParts: Set<String> = ["mailer-daemon", "mailer_daemon", "maildaemon", "mail-daemon", "postmaster"]

    /// Subject phrases of bounces and delay warnings (lower-case), by origin:
    /// Postfix, Exim, Gmail/Exchange, Exchange (en/de/fr/es/it/nl), qmail, Sendmail, Lotus, others.
    static let subjectPhrases: [String] = [
        "undelivered mail returned to sender", "delayed mail (still being retried)",
        "mail delivery failed", "warning: message ", "delivery status notification",
        "undeliverable", "undelivered mail", "unzustellbar", "non remis", "no se puede entregar",
        "non recapitabile", "onbestelbaar", "delivery delayed", "failure notice",
        "returned mail", "warning: could not send message", "delivery failure",
        "delivery has failed", "mail delivery failure", "nondeliverable mail",
        "mail system error - returned mail", "delivery notification: delivery has failed",
    ]

    /// Subject phrases that announce a delay rather than a failure.
    static let delayPhrases: [String] = ["delay", "warning", "still being retried", "could not send message for past"]

    /// The phrase lists as bytes, for searching.
    private static let subjectPhraseBytes = ClassifierText.Phrases(subjectPhrases)
    private static let delayPhraseBytes = ClassifierText.Phrases(delayPhrases)
    private static let copyMarkerBytes = ClassifierText.Phrases(copyMarkers)
    private static let recipientAnchorBytes = ClassifierText.Phrases(recipientAnchors)

    /// Phrases after which bounce texts name the failed recipient, by origin: Exim, Exchange,
    /// Gmail, Sendmail/Postfix, Lotus/Domino and generic wording.
    static let recipientAnchors: [String] = [
        "following address(es) failed:", "your message to ", "wasn't delivered to ", "was not delivered to ",
        "could not be delivered to ", "couldn't be delivered to ", "delivery to the following recipient",
        "delivery has failed to these recipients or groups:", "the following recipient", "failed recipient",
        "unable to deliver to ", "could not deliver mail to ", "undeliverable to ",
    ]

    /// Lines after which a bounce text returns a copy of the original message; anything after
    /// them is the original, not the report (qmail, Exim, Postfix, Exchange wording).
    static let copyMarkers: [String] = [
        "below this line is a copy of the message", "this is a copy of the message",
        "original message headers", "----- original message -----", "------- returned message",
        "the original message was received", "----- transcript of session follows -----",
    ]

    func detect(_ mail: ParsedMail) -> BounceReport? {
        if let statusPart = mail.parts.first(where: { Self.statusPartTypes.contains($0.contentType) }) {
            var report = reportFromStatusPart(statusPart.text ?? "")
            if report.recipient == nil || report.status == nil {
                // Some MTAs (and truncated forwards) leave fields out; the human-readable part
                // usually repeats them.
                let fromText = reportFromText(mail)
                report.recipient = report.recipient ?? fromText.recipient
                if report.status == nil, let status = fromText.status {
                    report.status = status
                    report.isPermanent = report.isPermanent || status.hasPrefix("5")
                }
                report.diagnostic = report.diagnostic ?? fromText.diagnostic
                if report.action == nil && report.status == nil {
                    // Nothing machine-readable at all: judge permanence from the text, as for
                    // non-standard bounces.
                    report.isPermanent = fromText.isPermanent
                }
            }
            report.originalMessageID = originalMessageID(mail)
            return report
        }
        guard isReport(mail) || looksLikeNonStandardBounce(mail) else { return nil }
        var report = reportFromText(mail)
        report.originalMessageID = originalMessageID(mail)
        return report
    }

    // MARK: Standard DSN

    /// RFC 6522 §3: `multipart/report; report-type=delivery-status` announces a DSN even when
    /// the status part itself is missing or mangled.
    private func isReport(_ mail: ParsedMail) -> Bool {
        guard mail.contentType == "multipart/report", let type = mail.parameters["report-type"] else { return false }
        let lowered = type.lowercased()
        return lowered == "delivery-status" || lowered == "global-delivery-status"
    }

    /// Builds the report from the per-recipient groups (RFC 3464 §2.3). With several
    /// recipients, the first failed one wins, then the first delayed one, then the first.
    private func reportFromStatusPart(_ text: String) -> BounceReport {
        let fields = DeliveryStatusFields(parsing: text)
        let groups = fields.recipients
        let chosen = groups.first { action(of: $0) == "failed" }
            ?? groups.first { action(of: $0) == "delayed" }
            ?? groups.first
        guard let group = chosen else { return BounceReport(isPermanent: false) }

        let recipient = (group.value("original-recipient") ?? group.value("final-recipient")).flatMap(Self.recipientAddress)
        let diagnostic = group.value("diagnostic-code").map(Self.diagnosticText)
        // §2.3.4: Status is required, but when it is missing the Diagnostic-Code often
        // carries the enhanced code (`550 5.1.1 …`).
        var status = group.value("status").flatMap { ClassifierText.statusCode(in: Array($0.utf8))?.code }
        if status == nil, let diagnostic {
            status = ClassifierText.statusCode(in: Array(diagnostic.utf8))?.code
        }
        let actionWord = action(of: group)
        var report = BounceReport(
            recipient: recipient,
            status: status,
            action: actionWord,
            isPermanent: actionWord == "failed" || (status?.hasPrefix("5") ?? false),
            diagnostic: diagnostic)
        // Every recipient the report says failed, in its order (a list or alias that
        // expanded to several addresses reports each).
        var failed: [String] = []
        for g in groups {
            let code = g.value("status").flatMap { ClassifierText.statusCode(in: Array($0.utf8))?.code }
            guard action(of: g) == "failed" || (action(of: g) == nil && code?.hasPrefix("5") == true),
                  let address = (g.value("original-recipient") ?? g.value("final-recipient")).flatMap(Self.recipientAddress),
                  !failed.contains(address) else { continue }
            failed.append(address)
        }
        report.failedRecipients = failed
        return report
    }

    /// §2.3.3: the action keyword, lower-cased, without comments.
    private func action(of group: DeliveryStatusGroup) -> String? {
        guard let value = group.value("action") else { return nil }
        let word = value.lowercased().prefix { $0.isLetter }
        return word.isEmpty ? nil : String(word)
    }

    /// §2.3.1–2.3.2: `address-type ; generic-address`, e.g. `rfc822; User@Example.org`.
    /// The type is dropped; for non-Internet types the raw address is kept, lower-cased.
    static func recipientAddress(_ value: String) -> String? {
        let generic = value.firstIndex(of: ";").map { value[value.index(after: $0)...] } ?? value[...]
        if let address = MailAddressText.address(in: String(generic)) { return address }
        let raw = ClassifierText.trimmed(generic).lowercased()
        return raw.isEmpty ? nil : raw
    }

    /// §2.3.6: `diagnostic-type ; *text` — the type (`smtp`, `X-Postfix`) is dropped, and the
    /// reply-code repeats of a multi-line SMTP reply are removed.
    static func diagnosticText(_ value: String) -> String {
        if let semicolon = value.firstIndex(of: ";") {
            let type = value[..<semicolon]
            if !type.isEmpty, type.count <= 32, !type.contains(where: { $0 == " " || $0 == "\t" }) {
                return droppingReplyRepeats(ClassifierText.trimmed(value[value.index(after: semicolon)...]))
            }
        }
        return droppingReplyRepeats(ClassifierText.trimmed(value))
    }

    /// RFC 5321 §4.2.1: every line of a multi-line reply starts with the reply code (`550-` on
    /// all but the last), and RFC 2034 §4 repeats the enhanced code too. Unfolded into one
    /// line they sit mid-sentence ("…Please try 550-5.1.1 double-checking…"); this keeps the
    /// first `550 5.1.1` and drops the repeats.
    static func droppingReplyRepeats(_ text: String) -> String {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first, first.utf8.count >= 3 else { return text }
        let code = first.prefix(3)
        guard code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return text }
        func isStatus(_ word: Substring) -> Bool {
            ClassifierText.statusCode(in: Array(word.utf8))?.code == String(word)
        }
        var kept: [Substring] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            let rest = word.dropFirst(3)
            guard word.hasPrefix(code), rest.isEmpty || rest.first == "-" else { kept.append(word); continue }
            let glued = rest.dropFirst()  // "5.1.1" of "550-5.1.1", or empty
            if kept.isEmpty {
                kept.append(code)
                if !glued.isEmpty { kept.append(glued) }
            }
            // A repeat of the code, possibly followed by its enhanced status as the next word.
            if glued.isEmpty, index < words.count, isStatus(words[index]) {
                if kept.count == 1 { kept.append(words[index]) }
                index += 1
            }
        }
        return kept.joined(separator: " ")
    }

    // MARK: Non-standard bounces

    /// A bounce without a report structure: sent by a daemon address, or with a bounce subject
    /// and the null reverse path (RFC 5321 §4.5.5: notifications go out with `MAIL FROM:<>`,
    /// which delivery records as `Return-Path: <>`). The null path alone is not enough,
    /// because RFC 3834 §3.3 asks auto-responders to use it too.
    private func looksLikeNonStandardBounce(_ mail: ParsedMail) -> Bool {
        let subject = mail.header("Subject") ?? ""
        let hasBounceSubject = ClassifierText.containsAny(subject, Self.subjectPhraseBytes)
        let nullSender = mail.headers(named: "Return-Path").contains { value in
            let path = ClassifierText.trimmed(value).lowercased()
            return path == "<>" || path.isEmpty || path == "<mailer-daemon>"
        }
        if let from = mail.header("From").flatMap(MailAddressText.address(in:)),
           let local = MailAddressText.split(from)?.local {
            let local = local.lowercased()
            if Self.daemonLocalParts.contains(local) {
                // postmaster@ is also read by people, so it needs a second sign; MAILER-DAEMON is not.
                return local != "postmaster" || hasBounceSubject || nullSender
            }
        } else if let from = mail.header("From"), ClassifierText.contains(from, "mailer-daemon") {
            return true  // `From: MAILER-DAEMON` without a domain, as qmail and old Sendmail write it
        }
        return hasBounceSubject && nullSender
    }

    /// Reads recipient and status from the human-readable text, for bounces without a
    /// usable delivery-status part.
    private func reportFromText(_ mail: ParsedMail) -> BounceReport {
        let text = mail.text ?? mail.parts.first { $0.contentType.hasPrefix("text/") && $0.text != nil }?.text ?? mail.html ?? ""
        let bytes = Array(text.utf8)
        let lowered = bytes.map(ClassifierText.lowerASCII)
        // The report part ends where the returned copy of the original message begins.
        let reportEnd = Self.copyMarkerBytes.bytes.compactMap { ClassifierText.find($0, in: lowered) }.min() ?? bytes.count

        // Exim names failed recipients in a header of its own.
        var recipient = mail.header("X-Failed-Recipients").flatMap { MailAddressText.addresses(inList: $0).first }
        if recipient == nil { recipient = angleLineRecipient(bytes, end: reportEnd) }
        if recipient == nil { recipient = anchoredRecipient(bytes, lowered, end: reportEnd) }

        let found = ClassifierText.statusCode(in: bytes, to: reportEnd)
        let status = found?.code
        let diagnostic = found.map { lineAround($0.at, in: bytes) }

        let subject = mail.header("Subject") ?? ""
        let delayed = ClassifierText.containsAny(subject, Self.delayPhraseBytes)
        let permanent: Bool
        if let status { permanent = status.hasPrefix("5") } else { permanent = !delayed }
        return BounceReport(recipient: recipient, status: status, action: nil, isPermanent: permanent, diagnostic: diagnostic)
    }

    /// qmail and Postfix (non-DSN) start each recipient's paragraph with `<user@host>:`.
    private func angleLineRecipient(_ bytes: [UInt8], end: Int) -> String? {
        var lineStart = 0
        while lineStart < end {
            var i = lineStart
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            var lineEnd = i
            while lineEnd < end, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if i < lineEnd, bytes[i] == 0x3C {
                var close = i + 1
                while close < lineEnd, bytes[close] != 0x3E { close += 1 }
                if close + 1 < lineEnd, bytes[close + 1] == 0x3A,
                   let address = MailAddressText.address(in: ClassifierText.string(bytes, (i + 1)..<close)) {
                    return address
                }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// The first address within a short distance after one of `recipientAnchors`
    /// (the earliest anchor in the text wins).
    private func anchoredRecipient(_ bytes: [UInt8], _ lowered: [UInt8], end: Int) -> String? {
        let positions = Self.recipientAnchorBytes.bytes.compactMap { anchor -> Int? in
            ClassifierText.find(anchor, in: lowered, to: end).map { $0 + anchor.count }
        }
        for start in positions.sorted() {
            // 300 bytes covers "Delivery has failed to these recipients or groups:\n\n<name> (addr)".
            let windowEnd = min(end, start + 300)
            var i = start
            while i < windowEnd {
                if bytes[i] == 0x40, let address = MailAddressText.address(around: i, in: bytes, lowerBound: start) {
                    return address
                }
                i += 1
            }
        }
        return nil
    }

    /// The trimmed line containing `index`, capped so a line-less blob stays small.
    private func lineAround(_ index: Int, in bytes: [UInt8]) -> String {
        var start = index
        while start > 0, bytes[start - 1] != 0x0A, index - start < 500 { start -= 1 }
        var end = index
        while end < bytes.count, bytes[end] != 0x0A, end - index < 500 { end += 1 }
        return ClassifierText.string(bytes, start..<end)
    }

    // MARK: Original message

    /// The Message-ID of the bounced message: from the returned headers part if there is one,
    /// else from an inline copy in the text (qmail, Exim's plain bounces).
    private func originalMessageID(_ mail: ParsedMail) -> String? {
        for part in mail.parts where Self.returnedPartTypes.contains(part.contentType) {
            if let text = part.text, let id = Self.messageID(inHeaders: text, headerBlockOnly: true) { return id }
        }
        guard let text = mail.text else { return nil }
        return Self.messageID(inHeaders: text, headerBlockOnly: false)
    }

    /// The first `Message-ID:` field at the start of a line, unfolded, without `<>`.
    /// With `headerBlockOnly`, scanning stops at the first blank line (RFC 5322 §2.1: the
    /// header section ends there); otherwise the whole text is searched.
    static func messageID(inHeaders text: String, headerBlockOnly: Bool) -> String? {
        var collecting: String?
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if var value = collecting {
                if let first = line.first, first == " " || first == "\t" {
                    value += String(line)
                    collecting = value
                    continue
                }
                return cleanedMessageID(value)
            }
            if headerBlockOnly, line.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
            let trimmedLine = line.drop { $0 == " " || $0 == "\t" }
            if trimmedLine.utf8.count >= 11, String(trimmedLine.prefix(11)).lowercased() == "message-id:" {
                collecting = String(trimmedLine.dropFirst(11))
            }
        }
        return collecting.flatMap(cleanedMessageID)
    }

    private static func cleanedMessageID(_ value: String) -> String? {
        var text = ClassifierText.trimmed(value)
        if let open = text.firstIndex(of: "<") {
            let rest = text[text.index(after: open)...]
            text = String(rest.prefix { $0 != ">" })
        }
        text = ClassifierText.trimmed(text)
        return text.isEmpty ? nil : text
    }
}
