// IMAP4rev1 (RFC 3501) on one connection per mailbox that libcurl 7.88 opens, secures
// and logs in (CURLOPT_CONNECT_ONLY); the commands are spoken by `IMAPConnection`,
// which sidesteps libcurl's custom-request traps (FACTS.md: literals cut short, long
// lines truncated, answers over ~100 lines refused, a custom SELECT desynchronising
// its remembered mailbox) and lets one command fetch or move many messages.
// Fetches use BODY.PEEK[]: IMAP flags are never Parley's state (it is in the database).
import CCurl
import Foundation
import ParleyCore

/// An IMAP mailbox reached through one reused connection, the mailbox selected.
public final class CurlIMAPClient: MailboxClient {
    private let connection: IMAPConnection
    /// The mailbox this client reads (e.g. `INBOX`).
    public let mailbox: String
    private let server: String
    private var capabilities: Set<String>?
    private var knownFolders: Set<String> = []
    /// UIDs per bulk FETCH of bodies (keeps answers short).
    static let chunk = 1000
    /// Characters of UID set per STORE, MOVE, COPY or EXPUNGE command: a run of
    /// consecutive UIDs is one range, so a backlog usually goes in one command, which
    /// costs the server one mailbox sync (Dovecot spent 0.30 ms per message moved in
    /// hundreds, 0.12 in thousands, 0.08 all at once); scattered UIDs split it well
    /// below Dovecot's 64 KiB command line.
    static let setLength = 8_000

