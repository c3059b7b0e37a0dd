import Foundation
import ParleyCore
import ParleyMail

/// The IMAP side of an ingest pass, on its own thread: fetches and reads (parses,
/// extracts, classifies) each batch ahead of the thread that decides and commits, and
/// moves each batch out of the inbox once the other thread says it is committed.
///
/// The IMAP connection belongs to this reader from `run()` until `finish()` returns,
/// so a libcurl handle is never used by two threads at once. Moves happen only after
/// the commit (the caller hands them over then) and in commit order; a crash between
/// the two leaves messages whose outcome is recorded in the inbox, which the next pass
/// moves without processing them again.
final class BatchReader: @unchecked Sendable {
    private let client: any MailboxClient
    private let mailbox: ParleyConfig.Mailbox
    private let sizes: [UInt32: Int]
    private let ownAddresses: [String]
    /// Work on each message that needs no database, done here rather than on the
    /// thread that decides (the reply token's lookup).
    private let prepare: (inout ReadMail) -> Void
    private let batches: [[UInt32]]
    /// How far reading may run ahead of the batch being committed: up to 12 batches
    /// (more than one round of moves, which blocks this thread while the server works
    /// through a few thousand messages) and 64 MiB of mail.
    private let ahead = 12
    private let aheadBytes = 64 << 20
    private var readyBytes = 0

    private let condition = NSCondition()
    private var ready: [Int: Result<[(UInt32, Ingestor.Fetched)], MailError>] = [:]
    private var moves: [(UInt32, Bool)] = []
    /// Committed messages moved per round of MOVE commands.
    private let moveAtOnce = 2500
    private var finished = false
    private var exited = false
    private var taken = 0
    private var moved = 0
    private var moveError: MailError?

    init(client: any MailboxClient, mailbox: ParleyConfig.Mailbox, sizes: [UInt32: Int], ownAddresses: [String],
         prepare: @escaping (inout ReadMail) -> Void = { _ in }, batches: [[UInt32]]) {
        self.client = client
        self.mailbox = mailbox
        self.sizes = sizes
        self.ownAddresses = ownAddresses
        self.prepare = prepare
        self.batches = batches
    }

    /// The reader thread's loop: reading ahead, and moving committed messages out of the
    /// inbox once 2,500 are waiting or nothing is left to read (a MOVE costs the
    /// server a mailbox sync whatever its size: 0.30 ms of Dovecot CPU per message in
    /// moves of 100, 0.13 in moves of 1,000, 0.08 in one move of 10,000).
    func run() {
        var next = 0
        var readFailed = false
        condition.lock()
        while true {
            let readingDone = readFailed || moveError != nil || next >= batches.count
            if !moves.isEmpty && (moves.count >= moveAtOnce || readingDone || finished) {
                let items = moves
                moves.removeAll()
                condition.unlock()
                let error = move(items)
                condition.lock()
                if let error {
                    if moveError == nil { moveError = error }
                    moves.removeAll()
                    readFailed = true
                } else {
                    moved += items.count
                }
                condition.broadcast()
                continue
            }
            if finished { break }
            if !readingDone && (next <= taken || (next < taken + ahead && readyBytes < aheadBytes)) {
                let index = next
                next += 1
                condition.unlock()
                let result = read(batches[index])
                condition.lock()
                if case .failure = result { readFailed = true }
                readyBytes += BatchReader.bytes(result)
                ready[index] = result
                condition.broadcast()
                continue
            }
            condition.wait()
        }
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    /// Batch `index`, once read; throws what fetching it (or an earlier move) threw.
    func take(_ index: Int) throws(MailError) -> [(UInt32, Ingestor.Fetched)] {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil && moveError == nil && !exited { condition.wait() }
        if let moveError { throw moveError }
        guard let result = ready.removeValue(forKey: index) else {
            throw MailError(.protocolError, "the IMAP reader stopped before batch \(index)")
        }
        taken = index + 1
        readyBytes -= BatchReader.bytes(result)
        condition.broadcast()
        return try result.get()
    }

    private static func bytes(_ result: Result<[(UInt32, Ingestor.Fetched)], MailError>) -> Int {
        guard case .success(let items) = result else { return 0 }
        return items.reduce(0) { total, item in
            if case .mail(let mail) = item.1 { return total + mail.raw.count }
            return total
        }
    }

    /// Hands over a committed batch: (uid, rejected) pairs.
    func moveOut(_ items: [(UInt32, Bool)]) {
        condition.lock()
        moves += items
        condition.broadcast()
        condition.unlock()
    }

    /// Lets the reader do the moves handed over, stops it and waits for it; returns how
    /// many messages it moved, or throws the first move failure. Safe to call twice.
    @discardableResult
    func finish() throws(MailError) -> Int {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        condition.broadcast()
        while !exited { condition.wait() }
        if let moveError {
            self.moveError = nil
            throw moveError
        }
        let n = moved
        moved = 0
        return n
    }

    /// Marks the messages \Seen (Parley fetched them with BODY.PEEK[]; read mail should
    /// read as read in the admin's client) and moves them. Done here, with the moves,
    /// rather than before the pass: a STORE over a 10,000-message backlog held up its
    /// start by 0.3 s.
    private func move(_ items: [(UInt32, Bool)]) -> MailError? {
        do {
            try client.markSeen(items.map(\.0))
            try client.move(uids: items.filter { !$0.1 }.map(\.0), to: mailbox.processedFolder)
            try client.move(uids: items.filter { $0.1 }.map(\.0), to: mailbox.rejectedFolder)
            return nil
        } catch {
            return error
        }
    }

    /// Fetches a batch in as few commands as its size allows (at most 16 MiB per
    /// command) and reads each message.
    private func read(_ batch: [UInt32]) -> Result<[(UInt32, Ingestor.Fetched)], MailError> {
        let limit = mailbox.maxMessageSize
        var found: [UInt32: FetchedMessage] = [:]
        var group: [UInt32] = []
        var groupBytes = 0
        do {
            for uid in batch {
                let size = sizes[uid] ?? 0
                if size > limit { continue }
                group.append(uid)
                groupBytes += size
                if groupBytes >= 16 << 20 {
                    found.merge(try client.fetch(uids: group, limit: limit)) { $1 }
                    group.removeAll()
                    groupBytes = 0
                }
            }
            if !group.isEmpty { found.merge(try client.fetch(uids: group, limit: limit)) { $1 } }
        } catch {
            return .failure(error)
        }
        var fetched: [(UInt32, Ingestor.Fetched)] = []
        fetched.reserveCapacity(batch.count)
        for uid in batch {
            if let size = sizes[uid], size > limit {
                fetched.append((uid, .tooLarge(size)))
                continue
            }
            switch found[uid] {
            case .bytes(let raw):
                var mail = ReadMail(raw: raw, ownAddresses: ownAddresses)
                prepare(&mail)
                fetched.append((uid, .mail(mail)))
            case .tooLarge(let size): fetched.append((uid, .tooLarge(size)))
            // Expunged by another client since the search: nothing arrived to record.
            case nil: break
            }
        }
        return .success(fetched)
    }
}
