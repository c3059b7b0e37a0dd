// Hostile and absurd mail through the whole reading path (parse → HTML to text → trim →
// classify), as the daemon runs it on whatever arrives: each must finish in bounded time
// and memory, never crash, and still give the reader what can be read. Inputs are built
// in memory. Bounds are generous (debug build, two shared cores); they catch quadratic
// behaviour and runaway copies, not small regressions.

import Foundation
import ParleyMail
import Testing

@Suite("Pathological input", .serialized)
struct PathologicalTests {
    /// What one run of the reading path gave, and what it cost.
    struct Outcome {
        var mail: ParsedMail
        var reply: ExtractedReply
        var classification: MailClassification
        var elapsed: Duration
        /// Growth of the process's peak resident size during the run, in bytes.
        var peakGrowth: Int
    }

    static let timeLimit = Duration.seconds(10)

    /// Runs `bytes` through the reading path the way the relay does, measuring it, and
    /// checks the time bound and `memoryLimit` (bytes of peak resident growth).
    static func read(_ bytes: [UInt8], memoryLimit: Int = 512 << 20) -> Outcome {
        let peakBefore = peakResidentBytes()
        let clock = ContinuousClock()
        let start = clock.now
        let mail = MailParser.parse(bytes)
        let body = mail.text ?? mail.html.map { HTMLText.convert($0).text } ?? ""
        let reply = ReplyExtractor.extract(body)
        let classification = MessageClassifier(ownAddresses: ["talk@example.org"]).classify(mail, trimmedText: reply.text)
        let elapsed = clock.now - start
        let growth = peakResidentBytes().map { after in peakBefore.map { after - $0 } ?? 0 } ?? 0
        #expect(elapsed < timeLimit, "took \(elapsed)")
        #expect(growth < memoryLimit, "peak resident size grew by \(growth >> 20) MB")
        return Outcome(mail: mail, reply: reply, classification: classification, elapsed: elapsed, peakGrowth: growth)
    }

