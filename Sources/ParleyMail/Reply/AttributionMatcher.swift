// Recognises the line a mail client writes above the quoted message, in many
// languages and layouts:
//
//   On Mon, Jan 1, 2024 at 10:00 AM John <j@x> wrote:        (verb at the end)
//   Am 01.01.2024 um 10:00 schrieb John <j@x>:                (verb inside, ends with ':')
//   2024年1月1日(月) 10:00 John <j@x>:                         (date and address only)
//   2016-03-03 17:21 GMT+01:00 John                           (old Gmail ISO form)
//
// A verb alone is not enough ("As John wrote:" is prose): the line must also carry
// an address, a time, or a date in a date-like opening. The caller joins wrapped
// lines and hands over folded (lower-cased) bytes, trimmed at both ends.

/// Decides whether folded text is a reply attribution.
enum AttributionMatcher {
    /// "wrote" in the languages whose clients we have seen; matched at the end of
    /// the attribution, or as a word inside it when the address follows the verb.
    static let verbs = ReplyKeywordList([
        "wrote", "writes", "wrote the following",
        "schrieb", "schrieben sie", "geschrieben",
        "a écrit", "a ecrit", "écrit",
        "escribió", "escribio", "ha escrito",
        "escreveu",
        "ha scritto", "scritto",
        "schreef", "geschreven",
        "skrev", "skrev følgende", "skrev följande",
        "napisał(a)", "napisał", "napisała", "pisze", "napisana",
        "napsal(a)", "napsal", "napsala", "napísal(a)", "napísal", "píše",
        "написал(а)", "написал", "написала", "пишет",
        "написав", "пише",
        "写道", "寫道", "書きました", "작성",
        "yazdı", "kirjoitti", "írta", "έγραψε", "a scris", "va escriure",
        "napisao", "napisala", "napisal", "menulis", "đã viết", "rašė", "rakstīja",
        "kirjutas", "skrifaði", "כתב", "كتب",
    ])

    /// First words that open a date-first attribution ("On …", "Le …", "Am …").
    static let openers = ReplyKeywordList([
        "on", "at", "le", "am", "el", "em", "op", "il", "den", "dnia", "dňa", "dne",
        "в", "在", "in", "w", "på", "pe", "la", "dana",
    ])

    /// Whether `t` (folded, trimmed, wrapped lines joined by spaces) is an attribution.
    static func matches(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count >= 6, t.count <= 400, hasDigitOrAt(t) else { return false }
        var end = t.count
        var colon = false
        if t[end - 1] == 0x3A {
            colon = true
            end -= 1
        } else if end >= 3, t[end - 3] == 0xEF, t[end - 2] == 0xBC, t[end - 1] == 0x9A {  // '：'
            colon = true
            end -= 3
        }
        while end > 0, t[end - 1] == 0x20 { end -= 1 }
        guard end >= 4 else { return false }

        let email = hasEmail(t)
        if endsWithVerb(t, end: end) {
            if email || hasTime(t) { return true }
            return colon && hasDate(t) && startsLikeDate(t)
        }
        // "Am 01.01.24 um 10:00 schrieb Hans:", "John wrote on Mon, 1 Jan 2024 10:00:".
        // A date or time is required: "Ask bob@x.org, who wrote the spec:" is prose.
        if colon, containsVerbWord(t, end: end) {
            let time = hasTime(t)
            let date = hasDate(t)
            if (time || date) && (email || (time && (date || startsWithOpener(t)))) { return true }
        }
        if colon || t[end - 1] == 0x3E, endsWithAddress(t, end: end), hasYear(t),
           ReplyCaseFold.isDigit(t[0]) || hasTime(t), t.count <= 250 {
            return true
        }
        // Old Gmail: "2016-03-03 17:21 GMT+01:00 Some One". The literal GMT offset
        // keeps log lines ("2024-01-01 10:00 UTC restarted") out.
        return startsWithNumericDate(t) && hasTime(t) && hasGMTOffset(t) && t.count <= 160
    }

    /// Whether the text ends with one of the verbs, as a whole word.
    static func endsWithVerb(_ t: UnsafeBufferPointer<UInt8>, end: Int) -> Bool {
        verbs.suffixLength(of: t, end: end) != nil
    }

    /// Whether a verb occurs as a word anywhere in `t[..<end]`.
    static func containsVerbWord(_ t: UnsafeBufferPointer<UInt8>, end: Int) -> Bool {
        verbs.containsWord(in: t, end: end)
    }

    /// A line that starts an attribution which continues on later lines: an opener
    /// word with a digit, or a leading date ("On Thu, 31 Mar 2016 at 11:16 Some One").
    static func isOpeningLine(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !t.isEmpty, t.count <= 200 else { return false }
        switch t[t.count - 1] {
        case 0x2E, 0x21, 0x3F: return false  // a finished sentence is prose
        default: break
        }
        if ReplyCaseFold.isDigit(t[0]) { return hasYear(t) || hasTime(t) }
        return startsWithOpener(t) && t.contains(where: ReplyCaseFold.isDigit)
    }

    static func startsWithOpener(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < t.count, t[i] != 0x20 { i += 1 }
        return i < t.count && openers.index(of: t, start: 0, end: i) != nil
    }

