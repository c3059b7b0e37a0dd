// "-----Original Message-----", "---------- Forwarded message ---------" and
// "Begin forwarded message:" introduce a pasted message. The phrase must stand alone
// on its line, framed by dashes or followed by a colon, so that prose mentioning
// "the original message" is never taken for a marker.

/// Recognises the separator lines clients put above a forwarded or original message.
enum ForwardMarkerMatcher {
    /// Folded marker phrases, without their dashes or colon.
    static let phrases = ReplyKeywordList([
        "original message", "forwarded message", "reply message", "begin forwarded message",
        "ursprüngliche nachricht", "weitergeleitete nachricht", "originalnachricht",
        "anfang der weitergeleiteten nachricht",
        "message d'origine", "message original", "message transféré", "début du message transféré",
        "début du message réexpédié",
        "mensaje original", "mensaje reenviado", "comienzo del mensaje reenviado",
        "mensagem original", "mensagem encaminhada", "início da mensagem reencaminhada",
        "mensagem reencaminhada",
        "messaggio originale", "messaggio inoltrato", "inizio messaggio inoltrato",
        "oorspronkelijk bericht", "origineel bericht", "doorgestuurd bericht", "begin doorgestuurd bericht",
        "ursprungligt meddelande", "vidarebefordrat meddelande", "originalmeddelande",
        "opprinnelig melding", "videresendt melding", "oprindelig meddelelse", "videresendt meddelelse",
        "wiadomość oryginalna", "oryginalna wiadomość", "przekazana wiadomość", "wiadomość przekazana",
        "исходное сообщение", "пересылаемое сообщение", "пересланное сообщение", "оригинальное сообщение",
        "оригінальне повідомлення", "переслане повідомлення", "вихідне повідомлення",
        "původní zpráva", "přeposlaná zpráva", "pôvodná správa", "preposlaná správa",
        "orijinal mesaj", "iletilen mesaj", "alkuperäinen viesti", "välitetty viesti",
        "eredeti üzenet", "továbbított üzenet",
        "原始邮件", "转发邮件", "原始郵件", "轉寄郵件", "元のメッセージ", "転送メッセージ",
    ])

    /// Whether the trimmed line `bytes[start..<end]` is a marker; `scratch` is reused.
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
                        scratch: inout ReplyFoldBuffer) -> Bool {
        guard end - start >= 8, end - start <= 160 else { return false }
        var s = start
        var e = end
        var dashes = 0
        while s < e, isFrame(bytes[s]) {
            if bytes[s] == 0x2D { dashes += 1 }
            s += 1
        }
        while e > s, isFrame(bytes[e - 1]) {
            if bytes[e - 1] == 0x2D { dashes += 1 }
            e -= 1
        }
        var colon = false
        if e > s, bytes[e - 1] == 0x3A {
            colon = true
            e -= 1
            while e > s, bytes[e - 1] == 0x20 { e -= 1 }
        }
        guard dashes >= 2 || colon, e - s >= 4 else { return false }
        scratch.removeAll()
        scratch.appendFolded(bytes, from: s, to: e)
        return scratch.withBytes { phrases.index(of: $0, start: 0, end: $0.count) != nil }
    }

    @inline(__always)
    private static func isFrame(_ b: UInt8) -> Bool {
        b == 0x2D || b == 0x2A || b == 0x5F || b == 0x3D || b == 0x20 || b == 0x09
    }
}
