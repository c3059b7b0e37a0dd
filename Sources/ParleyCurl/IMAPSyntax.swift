import Foundation

/// Small pieces of RFC 3501 §9 grammar that Parley writes and reads.
enum IMAPSyntax {
    /// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`, escaping `\` and `"`.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s {
            if c == "\\" || c == "\"" { out.append("\\") }
            if c == "\r" || c == "\n" { continue }
            out.append(c)
        }
        return out + "\""
    }

    /// `sequence-set` from sorted UIDs, as ranges: `1:5,7,9:12`.
    static func sequenceSet(_ uids: [UInt32]) -> String {
        let sorted = uids.sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] &+ 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i]):\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// `sequence-set`s from UIDs, as ranges, each at most `maxLength` characters: a run
    /// of consecutive UIDs is one range however long, scattered ones split the set.
    static func sequenceSets(_ uids: [UInt32], maxLength: Int) -> [String] {
        let sorted = uids.sorted()
        var sets: [String] = []
        var current = ""
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] &+ 1 { j += 1 }
            let part = i == j ? "\(sorted[i])" : "\(sorted[i]):\(sorted[j])"
            if !current.isEmpty && current.utf8.count + 1 + part.utf8.count > maxLength {
                sets.append(current)
                current = ""
            }
            current += current.isEmpty ? part : "," + part
            i = j + 1
        }
        if !current.isEmpty { sets.append(current) }
        return sets
    }

    /// Parses a `sequence-set` of numbers and ranges (no `*`).
    /// The words of a FETCH response's text, parentheses dropped: `UID`, `5`, `BODY[]`, `{20}`…
    static func fetchWords(_ text: String) -> [Substring] {
        guard let open = text.firstIndex(of: "(") else { return [] }
        return text[text.index(after: open)...].split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" })
    }

    /// The word after `name` (compared without case) in `words`.
    static func value(after name: String, in words: [Substring]) -> Substring? {
        var i = 0
        while i + 1 < words.count {
            if words[i].count == name.utf8.count && words[i].uppercased() == name { return words[i + 1] }
            i += 1
        }
        return nil
    }

    static func sequenceSet(_ text: Substring) -> [UInt32] {
        var out: [UInt32] = []
        for piece in text.split(separator: ",") {
            let ends = piece.split(separator: ":")
            if ends.count == 2, let a = UInt32(ends[0]), let b = UInt32(ends[1]) {
                let (lo, hi) = (min(a, b), max(a, b))
                out.append(contentsOf: lo...hi)
            } else if let v = UInt32(piece) {
                out.append(v)
            }
        }
        return out
    }
}
