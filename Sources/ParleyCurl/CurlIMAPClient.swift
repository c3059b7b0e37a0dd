// IMAP4rev1 (RFC 3501) through libcurl 7.88, around its known traps:
import Foundation
// - `;UID=n` URL fetches send BODY[] and set \Seen, so Parley keeps its own state;
// - `?SEARCH` URLs return sequence numbers, so UID SEARCH is a custom request;
// - long response lines are cut at half of CURLOPT_BUFFERSIZE, so the buffer is raised
//   and ESEARCH (RFC 4731) ranges keep the line short;
// - custom SELECT desynchronises libcurl's remembered mailbox, so every request names
//   the mailbox in its URL.
import CCurl
import ParleyCore

/// An IMAP mailbox reached through one reused libcurl connection.
public final class CurlIMAPClient: MailboxClient {
    private let curl: CurlHandle
    private let base: String
    /// The mailbox this client reads (e.g. `INBOX`).
    public let mailbox: String
    private let server: String
    private var capabilities: Set<String>?
    private var knownFolders: Set<String> = []

    /// - Parameter options: `url` names the server and the mailbox: `imap://host:port/INBOX`.
    public init(options: ServerOptions) throws(MailError) {
        guard let parsed = CurlIMAPClient.split(options.url) else {
            throw MailError(.invalidInput, "mailbox url \"\(options.url)\" is not of the form imap://host:port/MAILBOX or imaps://host:port/MAILBOX")
        }
        base = parsed.base
        mailbox = parsed.mailbox
        server = parsed.base
        curl = try CurlHandle()
        curl.configure(options)
        // Long untagged lines (a big SEARCH) are truncated at half the buffer.
        curl.setPersistent(CURLOPT_BUFFERSIZE, 512 * 1024)
    }

    public static func split(_ url: String) -> (base: String, mailbox: String)? {
        let lower = url.lowercased()
        guard lower.hasPrefix("imap://") || lower.hasPrefix("imaps://") else { return nil }
        let schemeEnd = url.range(of: "://")!.upperBound
        let rest = url[schemeEnd...]
        guard let slash = rest.firstIndex(of: "/") else { return (url, "INBOX") }
        var box = String(rest[rest.index(after: slash)...])
        if box.isEmpty { box = "INBOX" }
        box = box.removingPercentEncoding ?? box
        return (String(url[..<slash]), box)
    }

    private func mailboxURL(_ name: String) -> String {
        base + "/" + name.addingPercentEncoding(withAllowedCharacters: .imapPath)!
    }

