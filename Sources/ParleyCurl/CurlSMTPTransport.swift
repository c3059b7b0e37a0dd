// SMTP (RFC 5321) submission through libcurl 7.88: one easy handle, so one connection
// reused for many messages (libcurl sends the next MAIL FROM on the same connection).
// libcurl neither normalises line endings nor rejects CR/LF in envelope addresses:
// the caller's bytes must already be CRLF, and addresses are validated here.
import CCurl
import Foundation
import ParleyCore

/// Sends mail through one SMTP server.
public final class CurlSMTPTransport: MailTransport {
    private let curl: CurlHandle
    private let url: String
    private let server: String
    /// Whether the server's last EHLO offered SMTPUTF8 (RFC 6531); nil before the first.
    private(set) var offersSMTPUTF8: Bool?
    private let usesToken: Bool

    /// - Parameters:
    ///   - options: `url` is `smtp://host:port` or `smtps://host:port`.
    ///   - ehloName: the name given in EHLO (libcurl takes it from the URL path).
    public init(options: ServerOptions, ehloName: String? = nil) throws(MailError) {
        let lower = options.url.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            throw MailError(.invalidInput, "smtp url \"\(options.url)\" is not of the form smtp://host:port or smtps://host:port")
        }
        var base = options.url
        if let schemeEnd = base.range(of: "://"), let slash = base[schemeEnd.upperBound...].firstIndex(of: "/") {
            base = String(base[..<slash])
        }
        server = base
        usesToken = options.oauth2Token != nil
        url = base + "/" + (ehloName ?? "localhost")
        curl = try CurlHandle()
        curl.configure(options)
    }

    public func send(from envelopeFrom: String, to recipient: String, data: [UInt8], beforeData: () -> Bool) throws(MailError) -> SendReceipt {
        guard EmailAddress(address: envelopeFrom, name: nil) != nil || envelopeFrom.isEmpty else {
            throw MailError(.invalidInput, "envelope sender \"\(envelopeFrom.debugDescription)\" is not a plain address")
        }
        guard EmailAddress(address: recipient, name: nil) != nil else {
            throw MailError(.invalidInput, "recipient \(recipient.debugDescription) is not a plain address")
        }
        // RFC 6531 §3.4: a non-ASCII address may only be sent to a server that offers
        // SMTPUTF8 (libcurl then asks for it); to another one it must not be sent at all.
        let ascii = recipient.utf8.allSatisfy { $0 < 0x80 } && envelopeFrom.utf8.allSatisfy { $0 < 0x80 }
        let noSMTPUTF8 = MailError(.permanent, "\(server) does not offer SMTPUTF8 (RFC 6531), so it cannot take the non-ASCII address \(recipient); only a server that offers it can deliver there",
                                   detail: "the server's EHLO answer lists no SMTPUTF8", replyCode: 553)
        if !ascii && offersSMTPUTF8 == false { throw noSMTPUTF8 }
        curl.resetIfNeeded()  // before MAIL_FROM is set: a reset clears it
        curl.set(CURLOPT_MAIL_FROM, "<\(envelopeFrom)>")
        let sink = TransferSink()
        sink.upload = data
        var refusedForUTF8 = false
        // libcurl asks for the message bytes only after the server's 354 to DATA.
        let (code, message) = withoutActuallyEscaping(beforeData) { gate in
            sink.beforeUpload = { [self] in
                // On a new connection the EHLO answer is known only now.
                noteEHLO(sink.lines)
                if !ascii && offersSMTPUTF8 == false {
                    refusedForUTF8 = true
                    return false
                }
                return gate()
            }
            defer { sink.beforeUpload = nil }
            return curl.perform(url: url, customRequest: nil, sink: sink, upload: true, recipients: ["<\(recipient)>"])
        }
        if refusedForUTF8 { throw noSMTPUTF8 }
        if sink.uploadAborted {
            // The connection is left mid-DATA: libcurl closes it; the next send opens a new one.
            throw MailError(.connection, "the message for \(recipient) was held back before its data was sent")
        }
        let replyCode = curl.responseCode
        let reply = Self.reply(code: replyCode, lines: sink.lines)
        noteEHLO(sink.lines)
        guard code == CURLE_OK else {
            if !ascii && offersSMTPUTF8 == false {
                // Refused before DATA (a syntax error, in the server's words): say why.
                throw MailError(.permanent, noSMTPUTF8.message, detail: reply.isEmpty ? message : reply, replyCode: replyCode >= 500 ? replyCode : 553)
            }
            if replyCode >= 500 {
                throw MailError(.permanent, "\(server) refused the message for \(recipient)", detail: reply.isEmpty ? message : reply, replyCode: replyCode)
            }
            if replyCode >= 400 {
                throw MailError(.temporary, "\(server) deferred the message for \(recipient)", detail: reply.isEmpty ? message : reply, replyCode: replyCode)
            }
            throw CurlHandle.error(code, message, server: server, replyCode: replyCode, token: usesToken)
        }
        return SendReceipt(replyCode: replyCode, reply: reply)
    }

    /// Remembers whether a new connection's EHLO answer (after its 220 greeting) offers
    /// SMTPUTF8.
    private func noteEHLO(_ lines: [String]) {
        guard lines.contains(where: { $0.hasPrefix("220") }) else { return }
        offersSMTPUTF8 = lines.contains { line in
            let upper = line.uppercased()
            return (upper.hasPrefix("250-") || upper.hasPrefix("250 ")) && upper.dropFirst(4).hasPrefix("SMTPUTF8")
        }
    }

    /// The server's reply with this code, all lines of a multi-line reply joined
    /// (RFC 5321 §4.2.1). The last line seen is not it: after a refusal libcurl sends
    /// RSET or QUIT, and their answers arrive after it.
    static func reply(code: Int, lines: [String]) -> String {
        // SMTP reply lines are ASCII: trimming and comparing bytes is enough (NSString's
        // trimming was a tenth of the time of a send).
        let digits = Array(String(code).utf8)
        /// 0x20 for "250 …" or "250", 0x2D for "250-…", nil for another code.
        func separator(_ line: String) -> UInt8? {
            var u = line.utf8.makeIterator()
            for d in digits where u.next() != d { return nil }
            switch u.next() {
            case nil, 0x0D, 0x0A: return 0x20
            case let b?: return b == 0x20 || b == 0x2D ? b : nil
            }
        }
        // The last final line with this code, then its continuation lines before it.
        guard let last = lines.lastIndex(where: { separator($0) == 0x20 }) else { return lines.last.map(trimASCII) ?? "" }
        var first = last
        while first > 0, separator(lines[first - 1]) == 0x2D { first -= 1 }
        var out = String(code)
        for line in lines[first...last] {
            let text = trimASCII(String(decoding: line.utf8.dropFirst(digits.count + 1), as: UTF8.self))
            if !text.isEmpty { out += " " + text }
        }
        return out
    }

    /// Connects and logs in without sending anything (for `parley check`).
    public func check() throws(MailError) {
        curl.set(CURLOPT_CONNECT_ONLY, 1)
        defer { curl.set(CURLOPT_CONNECT_ONLY, 0) }
        let sink = TransferSink()
        let (code, message) = curl.perform(url: url, customRequest: nil, sink: sink)
        guard code == CURLE_OK else { throw CurlHandle.error(code, message, server: server, token: usesToken) }
    }
}

/// The string without leading and trailing ASCII white space (space, tab, CR, LF, VT, FF).
private func trimASCII(_ s: String) -> String {
    let u = s.utf8
    func space(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
    guard let first = u.firstIndex(where: { !space($0) }) else { return "" }
    let last = u.lastIndex(where: { !space($0) })!
    return String(decoding: u[first...last], as: UTF8.self)
}
