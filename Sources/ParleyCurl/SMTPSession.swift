// One SMTP session's mail transactions (RFC 5321 §3.3), after the connection is set up.
//
// libcurl connects, negotiates TLS or STARTTLS, says EHLO and logs in (PLAIN, LOGIN,
// XOAUTH2); from then on the transactions are written here (``SMTPWire``), because
// libcurl 7.88 waits for every reply before the next command: four round trips per
// message. Where the server offers PIPELINING (RFC 2920) the envelope goes out as one
// group, and the next message's envelope goes out right behind this message's data, so
// a message costs one round trip. The message itself still goes out only once its
// envelope is accepted and the caller's gate has said yes.
import Foundation
import ParleyCore

/// The bytes of one SMTP connection: libcurl's (``CurlStream``), or a script in tests.
protocol SMTPWire: AnyObject {
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(MailError)
    /// Appends at least one received byte to `buffer`; throws `.connection` when the
    /// connection closes, breaks, or stays silent past the response timeout.
    func receive(into buffer: inout [UInt8]) throws(MailError)
}

/// What the server's EHLO answer offers (RFC 5321 §4.1.1.1), as far as sending needs it.
struct SMTPCapabilities: Equatable {
    var pipelining = false
    var smtpUTF8 = false
    /// SIZE (RFC 1870) was offered: MAIL FROM then says how big the message is.
    var size = false

    init(pipelining: Bool = false, smtpUTF8: Bool = false, size: Bool = false) {
        self.pipelining = pipelining
        self.smtpUTF8 = smtpUTF8
        self.size = size
    }

    /// From the reply lines seen while connecting: the last `250` reply's keywords.
    init(ehloLines lines: [String]) {
        for line in lines {
            let upper = line.uppercased().trimmingSMTPLineEnd
            guard upper.hasPrefix("250-") || upper.hasPrefix("250 ") else { continue }
            let keyword = upper.dropFirst(4).split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            switch keyword {
            case "PIPELINING": pipelining = true
            case "SMTPUTF8": smtpUTF8 = true
            case "SIZE": size = true
            default: break
            }
        }
    }
}

/// One reply: its code and its text, continuation lines joined (RFC 5321 §4.2.1).
struct SMTPReply: Equatable {
    var code: Int
    /// `250 2.0.0 Ok: queued as 4XyZ`, every line's text after the code, joined by spaces.
    var text: String

    var isPositive: Bool { code >= 200 && code < 400 }

    /// The text after the code.
    var words: String { text.count > 4 ? String(text.dropFirst(4)) : "" }
}

/// Reads replies out of received bytes.
struct SMTPReplyReader {
    private(set) var buffer: [UInt8] = []
    private var head = 0

    mutating func append(_ receive: (inout [UInt8]) throws(MailError) -> Void) throws(MailError) {
        compact()
        try receive(&buffer)
    }

    /// The next whole reply in the buffer, nil if it has not all arrived; throws
    /// `.protocolError` for a line that is no SMTP reply.
    mutating func next(server: String) throws(MailError) -> SMTPReply? {
        var at = head
        var code: Int?
        var text = ""
        while true {
            guard let lf = buffer[at...].firstIndex(of: 10) else { return nil }
            var end = lf
            if end > at && buffer[end - 1] == 13 { end -= 1 }
            let line = buffer[at..<end]
            at = lf + 1
            guard line.count >= 3, line.prefix(3).allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw MailError(.protocolError, "\(server) answered with something that is not an SMTP reply",
                                detail: String(decoding: line.prefix(200), as: UTF8.self))
            }
            let lineCode = line.prefix(3).reduce(0) { $0 * 10 + Int($1 - 48) }
            if code == nil { code = lineCode }
            let separator = line.count > 3 ? line[line.startIndex + 3] : 32
            let words = String(decoding: line.dropFirst(4), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if !words.isEmpty { text += (text.isEmpty ? "" : " ") + words }
            if separator != 45 {  // not "-": the last line of the reply
                head = at
                return SMTPReply(code: code!, text: text.isEmpty ? "\(code!)" : "\(code!) \(text)")
            }
        }
    }