    /// Runs a custom command; returns its untagged response lines.
    private func command(_ text: String, on mailboxName: String?) throws(MailError) -> [String] {
        let sink = TransferSink()
        let url = mailboxName.map(mailboxURL) ?? (base + "/")
        // libcurl URL-decodes custom requests: a literal % must be written %25.
        let (code, message) = curl.perform(url: url, customRequest: text.replacingOccurrences(of: "%", with: "%25"), sink: sink)
        guard code == CURLE_OK else {
            let tagged = sink.lines.last { !$0.hasPrefix("*") }?.trimmingCharacters(in: .whitespacesAndNewlines)
            var error = CurlHandle.error(code, message, server: server)
            error.detail = "\(text.split(separator: " ").prefix(2).joined(separator: " ")): " + (error.detail ?? "")
            if code == CURLE_QUOTE_ERROR {
                error = MailError(.protocolError, "\(server) refused \"\(text.split(separator: " ").prefix(2).joined(separator: " "))\"", detail: tagged ?? message)
            }
            throw error
        }
        return String(decoding: sink.body, as: UTF8.self).split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }).map(String.init)
    }

    public func status() throws(MailError) -> MailboxStatus {
        // This connection keeps the mailbox selected, and Dovecot answers STATUS for the
        // selected mailbox from its last view of it: a message delivered since would be
        // missed (seen here: an IDLE wake-up followed by a pass that found nothing). NOOP
        // makes the server re-read the mailbox first (RFC 3501 §6.1.2).
        _ = try command("NOOP", on: mailbox)
        let lines = try command("STATUS \(IMAPSyntax.quoted(mailbox)) (UIDVALIDITY UIDNEXT MESSAGES)", on: nil)
        guard let line = lines.first(where: { $0.hasPrefix("* STATUS") }),
              let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")") else {
            throw MailError(.protocolError, "\(server) gave no STATUS for \(mailbox)", detail: lines.joined(separator: " | "))
        }
        let items = line[line.index(after: open)..<close].split(separator: " ")
        var values: [String: UInt32] = [:]
        var i = 0
        while i + 1 < items.count {
            values[items[i].uppercased()] = UInt32(items[i + 1])
            i += 2
        }
        guard let validity = values["UIDVALIDITY"], let next = values["UIDNEXT"] else {
            throw MailError(.protocolError, "\(server) gave an incomplete STATUS for \(mailbox)", detail: line)
        }
        return MailboxStatus(uidValidity: validity, uidNext: next, messages: Int(values["MESSAGES"] ?? 0))
    }

    public func uids(after: UInt32) throws(MailError) -> [UInt32] {
        let lines = try command("UID SEARCH RETURN (ALL) UID \(after &+ 1):*", on: mailbox)
        var result: [UInt32] = []
        for line in lines {
            if line.hasPrefix("* ESEARCH") {
                let words = line.split(separator: " ")
                if let all = words.firstIndex(where: { $0.uppercased() == "ALL" }), all + 1 < words.count {
                    result += IMAPSyntax.sequenceSet(words[all + 1])
                }
            } else if line.hasPrefix("* SEARCH") {
                result += line.split(separator: " ").dropFirst(2).compactMap { UInt32($0) }
            }
        }
        // `n:*` always matches the highest UID, even when it is below n (RFC 3501 §6.4.8).
        return result.filter { $0 > after }.sorted()
    }

    public func sizes(of uids: [UInt32]) throws(MailError) -> [UInt32: Int] {
        var sizes: [UInt32: Int] = [:]
        // libcurl 7.88 counts response lines against its 300 KB header limit roughly
        // quadratically in their number (for each line it counts what is still buffered:
        // 100 lines of 30 bytes were counted as 195 KB, 200 lines failed with error 56).
        // Every command here therefore asks for at most 50 lines of answer.
        var start = 0
        let sorted = uids.sorted()
        while start < sorted.count {
            let chunk = Array(sorted[start..<min(start + 50, sorted.count)])
            let lines = try command("UID FETCH \(IMAPSyntax.sequenceSet(chunk)) (UID RFC822.SIZE)", on: mailbox)
            for line in lines where line.hasPrefix("* ") && line.contains("FETCH") {
                let words = line.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: ")", with: " ").split(separator: " ")
                var uid: UInt32?
                var size: Int?
                for (i, w) in words.enumerated() where i + 1 < words.count {
                    if w.uppercased() == "UID" { uid = UInt32(words[i + 1]) }
                    if w.uppercased() == "RFC822.SIZE" { size = Int(words[i + 1]) }
                }
                if let uid, let size { sizes[uid] = size }
            }
            start += 50
        }
        return sizes
    }

    /// Marks messages \Seen in one command. libcurl's URL fetch sets \Seen anyway, one
    /// Dovecot transaction per message; doing it in bulk first makes those fetches cheap.
    public func markSeen(_ uids: [UInt32]) throws(MailError) {
        guard !uids.isEmpty else { return }
        _ = try command("UID STORE \(IMAPSyntax.sequenceSet(uids)) +FLAGS.SILENT (\\Seen)", on: mailbox)
    }

    public func fetch(uid: UInt32) throws(MailError) -> [UInt8] {
        try fetch(uid: uid, limit: Int.max)
    }

    /// Fetches one message's exact bytes; fails once more than `limit` bytes arrive.
    public func fetch(uid: UInt32, limit: Int) throws(MailError) -> [UInt8] {
        let sink = TransferSink()
        sink.bodyLimit = limit
        let (code, message) = curl.perform(url: mailboxURL(mailbox) + "/;UID=\(uid)", customRequest: nil, sink: sink)
        if sink.overLimit {
            throw MailError(.invalidInput, "message \(uid) is larger than \(limit) bytes")
        }
        guard code == CURLE_OK else { throw CurlHandle.error(code, message, server: server) }
        return sink.body
    }

    public func move(uids: [UInt32], to folder: String) throws(MailError) {
        guard !uids.isEmpty else { return }
        try ensureFolder(folder)
        // Each moved message is answered with an EXPUNGE line: keep every answer short
        // (see `sizes(of:)` on libcurl's header counting).
        let sorted = uids.sorted()
        var start = 0
        while start < sorted.count {
            try moveChunk(Array(sorted[start..<min(start + 50, sorted.count)]), to: folder)
            start += 50
        }
    }

    private func moveChunk(_ uids: [UInt32], to folder: String) throws(MailError) {
        let set = IMAPSyntax.sequenceSet(uids)
        if try capabilitySet().contains("MOVE") {
            // RFC 6851: one command moves the whole set.
            _ = try command("UID MOVE \(set) \(IMAPSyntax.quoted(folder))", on: mailbox)
        } else {
            // RFC 3501 without MOVE: copy, flag deleted, expunge just those UIDs where
            // UIDPLUS (RFC 4315) allows it.
            _ = try command("UID COPY \(set) \(IMAPSyntax.quoted(folder))", on: mailbox)
            _ = try command("UID STORE \(set) +FLAGS.SILENT (\\Deleted)", on: mailbox)
            if try capabilitySet().contains("UIDPLUS") {
                _ = try command("UID EXPUNGE \(set)", on: mailbox)
            } else {
                _ = try command("EXPUNGE", on: mailbox)
            }
        }
    }

    /// Creates a folder unless it exists.
    public func ensureFolder(_ folder: String) throws(MailError) {
        if knownFolders.contains(folder) { return }
        let lines = try command("LIST \"\" \(IMAPSyntax.quoted(folder))", on: nil)
        if !lines.contains(where: { $0.hasPrefix("* LIST") }) {
            _ = try command("CREATE \(IMAPSyntax.quoted(folder))", on: nil)
        }
        knownFolders.insert(folder)
    }

    private func capabilitySet() throws(MailError) -> Set<String> {
        if let capabilities { return capabilities }
        let lines = try command("CAPABILITY", on: nil)
        var caps = Set<String>()
        for line in lines where line.hasPrefix("* CAPABILITY") {
            for word in line.split(separator: " ").dropFirst(2) { caps.insert(word.uppercased()) }
        }
        capabilities = caps
        return caps
    }

    /// Whether the server advertises IDLE (RFC 2177).
    public func supportsIdle() throws(MailError) -> Bool {
        try capabilitySet().contains("IDLE")
    }

    /// Checks that the server answers and accepts the login; returns the mailbox status.
    public func check() throws(MailError) -> MailboxStatus {
        try status()
    }
}