    /// - Parameter options: `url` names the server and the mailbox: `imap://host:port/INBOX`.
    public init(options: ServerOptions) throws(MailError) {
        guard let parsed = CurlIMAPClient.split(options.url) else {
            throw MailError(.invalidInput, "mailbox url \"\(options.url)\" is not of the form imap://host:port/MAILBOX or imaps://host:port/MAILBOX")
        }
        mailbox = parsed.mailbox
        server = parsed.base
        connection = IMAPConnection(options: options, base: parsed.base, selecting: parsed.mailbox)
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

    /// Runs a command; returns its untagged response lines.
    private func command(_ text: String) throws(MailError) -> [String] {
        try connection.command(text).map(\.text)
    }

    /// Runs a command once per UID set of at most `setLength` characters (`{set}` in
    /// `template` is replaced).
    private func chunked(_ uids: [UInt32], _ template: String, _ each: ([IMAPResponse]) -> Void = { _ in }) throws(MailError) {
        for set in IMAPSyntax.sequenceSets(uids, maxLength: CurlIMAPClient.setLength) {
            each(try connection.command(template.replacingOccurrences(of: "{set}", with: set)))
        }
    }

    public func status() throws(MailError) -> MailboxStatus {
        // This connection keeps the mailbox selected, and Dovecot answers STATUS for the
        // selected mailbox from its last view of it: a message delivered since would be
        // missed (seen here: an IDLE wake-up followed by a pass that found nothing). NOOP
        // makes the server re-read the mailbox first (RFC 3501 §6.1.2).
        _ = try command("NOOP")
        let lines = try command("STATUS \(IMAPSyntax.quoted(try connection.serverName(mailbox))) (UIDVALIDITY UIDNEXT MESSAGES)")
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
        // UNDELETED: mail another client flagged \Deleted was meant to be thrown away; it
        // is neither processed nor moved (and Parley never expunges it). Without UIDPLUS
        // Parley leaves its own moved copies flagged too: this skips them.
        // ESEARCH (RFC 4731) answers with ranges; servers without it (Courier) list UIDs.
        let returnAll = try capabilitySet().contains("ESEARCH") ? "RETURN (ALL) " : ""
        let lines = try command("UID SEARCH \(returnAll)UID \(after &+ 1):* UNDELETED")
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
        try chunked(uids, "UID FETCH {set} (UID RFC822.SIZE)") { responses in
            for response in responses where response.text.hasPrefix("* ") {
                let words = IMAPSyntax.fetchWords(response.text)
                if let uid = IMAPSyntax.value(after: "UID", in: words).flatMap({ UInt32($0) }),
                   let size = IMAPSyntax.value(after: "RFC822.SIZE", in: words).flatMap({ Int($0) }) {
                    sizes[uid] = size
                }
            }
        }
        return sizes
    }

    /// Marks messages \Seen, as few commands as the UID sets allow: processed mail reads
    /// as read in the admin's mail client (Parley's own state is in the database).
    public func markSeen(_ uids: [UInt32]) throws(MailError) {
        try chunked(uids, "UID STORE {set} +FLAGS.SILENT (\\Seen)")
    }

    public func fetch(uid: UInt32, limit: Int) throws(MailError) -> [UInt8] {
        switch try fetch(uids: [uid], limit: limit)[uid] {
        case .bytes(let bytes): return bytes
        case .tooLarge(let size): throw MailError(.invalidInput, "message \(uid) is larger than \(limit) bytes (\(size))")
        case nil: throw MailError(.protocolError, "\(server) has no message with UID \(uid) in \(mailbox)")
        }
    }

    /// Fetches the exact bytes of many messages with one `UID FETCH … (UID BODY.PEEK[])`
    /// per thousand; a message over `limit` bytes is read past and reported with its
    /// size. UIDs no longer in the mailbox are absent from the result.
    public func fetch(uids: [UInt32], limit: Int) throws(MailError) -> [UInt32: FetchedMessage] {
        var out: [UInt32: FetchedMessage] = [:]
        out.reserveCapacity(uids.count)
        let sorted = uids.sorted()
        var start = 0
        while start < sorted.count {
            let set = IMAPSyntax.sequenceSet(Array(sorted[start..<min(start + CurlIMAPClient.chunk, sorted.count)]))
            start += CurlIMAPClient.chunk
            for response in try connection.command("UID FETCH \(set) (UID BODY.PEEK[])", literalLimit: limit) where response.text.hasPrefix("* ") {
                let words = IMAPSyntax.fetchWords(response.text)
                guard let uid = IMAPSyntax.value(after: "UID", in: words).flatMap({ UInt32($0) }),
                      let body = IMAPSyntax.value(after: "BODY[]", in: words) else { continue }
                if let literal = response.literals.first {
                    if let bytes = literal {
                        out[uid] = .bytes(bytes)
                    } else {
                        out[uid] = .tooLarge(Int(body.dropFirst().dropLast()) ?? limit + 1)
                    }
                } else if body == "\"\"" || body.uppercased() == "NIL" {
                    out[uid] = .bytes([])
                }
            }
        }
        return out
    }

    public func move(uids: [UInt32], to folder: String) throws(MailError) {
        guard !uids.isEmpty else { return }
        let target = IMAPSyntax.quoted(try ensureFolder(folder))
        let caps = try capabilitySet()
        if caps.contains("MOVE") {
            // RFC 6851: one command moves the whole set.
            try chunked(uids, "UID MOVE {set} \(target)")
        } else {
            // RFC 3501 without MOVE: copy, then flag deleted; expunge just those UIDs
            // where UIDPLUS (RFC 4315) allows it. Never a bare EXPUNGE: it would also
            // remove mail another client flagged \Deleted. Without UIDPLUS the originals
            // stay flagged in the inbox, and the UNDELETED search of ``uids(after:)``
            // passes over them (the admin's client or an expunge at logout removes them).
            try chunked(uids, "UID COPY {set} \(target)")
            try chunked(uids, "UID STORE {set} +FLAGS.SILENT (\\Deleted)")
            if caps.contains("UIDPLUS") {
                try chunked(uids, "UID EXPUNGE {set}")
            }
        }
    }

    /// Creates a folder (written with `/`, ``IMAPFolderNames``) unless it exists, and
    /// returns the server's name for it. A folder the server marks special-use (RFC
    /// 6154: Trash, Junk, Sent, Drafts, All, Archive, Flagged) is refused: Parley never
    /// moves mail into the admin's own folders.
    @discardableResult
    public func ensureFolder(_ folder: String) throws(MailError) -> String {
        let name = try connection.serverName(folder)
        if knownFolders.contains(name) { return name }
        let found = try inspectFolder(folder)
        if !found.exists { _ = try command("CREATE \(IMAPSyntax.quoted(name))") }
        knownFolders.insert(name)
        return name
    }

    /// What the server has under a folder name written with `/`: its own name for it and
    /// whether it exists; throws for a name that cannot be mapped or that is a
    /// special-use folder.
    public func inspectFolder(_ folder: String) throws(MailError) -> (serverName: String, exists: Bool) {
        let name = try connection.serverName(folder)
        let caps = try capabilitySet()
        let returnOption = caps.contains("SPECIAL-USE") && caps.contains("LIST-EXTENDED") ? " RETURN (SPECIAL-USE)" : ""
        let entries = try command("LIST \"\" \(IMAPSyntax.quoted(name))\(returnOption)").compactMap(IMAPFolderNames.listEntry)
        guard let entry = entries.first else { return (name, false) }
        if let use = entry.attributes.first(where: { IMAPFolderNames.specialUse.contains($0.uppercased()) }) {
            throw MailError(.invalidInput, "folder \"\(folder)\" is the server's \(use) folder (\(name)); Parley never moves mail into a special-use folder: name another one in the config")
        }
        let selectable = !entry.attributes.contains { $0.uppercased() == "\\NOSELECT" || $0.uppercased() == "\\NONEXISTENT" }
        return (name, selectable)
    }

    /// The server's names for folders as the config writes them; throws for a name
    /// that cannot be mapped (``IMAPFolderNames/serverName(for:)``).
    public func serverName(_ folder: String) throws(MailError) -> String {
        try connection.serverName(folder)
    }

    private func capabilitySet() throws(MailError) -> Set<String> {
        if let capabilities { return capabilities }
        let lines = try command("CAPABILITY")
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
