// One IMAP session over a connection libcurl opened (CURLOPT_CONNECT_ONLY): libcurl
// connects, negotiates TLS or STARTTLS and logs in (PLAIN, LOGIN, XOAUTH2); the
// commands after that are written and read here with curl_easy_send/curl_easy_recv.
//
// Speaking IMAP ourselves after the login avoids libcurl 7.88's custom-request traps
// (FACTS.md): responses with literals cut short, long lines truncated, answers of more
// than ~100 lines refused by its header counting, a custom SELECT desynchronising its
// remembered mailbox. It is also what makes bulk work cheap: one
// `UID FETCH a:b (BODY.PEEK[])` for a hundred messages instead of a hundred URL
// fetches (each a command the server parses and a mailbox sync), and one
// `UID MOVE` for a thousand.
import CCurl
import Foundation
import ParleyCore

/// One untagged server response (RFC 3501 §7): its text, each literal left in as its
/// `{n}` announcement, and the literals' bytes in order.
struct IMAPResponse {
    var text: String
    /// nil where a literal was larger than the command's literal limit: it was read and
    /// dropped, its size is in `text`.
    var literals: [[UInt8]?]
}

/// A logged-in IMAP connection, optionally with a mailbox selected. Not thread-safe:
/// one thread uses it at a time. A connection that breaks is dropped; the next command
/// opens a new one (and re-selects), and a command that found an idle connection dead
/// before any answer arrived is retried once on a fresh one.
final class IMAPConnection {
    private let options: ServerOptions
    private let base: String
    let server: String
    /// Selected after each login, when set.
    let selectMailbox: String?
    private var stream: CurlStream?
    private var tag = 0
    private var buffer: [UInt8] = []
    private var head = 0
    /// Bytes received since the current command was sent.
    private var receivedForCommand = 0
    /// The server's folder naming, learnt once after the first login.
    private(set) var folderNames: IMAPFolderNames?

    init(options: ServerOptions, base: String, selecting mailbox: String?) {
        self.options = options
        self.base = base
        self.server = base
        self.selectMailbox = mailbox
    }

    var isOpen: Bool { stream != nil }

    /// Opens (or re-opens) the connection: libcurl connects and logs in, then the
    /// mailbox is selected.
    func open() throws(MailError) {
        close()
        stream = try CurlStream(options: options, url: base + "/", server: server, readSize: 256 * 1024)
        if folderNames == nil { folderNames = try learnFolderNames() }
        if let selectMailbox {
            let name = try serverName(selectMailbox)
            _ = try exchange("SELECT \(IMAPSyntax.quoted(name))", literalLimit: 64 * 1024)
        }
    }

    /// The server's name for a folder written with `/` (``IMAPFolderNames``); logs in
    /// first if needed, to learn the server's naming.
    func serverName(_ configName: String) throws(MailError) -> String {
        if folderNames == nil { try open() }
        return try folderNames!.serverName(for: configName)
    }

    /// RFC 2342 NAMESPACE gives the personal prefix and delimiter; a server without it
    /// answers `LIST "" ""` with its delimiter (RFC 3501 §6.3.8).
    private func learnFolderNames() throws(MailError) -> IMAPFolderNames {
        do {
            for response in try exchange("NAMESPACE", literalLimit: 64 * 1024) {
                if let personal = IMAPFolderNames.personalNamespace(response.text) {
                    return IMAPFolderNames(delimiter: personal.delimiter, personalPrefix: personal.prefix)
                }
            }
        } catch where error.kind == .protocolError {
            // No NAMESPACE (a NO or BAD): ask LIST below.
        }
        for response in try exchange("LIST \"\" \"\"", literalLimit: 64 * 1024) {
            if let entry = IMAPFolderNames.listEntry(response.text) {
                return IMAPFolderNames(delimiter: entry.delimiter, personalPrefix: "")
            }
        }
        return IMAPFolderNames(delimiter: "/", personalPrefix: "")
    }

    /// Drops the connection (libcurl closes the socket with the handle).
    func close() {
        stream = nil
        buffer.removeAll(keepingCapacity: true)
        head = 0
    }

    func nextTag() -> String {
        tag += 1
        return "P\(tag)"
    }

    /// Runs one command and returns its untagged responses. A tagged NO or BAD throws
    /// `.protocolError` with the server's words. Literals over `literalLimit` bytes are
    /// read and dropped (nil in the response).
    func command(_ text: String, literalLimit: Int = 64 * 1024 * 1024) throws(MailError) -> [IMAPResponse] {
        var fresh = false
        if stream == nil {
            try open()
            fresh = true
        }
        do {
            return try exchange(text, literalLimit: literalLimit)
        } catch {
            // A connection that sat idle may have been closed by the server (a restart,
            // an autologout): if nothing of the answer came back, try once on a new one.
            guard error.kind == .connection, !fresh, receivedForCommand == 0 else { throw error }
            try open()
            return try exchange(text, literalLimit: literalLimit)
        }
    }

