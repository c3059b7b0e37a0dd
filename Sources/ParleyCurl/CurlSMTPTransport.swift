// SMTP (RFC 5321) submission: libcurl 7.88 opens the connection (TLS or STARTTLS,
// EHLO, AUTH with PLAIN, LOGIN or XOAUTH2) and keeps it; the mail transactions on it
// are ``SMTPSession``'s, pipelined where the server offers PIPELINING. One connection,
// reused for every message of a flush; a new one after a failure that leaves it
// unusable.
import CCurl
import Foundation
import ParleyCore

/// Sends mail through one SMTP server.
public final class CurlSMTPTransport: MailTransport {
    private let options: ServerOptions
    private let url: String
    private let server: String
    private var session: SMTPSession?

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
        url = base + "/" + (ehloName ?? "localhost")
        self.options = options
    }

    deinit {
        session?.quit()
    }

    public func send(_ envelope: MailEnvelope, data: [UInt8], next: MailEnvelope?, beforeData: () -> Bool) throws(MailError) -> SendReceipt {
        let envelopeFrom = envelope.from, recipient = envelope.to
        guard EmailAddress(address: envelopeFrom, name: nil) != nil || envelopeFrom.isEmpty else {
            throw MailError(.invalidInput, "envelope sender \"\(envelopeFrom.debugDescription)\" is not a plain address")
        }
        guard EmailAddress(address: recipient, name: nil) != nil else {
            throw MailError(.invalidInput, "recipient \(recipient.debugDescription) is not a plain address")
        }
        if let pending = session?.announced, pending != envelope {
            // Not the message announced behind the last one: the server waits for that
            // one's data, so this one goes on a new connection.
            session = nil
        }
        let session = try connected()
        // RFC 6531 §3.4: a non-ASCII address may only be sent to a server that offers
        // SMTPUTF8 (MAIL FROM then asks for it); to another one it must not be sent at all.
        if !Self.sendable(envelopeFrom, recipient, to: session.capabilities) {
            throw MailError(.permanent, "\(server) does not offer SMTPUTF8 (RFC 6531), so it cannot take the non-ASCII address \(recipient); only a server that offers it can deliver there",
                            detail: "the server's EHLO answer lists no SMTPUTF8", replyCode: 553)
        }
        // The next envelope goes out early only if it can be sent at all: an announced
        // envelope commits the connection to that message.
        let following = next.flatMap { n -> MailEnvelope? in
            guard EmailAddress(address: n.from, name: nil) != nil || n.from.isEmpty, EmailAddress(address: n.to, name: nil) != nil,
                  Self.sendable(n.from, n.to, to: session.capabilities) else { return nil }
            return n
        }
        do {
            let reply = try session.send(MailEnvelope(from: envelopeFrom, to: recipient, size: data.count), data: data,
                                         next: following, beforeData: beforeData)
            return SendReceipt(replyCode: reply.code, reply: reply.words)
        } catch {
            if !session.isUsable { self.session = nil }
            throw error
        }
    }

    /// Whether both addresses can go to a server with these capabilities.
    private static func sendable(_ from: String, _ to: String, to capabilities: SMTPCapabilities) -> Bool {
        capabilities.smtpUTF8 || (from.utf8.allSatisfy { $0 < 0x80 } && to.utf8.allSatisfy { $0 < 0x80 })
    }

    /// The open session, or a new connection (libcurl connects, TLS, EHLO, AUTH).
    private func connected() throws(MailError) -> SMTPSession {
        if let session, session.isUsable { return session }
        session = nil
        let stream = try CurlStream(options: options, url: url, server: server)
        let opened = SMTPSession(wire: stream, server: server, capabilities: SMTPCapabilities(ehloLines: stream.connectLines))
        session = opened
        return opened
    }

    /// Connects and logs in without sending anything (for `parley check`).
    public func check() throws(MailError) {
        _ = try connected()
    }
}