    /// Dates open with a digit, an opener word, or a weekday followed by a comma
    /// ("понедельник, 6 октября 2014 г.", "El jueves, 21 de noviembre").
    static func startsLikeDate(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        if ReplyCaseFold.isDigit(t[0]) || startsWithOpener(t) { return true }
        var i = 0
        while i < t.count, i <= 24, t[i] != 0x20, t[i] != 0x2C { i += 1 }
        if i < t.count, t[i] == 0x2C, i > 0 { return true }
        return i >= 2 && i < t.count && t[i - 1] == 0x2E && i + 1 < t.count && t[i + 1] == 0x2C
    }

    static func hasDigitOrAt(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in t where ReplyCaseFold.isDigit(b) || b == 0x40 { return true }
        return false
    }

    /// An address: an `@` with something before it and a dot later in the same word.
    static func hasEmail(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 1
        while i < t.count - 2 {
            if t[i] == 0x40, t[i - 1] != 0x20 {
                var j = i + 1
                while j < t.count, j - i < 80, t[j] != 0x20, t[j] != 0x3E {
                    if t[j] == 0x2E, j + 1 < t.count, t[j + 1] != 0x20 { return true }
                    j += 1
                }
            }
            i += 1
        }
        return false
    }

    /// A clock time such as `10:00`, `4:58` or `13.16`.
    static func hasTime(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 1
        while i + 2 < t.count {
            if t[i] == 0x3A || t[i] == 0x2E, ReplyCaseFold.isDigit(t[i - 1]),
               ReplyCaseFold.isDigit(t[i + 1]), ReplyCaseFold.isDigit(t[i + 2]),
               i + 3 == t.count || !ReplyCaseFold.isDigit(t[i + 3]) {
                return true
            }
            i += 1
        }
        return false
    }

    /// A four-digit year between 1970 and 2099 that is not part of a longer number.
    static func hasYear(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < t.count {
            guard ReplyCaseFold.isDigit(t[i]) else { i += 1; continue }
            var j = i
            while j < t.count, ReplyCaseFold.isDigit(t[j]) { j += 1 }
            if j - i == 4 {
                let y = (Int(t[i]) - 48) * 1000 + (Int(t[i + 1]) - 48) * 100 + (Int(t[i + 2]) - 48) * 10 + Int(t[i + 3]) - 48
                if y >= 1970 && y <= 2099 { return true }
            }
            i = j
        }
        return false
    }

    /// A year, or a numeric date such as `01.01.24` or `1/1/24`.
    static func hasDate(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        if hasYear(t) { return true }
        var i = 0
        while i < t.count {
            guard ReplyCaseFold.isDigit(t[i]), i == 0 || !ReplyCaseFold.isDigit(t[i - 1]) else { i += 1; continue }
            // d{1,2} sep d{1,2} sep d{2,4}, the same separator twice.
            var j = i
            var groups = 0
            var sep: UInt8 = 0
            while groups < 3 {
                let s = j
                while j < t.count, ReplyCaseFold.isDigit(t[j]), j - s < 4 { j += 1 }
                let len = j - s
                if len == 0 || (groups < 2 && len > 2) { break }
                groups += 1
                if groups == 3 { return len >= 2 && (j == t.count || !ReplyCaseFold.isDigit(t[j])) }
                guard j < t.count, t[j] == 0x2E || t[j] == 0x2F || t[j] == 0x2D, sep == 0 || t[j] == sep else { break }
                sep = t[j]
                j += 1
            }
            i += 1
        }
        return false
    }

    /// Ends with `<…@…>` (possibly nested, as Outlook writes `<a@b<mailto:a@b>>`).
    static func endsWithAddress(_ t: UnsafeBufferPointer<UInt8>, end: Int) -> Bool {
        guard end > 0, t[end - 1] == 0x3E else { return false }
        var i = end - 1
        var sawAt = false
        while i > 0, end - i < 160 {
            i -= 1
            if t[i] == 0x40 { sawAt = true }
            if t[i] == 0x3C { return sawAt }
        }
        return false
    }

    /// Starts with `yyyy-mm-dd` (or `/`, `.` separators).
    static func startsWithNumericDate(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count >= 8 else { return false }
        for k in 0..<4 where !ReplyCaseFold.isDigit(t[k]) { return false }
        let sep = t[4]
        guard sep == 0x2D || sep == 0x2F || sep == 0x2E else { return false }
        var i = 5
        var parts = 0
        while parts < 2 {
            let s = i
            while i < t.count, ReplyCaseFold.isDigit(t[i]), i - s < 2 { i += 1 }
            guard i > s else { return false }
            parts += 1
            if parts < 2 {
                guard i < t.count, t[i] == sep else { return false }
                i += 1
            }
        }
        return i == t.count || t[i] == 0x20
    }

    /// `gmt+hh:mm` or `gmt-hh:mm`.
    static func hasGMTOffset(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let at = ReplyCaseFold.find(zoneGMT, in: t, end: t.count), at + 6 < t.count else { return false }
        let sign = t[at + 3]
        return (sign == 0x2B || sign == 0x2D) && ReplyCaseFold.isDigit(t[at + 4]) && ReplyCaseFold.isDigit(t[at + 5])
    }

    private static let zoneGMT = ReplyCaseFold.fold("gmt")
}