    /// VmHWM from /proc/self/status: the peak resident size so far (nil where there is no /proc).
    static func peakResidentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kB * 1024
    }

    static func message(headers: String = "", body: [UInt8]) -> [UInt8] {
        let head = "From: Ana <ana@example.pt>\r\nTo: talk+abcdefghijklmnopqrstuvwx@example.org\r\n"
            + "Subject: Re: A post\r\nIn-Reply-To: <post-1@example.org>\r\nMIME-Version: 1.0\r\n" + headers + "\r\n"
        return Array(head.utf8) + body
    }

    /// Deterministic bytes (xorshift64), so that a failure can be reproduced.
    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in words.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[i] = state
            }
        }
        return out
    }

    // MARK: Structure

    @Test("1,000 nested multiparts: the first text is read, the nesting is cut off")
    func deepMultipartNesting() {
        let depth = 1000
        var body = ""
        for level in 0..<depth {
            body += "--b\(level)\r\nContent-Type: text/plain\r\n\r\nLevel \(level)\r\n"
            body += "--b\(level)\r\nContent-Type: multipart/mixed; boundary=\"b\(level + 1)\"\r\n\r\n"
        }
        body += "--b\(depth)\r\nContent-Type: text/plain\r\n\r\nInnermost\r\n--b\(depth)--\r\n"
        for level in stride(from: depth - 1, through: 0, by: -1) { body += "--b\(level)--\r\n" }
        let outcome = Self.read(Self.message(headers: "Content-Type: multipart/mixed; boundary=\"b0\"\r\n", body: Array(body.utf8)))
        #expect(outcome.mail.text == "Level 0")
        #expect(outcome.reply.text == "Level 0")
        #expect(outcome.mail.parts.count < depth)
        #expect(outcome.classification == .reply)
    }

    @Test("No header block at all: the input is read as a bare body",
          arguments: ["", "\n", "Just some words.\nNo headers here.\n", "Note: this line has a colon\nbut no header follows\n"])
    func noHeaderBlock(_ input: String) {
        let outcome = Self.read(Array(input.utf8))
        #expect(outcome.mail.headers.isEmpty)
        #expect(outcome.mail.text == input)
        #expect(outcome.classification == .other)
    }

    @Test("100,000 header fields")
    func manyHeaders() {
        var headers = ""
        headers.reserveCapacity(2_500_000)
        for i in 0..<100_000 { headers += "X-Filler-\(i): value \(i)\r\n" }
        let outcome = Self.read(Self.message(headers: headers, body: Array("Thanks!\r\n".utf8)))
        #expect(outcome.mail.headers.count == 100_005)
        #expect(outcome.mail.header("X-Filler-99999") == "value 99999")
        #expect(outcome.reply.text == "Thanks!")
        #expect(outcome.classification == .reply)
    }

    // MARK: Size

    @Test("A 50 MB text body")
    func hugeTextBody() {
        let line = Array("All work and no play makes Jack a dull boy. All work and no play makes Jack.\r\n".utf8)
        var body: [UInt8] = []
        body.reserveCapacity(50 << 20)
        while body.count + line.count <= 50 << 20 { body += line }
        let outcome = Self.read(Self.message(headers: "Content-Type: text/plain; charset=utf-8\r\n", body: body), memoryLimit: 1 << 30)
        #expect(outcome.mail.parts.first?.size == body.count)
        #expect(outcome.mail.header("Subject") == "Re: A post")
        #expect(outcome.classification == .reply)
    }

    @Test("A 50 MB base64 attachment beside a short reply")
    func hugeAttachment() {
        let payload = Data(Self.randomBytes(count: 50 << 20, seed: 50))
        let encoded = payload.base64EncodedData(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let body = Array("--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached file.\r\n--b\r\n".utf8)
            + Array("Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n".utf8)
            + Array("Content-Transfer-Encoding: base64\r\n\r\n".utf8) + [UInt8](encoded) + Array("\r\n--b--\r\n".utf8)
        let outcome = Self.read(Self.message(headers: "Content-Type: multipart/mixed; boundary=\"b\"\r\n", body: body), memoryLimit: 1 << 30)
        #expect(outcome.reply.text == "See the attached file.")
        #expect(outcome.mail.parts.last?.filename == "big.bin")
        #expect(outcome.mail.parts.last?.size == payload.count)
    }

    @Test("A 1 MB line, in the body and in a header")
    func megabyteLine() {
        let words = String(repeating: "word ", count: (1 << 20) / 5)
        let inBody = Self.read(Self.message(body: Array("\(words)\r\n".utf8)))
        // Compared by size: a failure must not print a megabyte.
        #expect(inBody.reply.text.hasPrefix("word word"))
        #expect(inBody.reply.text.trimmingCharacters(in: .whitespaces).utf8.count == words.utf8.count - 1)
        let inHeader = Self.read(Self.message(headers: "X-Long: \(words)\r\n", body: Array("Short.\r\n".utf8)))
        #expect(inHeader.mail.header("X-Long")?.utf8.count == words.utf8.count - 1)
        #expect(inHeader.reply.text == "Short.")
    }

    // MARK: Content

    @Test("200,000 quote-marker lines after a one-line answer")
    func manyQuoteLines() {
        var body = "My answer.\r\n\r\nOn Tue, 3 Mar 2026 at 10:00, Talk <talk@example.org> wrote:\r\n"
        body.reserveCapacity(2_000_000)
        // Short lines (1.4 MB in all), so that the body stays a readable text part.
        for i in 0..<200_000 { body += String(repeating: ">", count: i % 7 + 1) + " q\r\n" }
        let outcome = Self.read(Self.message(body: Array(body.utf8)))
        #expect(outcome.reply.text == "My answer.")
        #expect(outcome.classification == .reply)
    }

    @Test("Binary garbage, with and without a header block", arguments: [false, true])
    func binaryGarbage(withHeaders: Bool) {
        let garbage = Self.randomBytes(count: 3 << 20, seed: 0x9E37_79B9_7F4A_7C15)
        let outcome = Self.read(withHeaders ? Self.message(body: garbage) : garbage)
        #expect(outcome.mail.text != nil)
        #expect(outcome.classification == (withHeaders ? .reply : .other))
    }

    @Test("HTML-only mail nested 100,000 elements deep")
    func deepHTML() {
        let html = "<html><body><p>Top answer.</p>" + String(repeating: "<blockquote><div>", count: 100_000)
            + "deep" + String(repeating: "</div></blockquote>", count: 100_000) + "</body></html>"
        let outcome = Self.read(Self.message(headers: "Content-Type: text/html; charset=utf-8\r\n", body: Array(html.utf8)))
        #expect(outcome.reply.text.hasPrefix("Top answer."))
    }
}