    private mutating func compact() {
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 * 1024 {
            buffer.removeSubrange(0..<head)
            head = 0
        }
    }
}

/// Mail transactions on one connection. Not thread-safe. Once ``isUsable`` is false
/// (a broken connection, a 421, a message held back after the server's 354) the
/// session must be dropped and a new connection opened.
final class SMTPSession {
    let wire: SMTPWire
    let server: String
    let capabilities: SMTPCapabilities
    private var reader = SMTPReplyReader()
    /// An envelope written behind the previous message's data whose replies are unread.
    private(set) var announced: MailEnvelope?
    /// A transaction may be open at the server (MAIL accepted, never finished): the next
    /// one starts with RSET.
    private var needsReset = false
    private(set) var isUsable = true

    init(wire: SMTPWire, server: String, capabilities: SMTPCapabilities) {
        self.wire = wire
        self.server = server
        self.capabilities = capabilities
    }

    /// Sends one message. `data` must be CRLF-terminated lines; it is dot-stuffed here.
    /// `beforeData` is asked after the server's 354 to DATA, just before the message
    /// goes out; false abandons it (and the session: the server waits for data).
    /// `next` is the envelope the caller will send next: with PIPELINING it follows
    /// this message's data in the same write.
    func send(_ envelope: MailEnvelope, data: [UInt8], next: MailEnvelope?, beforeData: () -> Bool) throws(MailError) -> SMTPReply {
        guard isUsable else { throw MailError(.connection, "the connection to \(server) cannot be used again") }
        do {
            return try transaction(envelope, data: data, next: next, beforeData: beforeData)
        } catch {
            if error.kind == .connection || error.kind == .protocolError || error.replyCode == 421 { isUsable = false }
            throw error
        }
    }

    private func transaction(_ envelope: MailEnvelope, data: [UInt8], next: MailEnvelope?, beforeData: () -> Bool) throws(MailError) -> SMTPReply {
        if let pending = announced, pending != envelope {
            // The caller went another way: the server may be waiting for data now.
            isUsable = false
            throw MailError(.connection, "the connection to \(server) was left with another message's envelope")
        }
        let pipelined = announced != nil
        announced = nil
        let envelopeReplies: [SMTPReply]
        if pipelined {
            envelopeReplies = try readReplies(3)
        } else if capabilities.pipelining {
            let group = commands(envelope)
            try wire.write(Array(group.joined().utf8))
            envelopeReplies = Array(try readReplies(group.count).suffix(3))
            needsReset = false
        } else {
            var replies: [SMTPReply] = []
            for command in commands(envelope) {
                try wire.write(Array(command.utf8))
                let reply = try readReply()
                if reply.code == 421 { throw refusal(reply, envelope) }
                if command.hasPrefix("RSET") { continue }
                replies.append(reply)
                if !reply.isPositive { break }
            }
            needsReset = false
            envelopeReplies = replies
        }
        // A 421 may cut the list short; the first refusal is what the caller hears.
        let mail = envelopeReplies[0]
        let rcpt = envelopeReplies.count > 1 ? envelopeReplies[1] : nil
        let dataReply = envelopeReplies.count > 2 ? envelopeReplies[2] : nil
        if mail.isPositive { needsReset = true }
        guard mail.isPositive else { throw refusal(mail, envelope) }
        guard let rcpt, rcpt.isPositive else {
            if dataReply?.code == 354 {
                // RFC 2920 §3.1: DATA accepted after every recipient failed; end it empty.
                try wire.write(Array(".\r\n".utf8))
                _ = try readReply()
                needsReset = false
            }
            throw refusal(rcpt ?? mail, envelope)
        }
        guard let dataReply, dataReply.code == 354 else { throw refusal(dataReply ?? rcpt, envelope) }
        guard beforeData() else {
            isUsable = false
            throw MailError(.connection, "the message for \(envelope.to) was held back before its data was sent")
        }
        // The lone "." ends the transaction, whatever the server answers to it.
        needsReset = false
        var out = Self.stuffed(data)
        if capabilities.pipelining, let next {
            out += Array(commands(next).joined().utf8)
            announced = next
        }
        try wire.write(out)
        let final = try readReply()
        guard final.code >= 200 && final.code < 300 else { throw refusal(final, envelope) }
        return final
    }