    private func exchange(_ text: String, literalLimit: Int) throws(MailError) -> [IMAPResponse] {
        let tag = nextTag()
        receivedForCommand = 0
        try send(tag + " " + text + "\r\n")
        var responses: [IMAPResponse] = []
        let prefix = Array((tag + " ").utf8)
        while true {
            let response = try readResponse(literalLimit: literalLimit, timeout: Double(options.responseTimeoutSeconds))
            if response.text.utf8.starts(with: prefix) {
                let status = response.text.utf8.dropFirst(prefix.count).prefix(3)
                if status.elementsEqual("OK ".utf8) || status.elementsEqual("OK".utf8) { return responses }
                let name = text.split(separator: " ").prefix(text.hasPrefix("UID ") ? 2 : 1).joined(separator: " ")
                throw MailError(.protocolError, "\(server) refused \"\(name)\"", detail: response.text)
            }
            if response.text.hasPrefix("* BYE") {
                // The server is closing this session before answering (a shutdown, the
                // mailbox's UIDVALIDITY changed under it): the command did not complete,
                // and every command sent here can be repeated on a new connection.
                close()
                receivedForCommand = 0
                throw MailError(.connection, "\(server) closed the session", detail: response.text)
            }
            if response.text.hasPrefix("+") {
                close()
                throw MailError(.protocolError, "\(server) asked for more of \"\(text.prefix(20))\"", detail: response.text)
            }
            responses.append(response)
        }
    }

    /// Writes raw protocol text (a command line, or `DONE` during IDLE).
    func send(_ text: String) throws(MailError) {
        guard let stream else { throw MailError(.connection, "the connection to \(server) is closed") }
        do {
            try stream.write(Array(text.utf8))
        } catch {
            close()
            throw error
        }
    }

    /// One whole response (a line, with any literals it announces and the lines that
    /// continue it). Throws `.connection` after `timeout` seconds without a byte.
    func readResponse(literalLimit: Int, timeout: Double) throws(MailError) -> IMAPResponse {
        var text: [UInt8] = []
        var literals: [[UInt8]?] = []
        while true {
            guard let line = try readLine(waitingUpTo: timeout, failOnTimeout: true) else { continue }
            text += line
            guard let size = IMAPConnection.literalSize(endingAt: line) else { break }
            literals.append(try readLiteral(size, keep: size <= literalLimit, timeout: timeout))
        }
        return IMAPResponse(text: String(decoding: text, as: UTF8.self), literals: literals)
    }

    /// One line without its CRLF, or nil if none arrived within `seconds` (and
    /// `failOnTimeout` is false).
    func readLine(waitingUpTo seconds: Double, failOnTimeout: Bool) throws(MailError) -> [UInt8]? {
        var scanned = head
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { buf in
                guard scanned < buf.count, let p = memchr(buf.baseAddress! + scanned, 10, buf.count - scanned) else { return nil }
                return buf.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if let lf = found {
                var end = lf
                if end > head && buffer[end - 1] == 13 { end -= 1 }
                let line = Array(buffer[head..<end])
                head = lf + 1
                compact()
                return line
            }
            scanned = buffer.count
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                if failOnTimeout { return try timedOut(seconds) }
                return nil
            }
            if try !receive(waitingUpTo: remaining) {
                if failOnTimeout { return try timedOut(seconds) }
                return nil
            }
        }
    }

    private func timedOut(_ seconds: Double) throws(MailError) -> [UInt8]? {
        close()
        throw MailError(.connection, "\(server) did not answer within \(Int(seconds)) s")
    }

    private func readLiteral(_ size: Int, keep: Bool, timeout: Double) throws(MailError) -> [UInt8]? {
        var out: [UInt8] = []
        if keep { out.reserveCapacity(size) }
        var needed = size
        while needed > 0 {
            let available = buffer.count - head
            if available > 0 {
                let n = min(available, needed)
                if keep { out.append(contentsOf: buffer[head..<head + n]) }
                head += n
                needed -= n
                compact()
                continue
            }
            if try !receive(waitingUpTo: timeout) { _ = try timedOut(timeout) }
        }
        return keep ? out : nil
    }

    /// Reads what has arrived into the buffer; false if nothing came within `seconds`.
    private func receive(waitingUpTo seconds: Double) throws(MailError) -> Bool {
        guard let stream else { throw MailError(.connection, "the connection to \(server) is closed") }
        let before = buffer.count
        do {
            guard try stream.receive(into: &buffer, waitingUpTo: seconds) else { return false }
        } catch {
            close()
            throw error
        }
        receivedForCommand += buffer.count - before
        return true
    }

    private func compact() {
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 512 * 1024 {
            buffer.removeSubrange(0..<head)
            head = 0
        }
    }

    /// The size a line announces with a trailing `{n}` (or `{n+}`, RFC 7888).
    static func literalSize(endingAt line: [UInt8]) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }
}
