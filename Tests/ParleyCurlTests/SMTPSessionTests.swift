import Foundation
import ParleyCore
@testable import ParleyCurl
import Testing

/// The mail transactions Parley writes itself on libcurl's connection (``SMTPSession``),
/// against an in-memory server that keeps SMTP's rules: fast checks of the command
/// order, pipelining (RFC 2920), dot-stuffing and every refusal. The same code runs
/// against aiosmtpd, Postfix and smtp-sink in the relay's tests.
@Suite("SMTP session")
struct SMTPSessionTests {
    /// An SMTP server in memory. Recipients whose local part starts with "reject" get
    /// 550, "defer" 451, "bye" 421 (and the connection ends); a message holding "TOO BIG"
    /// gets 552 after its data. Without `pipelining`, a write holding more than one
    /// command is a protocol violation it records.
    final class Server: SMTPWire {
        let pipelining: Bool
        var writes = 0
        var violations: [String] = []
        var commands: [String] = []
        var delivered: [(from: String, to: String, data: [UInt8])] = []
        private var pending: [UInt8] = []
        private var replies: [UInt8] = []
        private var inData = false
        private var from: String?
        private var to: String?
        private var closed = false

        init(pipelining: Bool) { self.pipelining = pipelining }

        func write(_ bytes: [UInt8]) throws(MailError) {
            if closed { throw MailError(.connection, "closed") }
            writes += 1
            pending += bytes
            var commandsInWrite = 0
            while true {
                if inData {
                    guard let end = find([13, 10, 46, 13, 10], in: pending, allowingStart: true) else { return }
                    var body = Array(pending[..<end.start])
                    pending.removeFirst(end.end)
                    inData = false
                    body = unstuff(body)
                    if String(decoding: body, as: UTF8.self).contains("TOO BIG") {
                        reply("552 5.3.4 Message size exceeds fixed limit")
                    } else {
                        delivered.append((from!, to!, body))
                        reply("250 2.0.0 Ok: queued")
                    }
                    from = nil
                    to = nil
                    continue
                }
                guard let lf = pending.firstIndex(of: 10) else { return }
                let line = String(decoding: pending[..<lf], as: UTF8.self).trimmingCharacters(in: .newlines)
                pending.removeFirst(lf + 1)
                commandsInWrite += 1
                if commandsInWrite > 1 && !pipelining { violations.append("pipelined without PIPELINING: \(line)") }
                commands.append(line)
                handle(line)
            }
        }

        private func handle(_ line: String) {
            let upper = line.uppercased()
            if upper.hasPrefix("MAIL FROM:<") {
                if from != nil { return reply("503 5.5.1 Error: nested MAIL command") }
                from = String(line.dropFirst(11).prefix { $0 != ">" })
                reply("250 2.1.0 Ok")
            } else if upper.hasPrefix("RCPT TO:<") {
                guard from != nil else { return reply("503 5.5.1 Error: need MAIL command") }
                let address = String(line.dropFirst(9).prefix { $0 != ">" })
                if address.hasPrefix("reject") { return reply("550-5.1.1 <\(address)>: Recipient address rejected:\r\n550 5.1.1 User unknown") }
                if address.hasPrefix("defer") { return reply("451 4.2.0 Try again later") }
                if address.hasPrefix("bye") {
                    reply("421 4.3.2 Service shutting down")
                    closed = true
                    return
                }
                to = address
                reply("250 2.1.5 Ok")
            } else if upper == "DATA" {
                guard from != nil else { return reply("503 5.5.1 Error: need MAIL command") }
                guard to != nil else { return reply("554 5.5.1 Error: no valid recipients") }
                inData = true
                reply("354 End data with <CR><LF>.<CR><LF>")
            } else if upper == "RSET" {
                from = nil
                to = nil
                reply("250 2.0.0 Ok")
            } else if upper == "QUIT" {
                reply("221 2.0.0 Bye")
                closed = true
            } else {
                reply("502 5.5.2 Error: command not recognized")
            }
        }

        private func reply(_ text: String) { replies += Array((text + "\r\n").utf8) }

        func receive(into buffer: inout [UInt8]) throws(MailError) {
            guard !replies.isEmpty else {
                // Nothing will come: a real client would wait for the timeout.
                throw MailError(.connection, closed ? "the server closed the connection" : "the client waits for a reply no command asked for")
            }
            // One line at a time, so replies split across reads are read whole.
            let lf = replies.firstIndex(of: 10)!
            buffer += replies[...lf]
            replies.removeFirst(lf + 1)
        }

