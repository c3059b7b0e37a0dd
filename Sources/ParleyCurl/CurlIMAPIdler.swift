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

    private let curl: CurlHandle
    private let url: String
    private let mailbox: String
    private var connected = false
    private var tag = 0
    private var buffer: [UInt8] = []

    public init(options: ServerOptions) throws(MailError) {
        guard let parts = CurlIMAPClient.split(options.url) else {
            throw MailError(.invalidInput, "mailbox url \"\(options.url)\" is not of the form imap://host:port/MAILBOX")
        }
        curl = try CurlHandle()
        curl.configure(options)
        url = parts.base + "/"
        mailbox = parts.mailbox
    }

    /// Waits up to `timeout` seconds for a change; `shouldStop` is polled a few times a
    /// second, so a shutdown is never held up for long.
    public func wait(timeout: Double, shouldStop: () -> Bool) throws(MailError) -> WakeReason {
        if !connected { try connect() }
        let idleTag = nextTag()
        try send("\(idleTag) IDLE\r\n")
        // The continuation request "+ idling" confirms IDLE; untagged data may come first.
        var reason: WakeReason?
        let deadline = Date().addingTimeInterval(min(timeout, CurlIMAPIdler.maxIdle))
        var confirmed = false
        while reason == nil {
            if shouldStop() { reason = .stopped; break }
            if Date() >= deadline { reason = .timeout; break }
            guard let line = try readLine(waitingUpTo: 0.25) else { continue }
            if line.hasPrefix("+") { confirmed = true; continue }
            if line.hasPrefix("\(idleTag) ") {
                // The server ended IDLE by itself (e.g. BAD): treat as a wake-up.
                connected = false
                throw MailError(.protocolError, "the server refused IDLE", detail: line)
            }
            let upper = line.uppercased()
            if upper.hasPrefix("* ") && (upper.hasSuffix(" EXISTS") || upper.hasSuffix(" RECENT") || upper.contains(" FETCH") || upper.hasSuffix(" EXPUNGE")) {
                reason = .changed
            } else if upper.hasPrefix("* BYE") {
                connected = false
                throw MailError(.connection, "the server closed the IDLE connection", detail: line)
            }
        }
        _ = confirmed
        try send("DONE\r\n")
        // Read up to the tagged completion of IDLE.
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            guard let line = try readLine(waitingUpTo: 0.5) else { continue }
            if line.hasPrefix("\(idleTag) ") { return reason ?? .timeout }
        }
        connected = false
        throw MailError(.connection, "no answer to DONE within 30 s")
    }

    private func nextTag() -> String {
        tag += 1
        return "P\(tag)"
    }

    /// Lets libcurl connect, negotiate TLS and log in, then selects the mailbox by hand.
    private func connect() throws(MailError) {
        curl.set(CURLOPT_CONNECT_ONLY, 1)
        let sink = TransferSink()
        let (code, message) = curl.perform(url: url, customRequest: nil, sink: sink)
        guard code == CURLE_OK else { throw CurlHandle.error(code, message, server: url) }
        buffer.removeAll()
        let selectTag = nextTag()
        try send("\(selectTag) SELECT \(IMAPSyntax.quoted(mailbox))\r\n")
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            guard let line = try readLine(waitingUpTo: 0.5) else { continue }
            if line.hasPrefix("\(selectTag) OK") { connected = true; return }
            if line.hasPrefix("\(selectTag) ") { throw MailError(.protocolError, "SELECT \(mailbox) failed", detail: line) }
        }
        throw MailError(.connection, "no answer to SELECT within 30 s")
    }

    private func send(_ text: String) throws(MailError) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            var sent = 0
            let code = bytes.withUnsafeMutableBytes { buf in
                curl.rawSend(buf.baseAddress! + offset, buf.count - offset, &sent)
            }
            if code == CURLE_AGAIN {
                try waitSocket(forWrite: true, seconds: 1)
                continue
            }
            guard code == CURLE_OK else {
                connected = false
                throw MailError(.connection, "the IDLE connection broke", detail: "libcurl error \(code.rawValue)")
            }
            offset += sent
        }
    }

    /// One response line without CRLF, or nil if none arrived in time.
    private func readLine(waitingUpTo seconds: Double) throws(MailError) -> String? {
        if let line = takeLine() { return line }
        try waitSocket(forWrite: false, seconds: seconds)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var got = 0
        let code = chunk.withUnsafeMutableBytes { curl.rawRecv($0.baseAddress!, $0.count, &got) }
        if code == CURLE_AGAIN { return takeLine() }
        guard code == CURLE_OK, got > 0 else {
            connected = false
            throw MailError(.connection, "the IDLE connection was closed", detail: "libcurl error \(code.rawValue)")
        }
        buffer.append(contentsOf: chunk[0..<got])
        return takeLine()
    }

    private func takeLine() -> String? {
        guard let lf = buffer.firstIndex(of: 10) else { return nil }
        var end = lf
        if end > 0 && buffer[end - 1] == 13 { end -= 1 }
        let line = String(decoding: buffer[0..<end], as: UTF8.self)
        buffer.removeSubrange(0...lf)
        return line
    }

    private func waitSocket(forWrite: Bool, seconds: Double) throws(MailError) {
        guard let socket = curl.activeSocket else {
            connected = false
            throw MailError(.connection, "the IDLE connection has no socket")
        }
        var fds = pollfd(fd: socket, events: Int16(forWrite ? POLLOUT : POLLIN), revents: 0)
        _ = poll(&fds, 1, Int32(seconds * 1000))
    }
}
