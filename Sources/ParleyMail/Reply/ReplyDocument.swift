#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The classification pass: cut the body into lines, read their quote markers, find
// fenced code, then the multi-line structures (wrapped attributions, header blocks)
// and finally give every top-level line one `ReplyLineKind`. The trimming decisions
// in `ReplyTrimmer` read only these results.
//
// Everything is bounded: matchers look only at lines of a few hundred bytes, an
// attribution is searched at most four lines back from its last line, a header
// block at most twenty lines forward, so the pass is linear in the body size.

/// A reply body cut into classified lines. Valid only while `bytes` is.
struct ReplyDocument {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var lines: [ReplyLine] = []
    private(set) var kinds: [ReplyLineKind] = []
    /// For the first line of an attribution, forward marker or header block (at any
    /// quote depth): the index of its last line; -1 elsewhere.
    private(set) var spanEnd: [Int] = []
    /// What the span starting at a line is: its first line's kind (`.attribution`,
    /// `.forward` or `.header`); `.text` where no span starts.
    private(set) var spanKind: [ReplyLineKind] = []

    private var fenced: [Bool] = []
    // Matchers reject text longer than 400 bytes, so text cut at these capacities
    // is rejected just the same.
    private var scratch = ReplyFoldBuffer(capacity: 512)
    private var scratch2 = ReplyFoldBuffer(capacity: 256)

    /// Longest line the keyword matchers look at; longer lines are always prose.
    static let maxMatchedLine = 400
    /// Lines classified one by one; a longer body's remainder is one opaque line.
    /// Real replies have a few hundred lines at most.
    static let maxLines = 100_000
    /// Whether the last line is the opaque remainder of a body over `maxLines`.
    private(set) var overflow = false

