#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Step 4 of a reply's life (SPEC): keep only the words the commenter wrote. The work
// is split in two passes over the body's UTF-8 bytes: `ReplyDocument` classifies
// every line once (quotes, attributions, header blocks, signatures), `ReplyTrimmer`
// decides what is new text. Both are linear in the body size and allocate a few
// arrays per body, never a `String` per line.

/// Extracts the new text of an email reply and what was cut around it.
public enum ReplyExtractor {
    /// Extracts the new text from a decoded plain-text reply body (LF or CRLF line endings).
    ///
    /// Drops quoted text after the new text, "On … wrote:" attributions (in many
    /// languages, also wrapped over several lines), Outlook/Exchange header blocks,
    /// forwarded and original-message blocks, `-- ` signatures, rule-line footers and
    /// mobile-client footers such as "Sent from my iPhone". Keeps inline answers with
    /// the quotes they answer. Output lines end with LF.
    public static func extract(_ body: String) -> ExtractedReply {
        var body = body
        return body.withUTF8 { bytes in
            let doc = ReplyDocument(bytes: bytes)
            var trimmer = ReplyTrimmer(doc)
            trimmer.run()
            let keep = trimmer.keep
            return ExtractedReply(text: join(doc, where: { keep[$0] }),
                                  elided: join(doc, where: { !keep[$0] }))
        }
    }

    /// The selected lines joined by LF, without leading and trailing blank lines.
    private static func join(_ doc: ReplyDocument, where selected: (Int) -> Bool) -> String {
        var first = -1
        var last = -1
        for i in 0..<doc.count where selected(i) && !doc.lines[i].isBlank {
            if first < 0 { first = i }
            last = i
        }
        guard first >= 0 else { return "" }
        var out: [UInt8] = []
        out.reserveCapacity(doc.lines[last].end - doc.lines[first].start + 1)
        var needsNewline = false
        var previousBlank = false
        var gap = false
        for i in first...last {
            guard selected(i) else {
                gap = true
                continue
            }
            let line = doc.lines[i]
            // A line cut from between two blank lines (a phone footer, an attribution)
            // leaves one blank line, not two.
            if line.isBlank && previousBlank && gap { continue }
            previousBlank = line.isBlank
            gap = false
            if needsNewline { out.append(0x0A) }
            let bytes = UnsafeBufferPointer(rebasing: doc.bytes[(i == first ? leadingStart(doc, line) : line.start)..<line.end])
            if doc.overflow && i == doc.count - 1 {
                appendWithoutCRLF(bytes, to: &out)
            } else {
                out.append(contentsOf: bytes)
            }
            needsNewline = true
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where the first kept line starts: one to three leading spaces are dropped (Yahoo
    /// writes one before a reply's first word), as Markdown ignores them; four or more,
    /// or a tab, indent code and stay.
    private static func leadingStart(_ doc: ReplyDocument, _ line: ReplyLine) -> Int {
        guard line.depth == 0 else { return line.start }
        var p = line.start
        while p < line.end, p - line.start < 4, doc.bytes[p] == 0x20 { p += 1 }
        return p - line.start < 4 && p < line.end && doc.bytes[p] != 0x09 ? p : line.start
    }

    /// The opaque remainder of an overlong body still holds its line breaks: copy it
    /// in runs, dropping the CR of each CRLF, so that it too has LF endings.
    private static func appendWithoutCRLF(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            guard let hit = memchr(base + start, 0x0D, bytes.count - start) else { break }
            let cr = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
            let crlf = cr + 1 < bytes.count && bytes[cr + 1] == 0x0A
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<(crlf ? cr : cr + 1)]))
            start = cr + 1
        }
        if start < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
    }
}
