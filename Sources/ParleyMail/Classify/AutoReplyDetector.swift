// Recognising automatic responses: RFC 3834 first, then the vendor headers and the
// out-of-office subjects of systems that set neither.

/// Decides whether a mail was sent by a machine on someone's behalf; the result is the
/// reason, for logs.
///
/// Deliberately **not** signs on their own:
/// - `X-Auto-Response-Suppress` ([MS-OXCMAIL] §2.1.3.2.20) asks *receivers* not to auto-respond;
///   Outlook, Exchange and many newsletters put it on ordinary mail, so it says nothing about
///   the mail itself.
/// - `X-MS-Exchange-Inbox-Rules-Loop` marks any mail an Exchange inbox rule touched, including
///   a person's mail that a rule forwarded. Only together with `X-Auto-Response-Suppress: All`
///   or `X-MS-Exchange-Generated-Message-Source` (what Exchange stamps on rule and OOF replies)
///   is it taken as a sign; Exchange OOF replies normally also carry `Auto-Submitted:
///   auto-generated` and an "Automatic reply:" subject, which are caught first.
/// - `List-Id`/`List-Unsubscribe`: mailing-list traffic is not sent to Parley's reply
///   addresses, and a person replying from a list-managed account must not be dropped.
struct AutoReplyDetector: Sendable {
    /// `Precedence` values (a de-facto header, not standardised; RFC 3834 §2 mentions it) that
    /// mark mail no one should answer. `auto_reply` is cPanel/BoxTrapper's.
    static let precedenceValues: Set<String> = ["bulk", "junk", "list", "auto_reply", "auto-reply"]

    /// `X-Mailer` fragments (lower-case) of known autoresponder software.
    static let autoresponderMailers: [String] = ["autoresponder", "autoreply", "auto-reply", "vacation", "kana response"]

    /// Subject beginnings of out-of-office and vacation replies (compared after Unicode
    /// lower-casing). Sources: Outlook/Exchange OOF prefixes in their localised forms, Lotus
    /// Notes, Zimbra, Gmail, and common autoresponder defaults.
    static let subjectPrefixes: [String] = [
        // English (Exchange 2010+: "Automatic reply:", Exchange 2003/2007: "Out of Office AutoReply:")
        "out of office", "out of the office", "automatic reply", "auto reply", "auto-reply", "autoreply",
        "auto response", "auto-response", "autoresponse", "auto:", "vacation reply", "away from the office",
        // German
        "abwesenheitsnotiz", "automatische antwort", "abwesend", "automatische rückantwort",
        // French
        "réponse automatique", "reponse automatique", "absence du bureau", "absent du bureau",
        // Spanish, Portuguese, Italian
        "respuesta automática", "respuesta automatica", "fuera de la oficina", "resposta automática",
        "resposta automatica", "fora do escritório", "risposta automatica", "fuori sede", "fuori ufficio",
        // Dutch, Scandinavian, Finnish
        "automatisch antwoord", "afwezig", "autosvar", "automatisk svar", "automatiskt svar",
        "frånvaro", "automaattinen vastaus", "poissa",
        // Polish, Czech, Hungarian, Turkish, Greek, Russian, Ukrainian
        "poza biurem", "odpowiedź automatyczna", "automatyczna odpowiedź", "automatická odpověď",
        "mimo kancelář", "automatikus válasz", "házon kívül", "otomatik yanıt", "otomatik cevap",
        "αυτόματη απάντηση", "автоматический ответ", "автоответ", "нет на месте", "автоматична відповідь",
        // Japanese, Chinese, Korean
        "自動応答", "自動返信", "不在", "自动回复", "自動回覆", "自动答复", "자동 회신", "자동 응답", "부재중",
    ]

    /// Subject fragments found anywhere in autoresponses (Lotus Notes: "X is out of the office.").
    static let subjectFragments: [String] = ["is out of the office", "out of office autoreply", "abwesenheitsnotiz"]

    /// The lists in the forms they are searched in, built once.
    private static let mailerBytes = ClassifierText.Phrases(autoresponderMailers)
    private static let fragmentBytes = ClassifierText.Phrases(subjectFragments)
    /// Subject prefixes by their first Character (Character equality and hashing follow
    /// canonical equivalence, as `hasPrefix` does), so a subject is compared with the few
    /// prefixes that can match rather than all seventy.
    private static let prefixesByFirst: [Character: [String]] = Dictionary(grouping: subjectPrefixes) { $0.first! }
    /// The same, for all-ASCII subjects: prefixes by first byte, as bytes.
    private static let asciiPrefixesByFirst: [UInt8: [[UInt8]]] = Dictionary(
        grouping: subjectPrefixes.filter { $0.utf8.allSatisfy { $0 < 0x80 } }.map { Array($0.utf8) }) { $0[0] }

    func detect(_ mail: ParsedMail) -> String? {
        if let reason = headerReason(mail) { return reason }
        if isDispositionNotification(mail) {
            return "read receipt (multipart/report; report-type=disposition-notification)"
        }
        if let subject = mail.header("Subject"), isOutOfOfficeSubject(subject) {
            return "out-of-office subject"
        }
        return nil
    }

