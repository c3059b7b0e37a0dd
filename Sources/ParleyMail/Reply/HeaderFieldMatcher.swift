// Outlook, Exchange, Apple Mail and many webmails paste the original message under a
// block of header fields instead of quoting it ("From: … / Sent: … / To: … /
// Subject: …"), with the field names translated into the sender's language. One such
// line can be prose ("A: yes"), so a block only counts when several distinct fields
// follow each other; the caller decides that, this type only names the fields.

/// Names the role of a translated header-field label.
enum HeaderFieldMatcher {
    /// What a field label stands for; a block needs several distinct roles.
    enum Role: Int {
        case from = 0, date, to, subject, cc, replyTo
    }

    /// Folded labels, and the role of each (same order). Labels shared by two
    /// languages appear once.
    static let (labels, roles): (ReplyKeywordList, [Role]) = {
        let from = ["from", "von", "de", "van", "från", "fra", "od", "от", "від", "发件人", "寄件者",
                    "差出人", "da", "expéditeur", "afzender", "lähettäjä", "feladó", "kimden",
                    "mittente", "remitente", "avsändare", "odesílatel", "absender", "nadawca"]
        let date = ["sent", "date", "gesendet", "datum", "envoyé", "enviado", "enviada", "enviada em",
                    "fecha", "data", "verzonden", "verstuurd", "skickat", "sendt", "wysłano", "wysłane",
                    "отправлено", "дата", "надіслано", "发送时间", "日期", "时间", "送信日時", "日付",
                    "寄件日期", "gönderilme", "gönderildi", "tarih", "lähetetty", "päivämäärä",
                    "odesláno", "inviato", "elküldve", "dátum", "sent at"]
        let to = ["to", "an", "à", "a", "para", "aan", "till", "til", "do", "кому", "收件人", "宛先",
                  "收件者", "destinataire", "alıcı", "kime", "komu", "vastaanottaja", "per",
                  "destinatario", "címzett", "adresat"]
        let subject = ["subject", "betreff", "objet", "asunto", "assunto", "oggetto", "onderwerp",
                       "ämne", "emne", "temat", "тема", "主题", "主旨", "件名", "konu", "aihe",
                       "předmět", "tárgy", "sujet"]
        let cc = ["cc", "bcc", "kopie", "kopia", "копия", "копія", "抄送", "副本", "dw", "kopio", "cco", "cci"]
        let replyTo = ["reply-to", "risposta", "répondre à", "antwort an", "beantwoorden - aan",
                       "responder a", "odpowiedź do"]
        var names: [String] = []
        var roles: [Role] = []
        for (group, role) in [(from, Role.from), (date, .date), (to, .to), (subject, .subject),
                              (cc, .cc), (replyTo, .replyTo)] {
            names += group
            roles += Array(repeating: role, count: group.count)
        }
        return (ReplyKeywordList(names), roles)
    }()

    /// The role of a folded label, or nil when it is not a header-field name.
    static func role(ofFoldedLabel label: UnsafeBufferPointer<UInt8>) -> Role? {
        labels.index(of: label, start: 0, end: label.count).map { roles[$0] }
    }
}
