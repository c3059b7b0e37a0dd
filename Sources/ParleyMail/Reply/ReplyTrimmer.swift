// The trimming pass: walk the classified lines top to bottom and decide, block by
// block, what the sender wrote. The rules, in the order mail is usually shaped:
//
// * A signature delimiter, or a rule line above a footer or a pasted message, ends
//   the new text. Mobile-client footers are dropped where they stand.
// * An attribution, forward marker or header block after new text ends it: what
//   follows is the older message, quoted or pasted. Before any new text (a reply
//   written below the quote, a forward without comment) only the marker goes.
// * An attribution followed by a quote and then more text is an inline or bottom
//   reply: the attribution line goes; the quote stays when it gives context to
//   answers between quotes, and goes with the attribution when the sender simply
//   wrote below the whole quote.
// * A quote with no new text after it (the usual top-posting tail) goes, unless the
//   body has no new text at all; a quote that opens with its own attribution or
//   header block is older mail and always goes.

/// Decides which lines of a classified body are the sender's new text.
struct ReplyTrimmer {
    private let doc: ReplyDocument
    private let kinds: [ReplyLineKind]
    /// `keep[i]` is false for every elided line.
    private(set) var keep: [Bool]
    /// Number of prose lines at or after each index (one extra entry for the end).
    private let textTail: [Int]
    /// Index of the first quoted line at or after each index (`count` when none).
    private let nextQuote: [Int]
    /// Index of the last prose line, or -1.
    private let lastText: Int

    /// A rule line followed by at most this many prose lines is a signature or footer.
    static let footerLines = 6

    init(_ doc: ReplyDocument) {
        self.doc = doc
        kinds = doc.kinds
        let n = kinds.count
        keep = Array(repeating: true, count: n)
        var tail = Array(repeating: 0, count: n + 1)
        var quote = Array(repeating: n, count: n + 1)
        var last = -1
        var i = n - 1
        while i >= 0 {
            let isText = kinds[i] == .text || kinds[i] == .fenced
            tail[i] = tail[i + 1] + (isText ? 1 : 0)
            quote[i] = kinds[i] == .quote ? i : quote[i + 1]
            if isText && last < 0 { last = i }
            i -= 1
        }
        textTail = tail
        nextQuote = quote
        lastText = last
    }

    /// Runs the pass; afterwards `keep` says which lines are new text.
    mutating func run() {
        decide()
        // Blank lines around the kept text belong with what was cut next to them, so
        // that the elided text reads as it was written.
        guard let first = keep.indices.first(where: { keep[$0] && kinds[$0] != .blank }),
              let last = keep.indices.last(where: { keep[$0] && kinds[$0] != .blank }) else {
            for i in kinds.indices where kinds[i] == .blank { keep[i] = false }
            return
        }
        for i in 0..<first { keep[i] = false }
        for i in (last + 1)..<kinds.count { keep[i] = false }
    }

    private mutating func decide() {
        let n = kinds.count
        var hasText = false
        var i = 0
        while i < n {
            switch kinds[i] {
            case .blank:
                i += 1
            case .text, .fenced:
                hasText = true
                i += 1
            case .mobileSignature, .attributionPart, .headerPart:
                keep[i] = false
                i += 1
            case .signatureDelimiter:
                return cut(from: i)
            case .delimiter:
                let next = nextNonBlank(i + 1)
                if next < n && introducesMail(kinds[next]) {
                    if hasText { return cut(from: i) }
                    keep[i] = false
                    i += 1
                } else if textTail[i + 1] <= Self.footerLines {
                    return cut(from: i)
                } else {
                    hasText = true  // a rule inside the text (a markdown `---`)
                    i += 1
                }
            case .forward, .header:
                if hasText { return cut(from: i) }
                let last = doc.spanEnd[i]
                elide(i, last)
                i = last + 1
            case .attribution:
                let last = doc.spanEnd[i]
                let next = nextNonBlank(last + 1)
                if next < n && kinds[next] == .quote {
                    let quoteEnd = quoteBlockEnd(next)
                    guard textAfter(quoteEnd + 1) else { return cut(from: i) }
                    let interleaved = nextQuote[quoteEnd + 1] < lastText
                    if hasText || interleaved {
                        // The blank lines under the attribution go with it, so that the
                        // text above and the quote below keep a single blank line.
                        elide(i, next - 1)
                        i = next
                    } else {
                        elide(i, quoteEnd)
                        i = quoteEnd + 1
                    }
                } else if hasText {
                    return cut(from: i)
                } else {
                    elide(i, last)
                    i = last + 1
                }
            case .quote:
                let quoteEnd = quoteBlockEnd(i)
                if let attributionEnd = quotedAttributionEnd(i, quoteEnd), textAfter(quoteEnd + 1),
                   nextQuote[quoteEnd + 1] < lastText {
                    // Apple Mail quotes its own attribution; with answers between the
                    // quotes below it, only that attribution goes and the quote stays as
                    // context, as it does under an unquoted "On … wrote:".
                    var p = attributionEnd + 1
                    while p < quoteEnd, doc.lines[p].contentIsBlank { p += 1 }
                    elide(i, p - 1)
                } else if isHistory(i, quoteEnd) || (hasText && !textAfter(quoteEnd + 1)) {
                    elide(i, quoteEnd)
                }
                i = quoteEnd + 1
            }
        }
    }

    private mutating func cut(from i: Int) {
        elide(i, kinds.count - 1)
    }

    private mutating func elide(_ from: Int, _ to: Int) {
        guard from <= to else { return }
        for k in from...to { keep[k] = false }
    }

    private func introducesMail(_ kind: ReplyLineKind) -> Bool {
        kind == .attribution || kind == .forward || kind == .header
    }

    private func nextNonBlank(_ from: Int) -> Int {
        var p = from
        while p < kinds.count && kinds[p] == .blank { p += 1 }
        return p
    }

    /// The last quoted line of the block starting at `i`; blank lines between quoted
    /// paragraphs belong to the block.
    private func quoteBlockEnd(_ i: Int) -> Int {
        var last = i
        var p = i
        while p < kinds.count {
            if kinds[p] == .quote {
                last = p
            } else if kinds[p] != .blank {
                break
            }
            p += 1
        }
        return last
    }

    /// Whether new prose follows at `from` (past blank lines and phone footers).
    private func textAfter(_ from: Int) -> Bool {
        var p = from
        while p < kinds.count {
            switch kinds[p] {
            case .blank, .mobileSignature:
                p += 1
            case .text, .fenced:
                return true
            case .delimiter:
                let next = nextNonBlank(p + 1)
                let introduces = next < kinds.count && introducesMail(kinds[next])
                return !introduces && textTail[p + 1] > Self.footerLines
            default:
                return false
            }
        }
        return false
    }

    /// The last line of the attribution a quote block opens with, or nil when it opens
    /// with anything else (prose, a header block, a forward marker).
    private func quotedAttributionEnd(_ from: Int, _ to: Int) -> Int? {
        var p = from
        while p <= to, doc.lines[p].contentIsBlank { p += 1 }
        guard p <= to, doc.spanKind[p] == .attribution else { return nil }
        return min(doc.spanEnd[p], to)
    }

    /// A quote that opens with its own attribution, forward marker or header block
    /// is a quoted conversation, not context for an answer.
    private func isHistory(_ from: Int, _ to: Int) -> Bool {
        var p = from
        while p <= to {
            if !doc.lines[p].contentIsBlank { return doc.startsSpan(p) }
            p += 1
        }
        return false
    }
}