    private func headerReason(_ mail: ParsedMail) -> String? {
        // RFC 3834 §5: any Auto-Submitted value but "no" marks an automatic message
        // (auto-replied, auto-generated, auto-notified, and extensions such as Zimbra's comments).
        for value in mail.headers(named: "Auto-Submitted") {
            let keyword = Self.firstWord(value)
            if !keyword.isEmpty && keyword != "no" { return "Auto-Submitted: \(keyword)" }
        }
        // Gmail's vacation responder (`X-Autoreply: yes`), cPanel (`X-Autorespond`), DTC
        // (`X-AutoReply-From`, `X-Mail-Autoreply`), Amazon.
        for name in ["X-Autoreply", "X-Autorespond", "X-AutoReply-From", "X-Mail-Autoreply", "X-Amazon-Auto-Reply"] {
            if let value = mail.header(name), Self.firstWord(value) != "no" {
                let shown = ClassifierText.trimmed(value)
                return shown.isEmpty ? name : "\(name): \(shown)"
            }
        }
        for name in ["Precedence", "X-Precedence"] {
            for value in mail.headers(named: name) where Self.precedenceValues.contains(Self.firstWord(value)) {
                return "\(name): \(Self.firstWord(value))"
            }
        }
        // CommuniGate Pro marks generated mail with its kind; only `Reply` is an answer —
        // `Forward`, `Redirect` and `Mirror` carry a person's mail on.
        if let value = mail.header("X-Autogenerated"), Self.firstWord(value) == "reply" {
            return "X-Autogenerated: Reply"
        }
        // Mailtraq: `X-POST-MessageClass: 9; Autoresponder`.
        if let value = mail.header("X-POST-MessageClass"), ClassifierText.contains(value, "autoresponder") {
            return "X-POST-MessageClass: autoresponder"
        }
        // qmail's autoresponder delivers with `Delivered-To: Autoresponder`.
        if mail.headers(named: "Delivered-To").contains(where: { Self.firstWord($0) == "autoresponder" }) {
            return "Delivered-To: Autoresponder"
        }
        // FirstClass.
        if let value = mail.header("X-FC-MachineGenerated"), Self.firstWord(value) == "true" {
            return "X-FC-MachineGenerated: true"
        }
        if mail.header("X-MS-Exchange-Inbox-Rules-Loop") != nil {
            if mail.header("X-MS-Exchange-Generated-Message-Source") != nil {
                return "Exchange rule-generated (X-MS-Exchange-Generated-Message-Source)"
            }
            if let suppress = mail.header("X-Auto-Response-Suppress"), Self.firstWord(suppress) == "all" {
                return "Exchange rule-generated (X-Auto-Response-Suppress: All)"
            }
        }
        if let mailer = mail.header("X-Mailer") {
            // Byte search: String.contains(String) is Foundation's, through UTF-16, on Linux.
            if ClassifierText.containsAny(mailer, Self.mailerBytes) {
                return "X-Mailer: \(ClassifierText.trimmed(mailer))"
            }
        }
        return nil
    }

    /// RFC 8098 §3: read receipts are `multipart/report; report-type=disposition-notification`.
    private func isDispositionNotification(_ mail: ParsedMail) -> Bool {
        if mail.contentType == "multipart/report",
           mail.parameters["report-type"]?.lowercased() == "disposition-notification" {
            return true
        }
        return mail.parts.contains {
            $0.contentType == "message/disposition-notification" || $0.contentType == "message/global-disposition-notification"
        }
    }

    func isOutOfOfficeSubject(_ subject: String) -> Bool {
        // Only the first 200 characters matter; long subjects are not worth lower-casing whole.
        let lowered = ClassifierText.trimmed(subject.prefix(200)).lowercased()
        let bytes = Array(lowered.utf8)
        guard let firstByte = bytes.first else { return false }
        if bytes.allSatisfy({ $0 < 0x80 }) {
            // ASCII: one byte per Character (a CR LF pair aside, which no prefix holds), so
            // a byte comparison is `hasPrefix`.
            if let candidates = Self.asciiPrefixesByFirst[firstByte],
               candidates.contains(where: { bytes.starts(with: $0) }) { return true }
        } else if let candidates = Self.prefixesByFirst[lowered.first!],
                  candidates.contains(where: { lowered.hasPrefix($0) }) {
            return true
        }
        return Self.fragmentBytes.bytes.contains { ClassifierText.find($0, in: bytes) != nil }
    }

    /// The first word of a header value, lower-cased: letters, digits, `-` and `_`
    /// (stops at `;`, `(` comments and whitespace).
    static func firstWord(_ value: String) -> String {
        // ASCII fast path, when the value starts with no whitespace and the word ends at an
        // ASCII byte (so that no combining mark can extend its last Character).
        let utf8 = value.utf8
        if let first = utf8.first, first < 0x80, !ClassifierText.isASCIIWhitespace(first) {
            var word: [UInt8] = []
            var exact = true
            for b in utf8 {
                guard word.count < 200, ClassifierText.isLetter(b) || ClassifierText.isDigit(b) || b == 0x2D || b == 0x5F else {
                    exact = b < 0x80
                    break
                }
                word.append(ClassifierText.lowerASCII(b))
            }
            if exact { return String(decoding: word, as: UTF8.self) }
        }
        let trimmedValue = ClassifierText.trimmed(value.prefix(200))
        return String(trimmedValue.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }).lowercased()
    }
}