    /// How many non-blank lines at the head of a quote are searched for the
    /// attribution, forward marker or header block that makes it quoted history.
    static let quoteHeadLines = 4
    /// Bound on attribution evaluations, so that a body made of nothing but
    /// candidate lines (garbage, or an attack) still trims in linear time.
    static let attributionBudget = 20_000

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        split()
        findFences()
        findAttributions()
        findForwardsAndHeaders()
        assignKinds()
    }

    var count: Int { lines.count }

    /// Whether line `i` (at any quote depth) starts an attribution, forward marker or
    /// header block: a structure that introduces older mail.
    func startsSpan(_ i: Int) -> Bool { spanEnd[i] >= 0 }

    // MARK: - Lines

    private mutating func split() {
        let n = bytes.count
        lines.reserveCapacity(min(n / 48 + 1, 1 << 20))
        guard let base = bytes.baseAddress, n > 0 else {
            lines.append(makeLine(start: 0, end: 0))
            return
        }
        var start = 0
        while start < n {
            if lines.count == Self.maxLines - 1 {
                // The rest of an absurdly long body is one opaque line: it is kept or
                // cut with what precedes it, and memory and time stay bounded.
                var end = n
                if bytes[end - 1] == 0x0A { end -= 1 }
                if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                lines.append(makeLine(start: start, end: end))
                overflow = true
                return
            }
            // memchr is vectorised: finding line ends is most of the cost of a body.
            let hit = memchr(base + start, 0x0A, n - start)
            let lf = hit.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? n
            var end = lf
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            lines.append(makeLine(start: start, end: end))
            start = lf + 1
        }
    }

    private func makeLine(start: Int, end: Int) -> ReplyLine {
        var p = start
        var lead = 0
        while p < end, lead < 4, bytes[p] == 0x20 || bytes[p] == 0x09 {
            p += 1
            lead += 1
        }
        var depth = 0
        var contentStart = start
        if p < end && bytes[p] != 0x3E {
            // Supercite quotes carry the author's initials: "C>", "JD>".
            var q = p
            while q < end, q - p < 3, bytes[q] >= 0x41, bytes[q] <= 0x5A { q += 1 }
            if q > p, q < end, bytes[q] == 0x3E { p = q }
        }
        if p < end && bytes[p] == 0x3E {
            while p < end {
                if bytes[p] == 0x3E {
                    depth += 1
                    p += 1
                } else if bytes[p] == 0x20, p + 1 < end, bytes[p + 1] == 0x3E {
                    p += 1
                } else {
                    break
                }
            }
            contentStart = p
        }
        var s = contentStart
        var e = end
        while s < e {
            let w = spaceWidth(at: s, end: e)
            if w == 0 { break }
            s += w
        }
        while e > s {
            let b = bytes[e - 1]
            if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A || b == 0x0B || b == 0x0C { e -= 1; continue }
            if b == 0xA0, e - 2 >= s, bytes[e - 2] == 0xC2 { e -= 2; continue }
            if b == 0x8B || b == 0x80, e - 3 >= s, spaceWidth(at: e - 3, end: e) == 3 { e -= 3; continue }
            break
        }
        let blankContent = s == e
        return ReplyLine(start: start, end: end, contentStart: contentStart, depth: depth,
                         isBlank: depth == 0 && blankContent, contentIsBlank: blankContent,
                         trimmedStart: s, trimmedEnd: e)
    }

    /// Width of the whitespace character at `i` (ASCII blanks, NBSP, ZWSP, U+3000), or 0.
    /// LF only occurs inside the opaque remainder of an overlong body.
    @inline(__always)
    private func spaceWidth(at i: Int, end: Int) -> Int {
        let b = bytes[i]
        if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A || b == 0x0B || b == 0x0C { return 1 }
        if b == 0xC2, i + 1 < end, bytes[i + 1] == 0xA0 { return 2 }
        if b == 0xE2, i + 2 < end, bytes[i + 1] == 0x80, bytes[i + 2] == 0x8B { return 3 }
        if b == 0xE3, i + 2 < end, bytes[i + 1] == 0x80, bytes[i + 2] == 0x80 { return 3 }
        return 0
    }

    /// The content of line `i` (after its quote markers) without surrounding whitespace.
    @inline(__always)
    func trimmed(_ i: Int) -> (start: Int, end: Int) {
        (lines[i].trimmedStart, lines[i].trimmedEnd)
    }

    // MARK: - Fenced code

    /// Markdown code fences protect their content: "####" inside code is not a rule.
    private mutating func findFences() {
        fenced = Array(repeating: false, count: lines.count)
        var open = -1
        for i in lines.indices where lines[i].depth == 0 {
            let (s, e) = trimmed(i)
            guard e - s >= 3, bytes[s] == 0x60, bytes[s + 1] == 0x60, bytes[s + 2] == 0x60 else { continue }
            if open < 0 {
                open = i
            } else {
                for k in open...i { fenced[k] = true }
                open = -1
            }
        }
    }

    // MARK: - Attributions

    private mutating func findAttributions() {
        spanEnd = Array(repeating: -1, count: lines.count)
        spanKind = Array(repeating: .text, count: lines.count)
        var lastStart = -1
        var budget = Self.attributionBudget
        var quotedRun = 0
        for k in lines.indices {
            guard budget > 0 else { break }
            if fenced[k] || lines[k].contentIsBlank { continue }
            // Inside a quote only its first lines matter (does it open with an
            // attribution?), so long quoted tails are not searched.
            quotedRun = lines[k].depth > 0 ? quotedRun + 1 : 0
            if quotedRun > Self.quoteHeadLines { continue }
            let (s, e) = trimmed(k)
            guard e - s <= Self.maxMatchedLine else { continue }
            let candidate = attributionCandidate(start: s, end: e)
            if candidate == .none { continue }
            var found = -1
            var j = k
            var sawDigitOrAt = false
            while j >= 0 && k - j <= (candidate == .bareDate ? 0 : 3) {
                if j < k {
                    if fenced[j] || lines[j].contentIsBlank { break }
                    let (js, je) = trimmed(j)
                    if je - js > Self.maxMatchedLine { break }
                    // A wrapped address may push its closing "> wrote:" one level deeper.
                    let dj = lines[j].depth
                    let dn = lines[j + 1].depth
                    if dn != dj && !(j + 1 == k && dn == dj + 1 && e - s <= 24) { break }
                }
                // Every form needs a date or an address: skip folding until one is seen.
                if !sawDigitOrAt {
                    let (js, je) = trimmed(j)
                    sawDigitOrAt = containsDigitOrAt(start: js, end: je)
                    if !sawDigitOrAt {
                        j -= 1
                        continue
                    }
                }
                budget -= 1
                buildSpanText(from: j, to: k)
                if scratch.withBytes({ AttributionMatcher.matches($0) }) {
                    found = j
                    break
                }
                j -= 1
            }
            guard found >= 0 else { continue }
            let start = extendAttribution(start: found)
            if lastStart >= 0, start <= spanEnd[lastStart] {
                // Overlaps the previous span (a date line matched alone, then with its
                // wrapped address): one attribution.
                let merged = min(start, lastStart)
                let end = max(k, spanEnd[lastStart])
                spanEnd[lastStart] = -1
                spanKind[lastStart] = .text
                spanEnd[merged] = end
                spanKind[merged] = .attribution
                lastStart = merged
            } else {
                spanEnd[start] = k
                spanKind[start] = .attribution
                lastStart = start
            }
        }
    }

    /// How a line may end an attribution.
    private enum Candidate {
        /// It cannot.
        case none
        /// Ends in ':' (also '：'), a verb, or an address in brackets: may be the last
        /// line of an attribution wrapped over up to four lines.
        case ending
        /// Starts with a digit only: a bare date line, tried on its own.
        case bareDate
    }

    /// Only lines that can end an attribution are tried.
    private func attributionCandidate(start s: Int, end: Int) -> Candidate {
        var e = end
        while e > s, isDecoration(bytes[e - 1]) { e -= 1 }
        guard e > s else { return .none }
        let last = bytes[e - 1]
        if last == 0x3A { return .ending }
        if e - s >= 3, last == 0x9A, bytes[e - 2] == 0xBC, bytes[e - 3] == 0xEF { return .ending }
        if last == 0x3E, containsDigitOrAt(start: s, end: e) { return .ending }
        // Verbs are compared ASCII case-insensitively on the raw bytes: no copy.
        if AttributionMatcher.verbs.suffixLength(of: bytes, from: s, end: e) != nil { return .ending }
        return ReplyCaseFold.isDigit(bytes[s]) ? .bareDate : .none
    }

    private func containsDigitOrAt(start: Int, end: Int) -> Bool {
        var i = start
        while i < end {
            let b = bytes[i]
            if b == 0x40 || (b >= 0x30 && b <= 0x39) { return true }
            i += 1
        }
        return false
    }

    @inline(__always)
    private func isDecoration(_ b: UInt8) -> Bool {
        b == 0x2D || b == 0x2A || b == 0x5F || b == 0x3D || b == 0x20 || b == 0x09
    }

    /// Joins lines `j...k` (quote markers and framing dashes removed) into `scratch`,
    /// folded. Pieces are joined by a space, except after an opening '<' of an
    /// address that was wrapped.
    private mutating func buildSpanText(from j: Int, to k: Int) {
        scratch.removeAll()
        for idx in j...k {
            var (s, e) = trimmed(idx)
            if idx == j { while s < e, isDecoration(bytes[s]) || bytes[s] == 0x3E { s += 1 } }
            if idx > j { while s < e, bytes[s] == 0x3E || bytes[s] == 0x20 { s += 1 } }
            guard s < e else { continue }
            if let last = scratch.last, last != 0x3C { scratch.append(0x20) }
            scratch.appendFolded(bytes, from: s, to: e)
        }
        while let last = scratch.last, isDecoration(last) { scratch.removeLast() }
    }

    /// Extends a matched attribution upwards over the lines a client wrapped it from:
    /// a line ending in '<' (an address broken after its bracket), or an opening line
    /// such as "On Thu, 31 Mar 2016 at 11:16 Some One" when the match itself starts
    /// mid-sentence. At most three lines, one blank line skipped after a fragment.
    private mutating func extendAttribution(start: Int) -> Int {
        var s = start
        var steps = 0
        while steps < 3 {
            let (fs, fe) = trimmed(s)
            let fragment = fe - fs <= 2 || bytes[fs] == 0x3C
            var p = s - 1
            if fragment, p >= 0, lines[p].contentIsBlank, !fenced[p] { p -= 1 }
            guard p >= 0, !fenced[p], !lines[p].contentIsBlank, lines[p].depth == lines[s].depth else { break }
            let (ps, pe) = trimmed(p)
            guard pe - ps <= 200 else { break }
            if bytes[pe - 1] == 0x3C {
                s = p
            } else {
                fold(start: fs, end: fe, into: &scratch2)
                let opens = scratch2.withBytes {
                    AttributionMatcher.isOpeningLine($0) || AttributionMatcher.startsWithOpener($0)
                }
                if opens { break }  // the match already starts like an attribution
                fold(start: ps, end: pe, into: &scratch2)
                guard scratch2.withBytes({ AttributionMatcher.isOpeningLine($0) }) else { break }
                s = p
            }
            steps += 1
        }
        return s
    }

    private func fold(start: Int, end: Int, into out: inout ReplyFoldBuffer) {
        out.removeAll()
        var s = start
        while s < end, isDecoration(bytes[s]) || bytes[s] == 0x3E { s += 1 }
        out.appendFolded(bytes, from: s, to: end)
    }

    // MARK: - Forward markers and header blocks

    private mutating func findForwardsAndHeaders() {
        let n = lines.count
        var i = 0
        var quotedRun = 0
        while i < n {
            if spanEnd[i] >= 0 {
                quotedRun = lines[i].depth > 0 ? quotedRun + 1 : 0
                i = spanEnd[i] + 1  // inside an attribution
                continue
            }
            if fenced[i] || lines[i].contentIsBlank {
                i += 1
                continue
            }
            quotedRun = lines[i].depth > 0 ? quotedRun + 1 : 0
            if quotedRun > Self.quoteHeadLines {
                i += 1
                continue
            }
            let (s, e) = trimmed(i)
            if ForwardMarkerMatcher.matches(bytes, start: s, end: e, scratch: &scratch) {
                spanEnd[i] = i
                spanKind[i] = .forward
                i += 1
                continue
            }
            if let last = headerBlockEnd(from: i) {
                spanEnd[i] = last
                spanKind[i] = .header
                i = last + 1
                continue
            }
            i += 1
        }
    }

    /// The role of line `i` as a `Label: value` header field, or nil. Outlook writes
    /// labels in bold (`*From:*`), French typography puts a space before the colon,
    /// and CJK clients use the full-width colon.
    private mutating func headerRole(_ i: Int) -> HeaderFieldMatcher.Role? {
        var (s, e) = trimmed(i)
        while s < e, bytes[s] == 0x2A { s += 1 }
        // Clients write labels capitalised; a lower-case start is wrapped prose.
        guard s < e, bytes[s] < 0x61 || bytes[s] > 0x7A else { return nil }
        let limit = min(e, s + 48)
        var c = s
        var colonWidth = 0
        var spaces = 0
        while c < limit {
            if bytes[c] == 0x3A { colonWidth = 1; break }
            if bytes[c] == 0x20 {
                // No label has more than two spaces ("Beantwoorden - Aan"): prose stops here.
                spaces += 1
                if spaces > 2 { return nil }
            }
            if bytes[c] == 0xEF, c + 2 < e, bytes[c + 1] == 0xBC, bytes[c + 2] == 0x9A { colonWidth = 3; break }
            c += 1
        }
        guard colonWidth > 0, c > s else { return nil }
        var ke = c
        while ke > s, bytes[ke - 1] == 0x20 || bytes[ke - 1] == 0x2A || bytes[ke - 1] == 0x09 { ke -= 1 }
        guard ke > s else { return nil }
        scratch.removeAll()
        scratch.appendFolded(bytes, from: s, to: ke)
        return scratch.withBytes { HeaderFieldMatcher.role(ofFoldedLabel: $0) }
    }

    /// The last line of a header block starting at `first`, or nil when the fields
    /// there do not form one: a sender plus another field, or three distinct fields.
    /// Values wrapped onto up to two lines are part of the block.
    private mutating func headerBlockEnd(from first: Int) -> Int? {
        guard let role = headerRole(first) else { return nil }
        var roles: UInt = 1 << UInt(role.rawValue)
        var last = first
        var loose = 0
        var p = first + 1
        let depth = lines[first].depth
        while p < lines.count, p - first < 20 {
            if fenced[p] || lines[p].contentIsBlank || lines[p].depth != depth { break }
            if let r = headerRole(p) {
                roles |= 1 << UInt(r.rawValue)
                last = p
                loose = 0
            } else {
                loose += 1
                if loose > 2 { break }
            }
            p += 1
        }
        let distinct = roles.nonzeroBitCount
        let hasFrom = roles & 1 != 0
        return (hasFrom && distinct >= 2) || distinct >= 3 ? last : nil
    }

    // MARK: - Kinds

    private mutating func assignKinds() {
        let n = lines.count
        kinds = Array(repeating: .text, count: n)
        var i = 0
        while i < n {
            let line = lines[i]
            if overflow && i == n - 1 {
                kinds[i] = line.isBlank ? .blank : line.depth > 0 ? .quote : .text
            } else if fenced[i] {
                kinds[i] = line.isBlank ? .blank : .fenced
            } else if line.isBlank {
                kinds[i] = .blank
            } else if line.depth > 0 {
                kinds[i] = .quote
            } else if spanEnd[i] >= 0 {
                let last = spanEnd[i]
                let head = spanKind[i]
                let part: ReplyLineKind = head == .header ? .headerPart : .attributionPart
                kinds[i] = head
                if last > i {
                    for k in (i + 1)...last { kinds[k] = part }
                }
                i = last + 1
                continue
            } else {
                let (s, e) = trimmed(i)
                if SignatureMatcher.isSignatureDelimiter(bytes, start: line.start, end: line.end) {
                    kinds[i] = .signatureDelimiter
                } else if SignatureMatcher.isMobileSignature(bytes, start: s, end: e, raw: &scratch, folded: &scratch2) {
                    kinds[i] = .mobileSignature
                } else if SignatureMatcher.isDelimiter(bytes, start: s, end: e) {
                    kinds[i] = .delimiter
                }
            }
            i += 1
        }
    }
}