    /// RSET if needed, MAIL FROM, RCPT TO, DATA (each with its CRLF).
    private func commands(_ envelope: MailEnvelope) -> [String] {
        var mail = "MAIL FROM:<\(envelope.from)>"
        if capabilities.size { mail += " SIZE=\(envelope.size)" }
        let ascii = envelope.from.utf8.allSatisfy { $0 < 0x80 } && envelope.to.utf8.allSatisfy { $0 < 0x80 }
        if !ascii && capabilities.smtpUTF8 { mail += " SMTPUTF8" }
        var out = [mail + "\r\n", "RCPT TO:<\(envelope.to)>\r\n", "DATA\r\n"]
        if needsReset { out.insert("RSET\r\n", at: 0) }
        return out
    }

    private func readReply() throws(MailError) -> SMTPReply {
        while true {
            if let reply = try reader.next(server: server) {
                if reply.code == 421 { isUsable = false }
                return reply
            }
            try reader.append { (buffer: inout [UInt8]) throws(MailError) in try wire.receive(into: &buffer) }
        }
    }

    private func readReplies(_ count: Int) throws(MailError) -> [SMTPReply] {
        var replies: [SMTPReply] = []
        for _ in 0..<count {
            let reply = try readReply()
            replies.append(reply)
            // A 421 closes the connection: nothing more will come.
            if reply.code == 421 { break }
        }
        return replies
    }

    /// The error for a refusal, in the terms the outbox acts on.
    private func refusal(_ reply: SMTPReply, _ envelope: MailEnvelope) -> MailError {
        if reply.code >= 500 {
            return MailError(.permanent, "\(server) refused the message for \(envelope.to)", detail: reply.text, replyCode: reply.code)
        }
        if reply.code >= 400 {
            return MailError(.temporary, "\(server) deferred the message for \(envelope.to)", detail: reply.text, replyCode: reply.code)
        }
        return MailError(.protocolError, "\(server) answered the message for \(envelope.to) out of turn", detail: reply.text, replyCode: reply.code)
    }

    /// Ends the session politely (QUIT), when it is idle and usable.
    func quit() {
        guard isUsable, announced == nil else { return }
        isUsable = false
        do {
            try wire.write(Array((needsReset ? "RSET\r\nQUIT\r\n" : "QUIT\r\n").utf8))
        } catch {}
    }

    /// The message as DATA sends it: a `.` that starts a line doubled (RFC 5321
    /// §4.5.2), the last line ended, then the lone `.`.
    static func stuffed(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 64)
        data.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            while start < bytes.count {
                if base[start] == 46 { out.append(46) }
                let rest = bytes.count - start
                if let lf = memchr(base + start, 10, rest) {
                    let end = base.distance(to: lf.assumingMemoryBound(to: UInt8.self)) + 1
                    out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
                    start = end
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: rest))
                    start = bytes.count
                }
            }
        }
        if !(out.count >= 2 && out[out.count - 2] == 13 && out[out.count - 1] == 10) && !out.isEmpty {
            out += [13, 10]
        }
        out += [46, 13, 10]
        return out
    }
}

extension String {
    /// Without a trailing CR/LF.
    fileprivate var trimmingSMTPLineEnd: Substring {
        var s = self[...]
        while let last = s.last, last == "\r" || last == "\n" || last == "\r\n" { s = s.dropLast() }
        return s
    }
}
