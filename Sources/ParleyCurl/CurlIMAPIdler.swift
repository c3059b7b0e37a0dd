// IMAP IDLE (RFC 2177) over a connection libcurl opened and logged in
// (CURLOPT_CONNECT_ONLY), driven with curl_easy_send/curl_easy_recv, since libcurl has
// no IDLE command of its own (a custom "IDLE" request hangs). TLS, STARTTLS and SASL
// are libcurl's; only SELECT, IDLE and DONE are written here.
import CCurl
import Foundation
import ParleyCore

/// Waits on one mailbox for new mail with IDLE, on its own connection.
public final class CurlIMAPIdler {
    /// Why a wait ended.
    public enum WakeReason: Sendable, Equatable {
        /// The server announced new or changed messages (EXISTS, RECENT, FETCH, EXPUNGE).
        case changed
        /// The wait timed out with nothing announced.
        case timeout
        /// The caller asked to stop.
        case stopped
    }

    /// RFC 2177 §3: clients should re-issue IDLE at least every 29 minutes.
    public static let maxIdle: Double = 29 * 60

    private let connection: IMAPConnection

    public init(options: ServerOptions) throws(MailError) {
        guard let parts = CurlIMAPClient.split(options.url) else {
            throw MailError(.invalidInput, "mailbox url \"\(options.url)\" is not of the form imap://host:port/MAILBOX")
        }
        connection = IMAPConnection(options: options, base: parts.base, selecting: parts.mailbox)
    }

    /// Waits up to `timeout` seconds for a change; `shouldStop` is polled a few times a
    /// second, so a shutdown is never held up for long.
    public func wait(timeout: Double, shouldStop: () -> Bool) throws(MailError) -> WakeReason {
        if !connection.isOpen { try connection.open() }
        let idleTag = connection.nextTag()
        try connection.send("\(idleTag) IDLE\r\n")
        // The continuation request "+ idling" confirms IDLE; untagged data may come first.
        var reason: WakeReason?
        let deadline = Date().addingTimeInterval(min(timeout, CurlIMAPIdler.maxIdle))
        while reason == nil {
            if shouldStop() { reason = .stopped; break }
            if Date() >= deadline { reason = .timeout; break }
            guard let bytes = try connection.readLine(waitingUpTo: 0.25, failOnTimeout: false) else { continue }
            let line = String(decoding: bytes, as: UTF8.self)
            if line.hasPrefix("+") { continue }
            if line.hasPrefix("\(idleTag) ") {
                // The server ended IDLE by itself (e.g. BAD): treat as a wake-up.
                connection.close()
                throw MailError(.protocolError, "the server refused IDLE", detail: line)
            }
            let upper = line.uppercased()
            if upper.hasPrefix("* ") && (upper.hasSuffix(" EXISTS") || upper.hasSuffix(" RECENT") || upper.contains(" FETCH") || upper.hasSuffix(" EXPUNGE")) {
                reason = .changed
            } else if upper.hasPrefix("* BYE") {
                connection.close()
                throw MailError(.connection, "the server closed the IDLE connection", detail: line)
            }
        }
        try connection.send("DONE\r\n")
        // Read up to the tagged completion of IDLE.
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            guard let bytes = try connection.readLine(waitingUpTo: 0.5, failOnTimeout: false) else { continue }
            if bytes.starts(with: Array("\(idleTag) ".utf8)) { return reason ?? .timeout }
        }
        connection.close()
        throw MailError(.connection, "no answer to DONE within 30 s")
    }
}
