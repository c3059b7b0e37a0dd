import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Replies written by real mail clients (issue 18): mutt, neomutt, alpine and aerc from
/// Debian, driven in tmux as a person drives them (scripts/reply-with-client.sh), answer
/// a post notification and a comment notification Parley really sent: top-posted, inline,
/// below a signature where the client puts it (alpine: above the attribution), in UTF-8
/// and in the client's default charset. Every reply goes through `poll --once` against
/// Dovecot and must be published as exactly the words typed (plus, for an inline answer
/// to a comment, the comment's lines it answers, quoted).
///
/// With `PARLEY_CAPTURE_CLIENT_REPLIES=DIR` the replies and the notifications they answer
/// are written to DIR as fixtures for ParleyMailTests' OriginalReadingFixtureTests.
@Suite("Real mail clients")
struct RealClientTests {
    static let script = TestServers.repoRoot + "/scripts/reply-with-client.sh"

    /// The comment Ann writes, which the comment notification carries.
    static let comment = """
        I have been writing letters for thirty years, and I still think the slow answer is the better one.

        Do you keep copies of the letters you send? I never did, and I regret it.
        """

    struct Case: CustomStringConvertible {
        var kind: String       // post | comment
        var placement: String  // top | inline | signature
        var charset = "utf-8"  // utf-8 | default
        var typed: String
        var inlineAfter: String?
        var description: String { "\(placement) to a \(kind) notification\(charset == "default" ? " (the client's default charset)" : "")" }
    }

    static let cases: [Case] = [
        Case(kind: "post", placement: "top", typed: "Slow letters, yes — Grüße, Zoë. 你好!"),
        Case(kind: "post", placement: "inline", typed: "I read it twice; the second time slower.",
             inlineAfter: "published a new post"),
        Case(kind: "comment", placement: "top", typed: "Every one, in a shoebox under the bed.\n\nThank you, Ann — 谢谢!"),
        Case(kind: "comment", placement: "inline", typed: "Every one, in a shoebox.", inlineAfter: "Do you keep copies"),
        Case(kind: "comment", placement: "signature", typed: "Yes: I copy each one into a notebook first."),
        Case(kind: "comment", placement: "top", charset: "default", typed: "Grüße aus Köln, Zoë: ja, alle."),
    ]

    /// Runs the driver; nil when the client cannot run here (exit 3).
    static func reply(client: String, _ c: Case, notification: [UInt8], from: String, dir: String) throws -> [UInt8]? {
        let note = dir + "/notification.eml", text = dir + "/typed.txt", out = dir + "/reply.eml"
        try Data(notification).write(to: URL(fileURLWithPath: note))
        try c.typed.write(toFile: text, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: out)
        let p = Process()
        // A process started from a test's thread inherits its blocked signals, and the
        // driver's timeouts and tmux need theirs: unblocked before the script starts.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv('/bin/bash', ['bash'] + sys.argv[1:])",
                       script, client, c.placement, note, text, out, c.charset]
        var env = ProcessInfo.processInfo.environment
        env["FROM_ADDRESS"] = from
        if let after = c.inlineAfter { env["INLINE_AFTER"] = after }
        p.environment = env
        let errors = Pipe()
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus == 3 {
            print("skipping \(client): \(said)")
            return nil
        }
        try #require(p.terminationStatus == 0, "\(client) \(c): the driver failed: \(said)")
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// The lines quoted above an inline answer must be the comment's own, quoted.
    static func checkQuote(_ body: String, typed: String, client: String) {
        let parts = body.components(separatedBy: "\n\n")
        #expect(parts.last == typed, "\(client): the answer")
        let quote = parts.dropLast().joined(separator: "\n").split(separator: "\n")
        #expect(!quote.isEmpty, "\(client): the answered lines are quoted above the answer: \(body.debugDescription)")
        let commentWords = comment.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for line in quote {
            #expect(line.hasPrefix("> "), "\(client): \(line)")
            let words = line.dropFirst(2).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(commentWords.contains(words), "\(client): a quoted line not from the comment: \(line)")
        }
    }

    @Test("each client's replies are published as typed", arguments: ["mutt", "neomutt", "alpine", "aerc"])
    func client(_ client: String) throws {
        try #require(FileManager.default.fileExists(atPath: Self.script), "\(Self.script) is missing")
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz Strauss"), dawud = h.address("dawud", "Dawud Miracle"), ann = h.address("ann", "Ann Reader")
        try h.relay.addConversation(id: "la", title: "Liz & Dawud", partners: [liz, dawud])
        try h.relay.subscribe(ann, post: nil, conversation: "la")
        _ = try h.relay.addPost(id: "p1", title: "On letters", url: "https://liz.example.org/letters", author: liz, conversation: "la")
        _ = try h.relay.flushOutbox()
        let postNote = try #require(h.servers.sunk(to: dawud.address).first)
        let annNote = try #require(h.servers.sunk(to: ann.address).first)
        try h.deliver(MailClient.reply(to: annNote, from: "Ann Reader <\(ann.address)>", text: Self.comment))
        #expect(try h.poll().byStatus["published"] == 1)
        _ = try h.relay.flushOutbox()
        let commentNote = try #require(h.servers.sunk(to: dawud.address).first { $0.text.contains("Do you keep copies") })
        let annComment = try #require(try h.relay.commentViews(post: "p1", status: "published").first)
        #expect(annComment.body == Self.comment)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-client-\(client)-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let capture = ProcessInfo.processInfo.environment["PARLEY_CAPTURE_CLIENT_REPLIES"]
        var published = 1
        for c in Self.cases {
            let notification = c.kind == "post" ? postNote.raw : commentNote.raw
            guard let reply = try Self.reply(client: client, c, notification: notification, from: dawud.address, dir: dir) else { return }
            try h.deliver(reply)
            // `parley poll --once`, the binary, as an admin runs it.
            let poll = Process()
            poll.executableURL = URL(fileURLWithPath: TestServers.parleyBinary)
            poll.arguments = ["poll", "--once", "--config", h.configPath]
            let out = Pipe()
            poll.standardOutput = out
            poll.standardError = out
            try poll.run()
            let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            poll.waitUntilExit()
            #expect(poll.terminationStatus == 0 && said.contains("1 published"), "\(client) \(c): \(said)")
            published += 1
            let comments = try h.relay.commentViews(post: "p1", status: "published")
            try #require(comments.count == published)
            let body = try #require(comments.max { $0.id < $1.id }).body
            if c.kind == "comment" && c.placement == "inline" {
                Self.checkQuote(body, typed: c.typed, client: "\(client) \(c)")
            } else {
                #expect(body == c.typed, "\(client) \(c)")
            }
            let report = try h.relay.inspectMessage(reply)
            #expect(report.trimmedBy == "original", "\(client) \(c): \(report.originalNote ?? "")")
            #expect(report.trimmed == body)
            if let capture {
                let name = "\(client)-\(c.placement)-\(c.kind)\(c.charset == "default" ? "-default-charset" : "")"
                try Data(reply).write(to: URL(fileURLWithPath: "\(capture)/\(name).eml"))
                try Data(notification).write(to: URL(fileURLWithPath: "\(capture)/\(name).notification.eml"))
                try (c.kind == "post" ? "" : Self.comment).write(toFile: "\(capture)/\(name).answered.txt", atomically: true, encoding: .utf8)
                try body.write(toFile: "\(capture)/\(name).expected.txt", atomically: true, encoding: .utf8)
            }
        }
    }
}
