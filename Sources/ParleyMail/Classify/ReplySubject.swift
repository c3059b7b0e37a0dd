// Reply prefixes of subjects in the languages mail clients are localised into.

/// Recognises subjects that mail clients produce when replying (RFC 5322 §3.6.5 suggests
/// "Re: "; localised clients write their own word).
enum ReplySubject {
    /// Lower-cased reply prefixes without the colon: English/Latin "re", German "aw", Nordic
    /// "sv"/"vs", Dutch "antw", Polish/Czech "odp", Italian "r"/"rif", Portuguese "res",
    /// Turkish "ynt", Latvian "atb", Lithuanian "ats", Hungarian "vá", Slovenian "odg",
    /// Greek "απ"/"σχετ", Russian "ответ", Hebrew "השב", Chinese "回复"/"答复"/"回覆",
    /// Japanese "返信", Korean "회신"/"답장".
    static let prefixes: Set<String> = [
        "re", "aw", "sv", "vs", "antw", "antwort", "odp", "r", "rif", "res", "ynt", "atb", "ats", "vá",
        "odg", "απ", "σχετ", "ответ", "השב", "回复", "答复", "回覆", "返信", "회신", "답장",
    ]

    /// Whether `subject` starts with a reply prefix such as `Re:`, `RE :`, `Re[2]:`, `AW:`,
    /// `Ответ:` or `回复：`. Bracketed list tags before the prefix (`[list] Re:`) are skipped.
    static func isReply(_ subject: String) -> Bool {
        var rest = Substring(ClassifierText.trimmed(subject.prefix(200)))
        if rest.first == "[", let close = rest.firstIndex(of: "]") {
            rest = rest[rest.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        }
        // The prefix ends at the first ASCII or full-width colon within a few characters.
        guard let colon = rest.prefix(12).firstIndex(where: { $0 == ":" || $0 == "：" }) else { return false }
        var word = rest[..<colon].lowercased()
        while word.last == " " { word.removeLast() }
        // Counters added by some clients: `Re[2]`, `Re(2)`, `Re^2`.
        if let open = word.firstIndex(where: { $0 == "[" || $0 == "(" || $0 == "^" }) {
            word = String(word[..<open])
        }
        return prefixes.contains(word)
    }
}