        private func find(_ needle: [UInt8], in hay: [UInt8], allowingStart: Bool) -> (start: Int, end: Int)? {
            // ".\r\n" at the very start is an empty message.
            if allowingStart, hay.starts(with: [46, 13, 10]) { return (0, 3) }
            guard hay.count >= needle.count else { return nil }
            for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) {
                return (i + 2, i + needle.count)
            }
            return nil
        }

        private func unstuff(_ body: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            var lineStart = true
            var i = 0
            while i < body.count {
                if lineStart && body[i] == 46 { i += 1; lineStart = false; if i >= body.count { break } }
                out.append(body[i])
                lineStart = body[i] == 10
                i += 1
            }
            return out
        }
    }

    static func session(_ server: Server, utf8: Bool = false, size: Bool = false) -> SMTPSession {
        SMTPSession(wire: server, server: "smtp://test", capabilities: SMTPCapabilities(pipelining: server.pipelining, smtpUTF8: utf8, size: size))
    }

    static func message(_ n: Int) -> [UInt8] { Array("Subject: \(n)\r\n\r\nmessage \(n)\r\n".utf8) }

    static func envelope(_ to: String, _ data: [UInt8]) -> MailEnvelope { MailEnvelope(from: "parley@example.org", to: to, size: data.count) }

    @Test("with PIPELINING, each message after the first costs one write and one wait: its data and the next envelope go together")
    func pipelined() throws {
        let server = Server(pipelining: true)
        let session = Self.session(server)
        let recipients = (1...5).map { "r\($0)@example.org" }
        var gates = 0
        for (i, to) in recipients.enumerated() {
            let next = i + 1 < recipients.count ? Self.envelope(recipients[i + 1], Self.message(i + 1)) : nil
            let reply = try session.send(Self.envelope(to, Self.message(i)), data: Self.message(i), next: next, beforeData: { gates += 1; return true })
            #expect(reply.code == 250 && reply.words == "2.0.0 Ok: queued")
        }
        #expect(gates == 5)
        #expect(server.violations.isEmpty)
        #expect(server.writes == 6, "one envelope group, then one write per message (data + the next envelope): \(server.writes)")
        #expect(server.delivered.map(\.to) == recipients)
        #expect(server.delivered.map(\.data) == (0..<5).map(Self.message))
    }

    @Test("without PIPELINING, one command per write, each answered before the next")
    func notPipelined() throws {
        let server = Server(pipelining: false)
        let session = Self.session(server)
        for i in 0..<3 {
            let next = Self.envelope("r\(i + 1)@example.org", Self.message(i + 1))
            _ = try session.send(Self.envelope("r\(i)@example.org", Self.message(i)), data: Self.message(i), next: next, beforeData: { true })
        }
        #expect(server.violations.isEmpty, "\(server.violations)")
        #expect(server.writes == 12)
        #expect(server.delivered.count == 3)
    }

    @Test("dot-stuffing: a line starting with a dot arrives as written; the last line is ended", arguments: [
        "Subject: dots\r\n\r\n.\r\n..two\r\n.hidden\r\nend\r\n",
        ".starts with a dot\r\n\r\nno final line end",
        "Subject: x\r\n\r\n\r\n.\r\n",
    ])
    func dotStuffing(_ text: String) throws {
        for pipelining in [true, false] {
            let server = Server(pipelining: pipelining)
            let data = Array(text.utf8)
            _ = try Self.session(server).send(Self.envelope("r@example.org", data), data: data, next: nil, beforeData: { true })
            let expected = text.hasSuffix("\r\n") ? data : data + [13, 10]
            #expect(server.delivered.first?.data == expected)
        }
        #expect(SMTPSession.stuffed(Array("a\r\n.b\r\n".utf8)) == Array("a\r\n..b\r\n.\r\n".utf8))
    }

    @Test("a refused recipient: permanent with the server's whole reply; the next message (announced or not) starts with RSET and goes through", arguments: [true, false])
    func refusedRecipient(pipelining: Bool) throws {
        let server = Server(pipelining: pipelining)
        let session = Self.session(server)
        let refused = Self.envelope("reject-me@example.org", Self.message(1))
        var gates = 0
        _ = try session.send(Self.envelope("ok@example.org", Self.message(0)), data: Self.message(0), next: refused, beforeData: { true })
        let error = #expect(throws: MailError.self) {
            try session.send(refused, data: Self.message(1), next: nil, beforeData: { gates += 1; return true })
        }
        #expect(error?.kind == .permanent && error?.replyCode == 550)
        #expect(error?.detail == "550 5.1.1 <reject-me@example.org>: Recipient address rejected: 5.1.1 User unknown")
        #expect(gates == 0, "a refused envelope never reaches the data")
        #expect(session.isUsable)
        _ = try session.send(Self.envelope("after@example.org", Self.message(2)), data: Self.message(2), next: nil, beforeData: { true })
        #expect(server.delivered.map(\.to) == ["ok@example.org", "after@example.org"])
        #expect(server.commands.contains("RSET"))
        #expect(server.violations.isEmpty)
    }

    @Test("451 is temporary; 552 after the data is permanent and the announced next message still goes")
    func temporaryAndAfterData() throws {
        let server = Server(pipelining: true)
        let session = Self.session(server)
        let deferred = #expect(throws: MailError.self) {
            try session.send(Self.envelope("defer-me@example.org", Self.message(0)), data: Self.message(0), next: nil, beforeData: { true })
        }
        #expect(deferred?.kind == .temporary && deferred?.replyCode == 451)
        let big = Array("Subject: TOO BIG\r\n\r\nx\r\n".utf8)
        let next = Self.envelope("next@example.org", Self.message(1))
        let tooBig = #expect(throws: MailError.self) {
            try session.send(Self.envelope("big@example.org", big), data: big, next: next, beforeData: { true })
        }
        #expect(tooBig?.kind == .permanent && tooBig?.replyCode == 552)
        _ = try session.send(next, data: Self.message(1), next: nil, beforeData: { true })
        #expect(server.delivered.map(\.to) == ["next@example.org"])
    }

    @Test("421: temporary with its code, and the session is not used again")
    func serviceClosing() throws {
        let server = Server(pipelining: true)
        let session = Self.session(server)
        let error = #expect(throws: MailError.self) {
            try session.send(Self.envelope("bye@example.org", Self.message(0)), data: Self.message(0), next: nil, beforeData: { true })
        }
        #expect(error?.replyCode == 421 && error?.kind == .temporary)
        #expect(!session.isUsable)
    }

    @Test("held back at the gate: no data written, the session is given up (the server waits for data)")
    func heldBack() throws {
        let server = Server(pipelining: true)
        let session = Self.session(server)
        let error = #expect(throws: MailError.self) {
            try session.send(Self.envelope("r@example.org", Self.message(0)), data: Self.message(0), next: nil, beforeData: { false })
        }
        #expect(error?.kind == .connection)
        #expect(!session.isUsable)
        #expect(server.delivered.isEmpty && server.writes == 1)
    }

    @Test("SIZE and SMTPUTF8 parameters when the server offers them")
    func parameters() throws {
        let server = Server(pipelining: true)
        let session = Self.session(server, utf8: true, size: true)
        let data = Self.message(0)
        _ = try session.send(MailEnvelope(from: "parley@example.org", to: "jörg@example.org", size: data.count), data: data, next: nil, beforeData: { true })
        #expect(server.commands.first == "MAIL FROM:<parley@example.org> SIZE=\(data.count) SMTPUTF8")
    }

    @Test("EHLO keywords: PIPELINING, SMTPUTF8, SIZE, in either line form")
    func capabilities() {
        let caps = SMTPCapabilities(ehloLines: ["220 mx ESMTP\r\n", "250-mx.example.org\r\n", "250-PIPELINING\r\n", "250-SIZE 10240000\r\n", "250 SMTPUTF8\r\n"])
        #expect(caps == SMTPCapabilities(pipelining: true, smtpUTF8: true, size: true))
        #expect(SMTPCapabilities(ehloLines: ["250-aiosmtpd\r\n", "250-8BITMIME\r\n", "250 HELP\r\n"]) == SMTPCapabilities())
    }

    @Test("replies: continuation lines joined; a line that is no reply is a protocol error")
    func replies() throws {
        var reader = SMTPReplyReader()
        try reader.append { (b: inout [UInt8]) throws(MailError) in b += Array("250-first\r\n250-second\r\n250 last\r\n451\r\n354".utf8) }
        #expect(try reader.next(server: "s") == SMTPReply(code: 250, text: "250 first second last"))
        #expect(try reader.next(server: "s") == SMTPReply(code: 451, text: "451"))
        #expect(try reader.next(server: "s") == nil, "an unfinished line waits for more")
        var bad = SMTPReplyReader()
        try bad.append { (b: inout [UInt8]) throws(MailError) in b += Array("HTTP/1.1 400 Bad Request\r\n".utf8) }
        #expect(throws: MailError.self) { try bad.next(server: "s") }
    }
}
