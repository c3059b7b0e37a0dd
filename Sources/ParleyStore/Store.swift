// SQLite through GRDB: one file, WAL mode, migrations applied on open. The rest of
// Parley sees records and a transaction object, never GRDB's Database directly.
import Foundation
import GRDB
import ParleyCore

/// A failure of the database, with SQLite's own words kept.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var detail: String?

    public init(_ message: String, detail: String? = nil) {
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.map { "\(message) (\($0))" } ?? message }
}

/// The Parley database.
public final class Store: Sendable {
    let pool: DatabasePool
    private let checkpointer: Checkpointer?
    /// The file path.
    public let path: String
    private let commitCounter = CommitCounter()

    /// Write transactions committed through this object (tests count what an operation
    /// writes: a feed's 304 must write nothing).
    public var commits: Int { commitCounter.value }

    /// Opens (creating if needed) the database file and applies migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Savepoints keep the pages they change in a statement journal, a temp
                // file once it passes 64 KiB: an ingest batch (a savepoint per message)
                // wrote it with a system call per page. In memory it is a copy.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                // WAL checkpoints run on a thread of their own (`Checkpointer`); the
                // writer checkpoints only if that falls behind by 8,000 pages (32 MiB).
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)")
            }
            pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator.migrate(pool)
            checkpointer = Checkpointer(path: path)
        } catch let error as DatabaseError {
            throw StoreError("could not open the database at \(path)", detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        } catch {
            throw StoreError("could not open the database at \(path)", detail: "\(error)")
        }
    }

    deinit {
        checkpointer?.stop()
    }

    /// Runs `body` in one write transaction; everything in it commits or nothing does.
    ///
    /// BEGIN, COMMIT and ROLLBACK are kept prepared: GRDB's own transaction compiled
    /// them for every write, and the outbox makes one write per message sent (its
    /// outcome must commit before the next message goes out).
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
                let result: T
                do {
                    result = try body(StoreTransaction(db: db))
                    try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
                    commitCounter.increment()
                    checkpointer?.wrote()
                } catch {
                    // Some errors (SQLITE_FULL, SQLITE_IOERR…) roll back by themselves.
                    if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
                    throw error
                }
                return result
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw StoreError("the disk holding the database \(path) is full: free space there; nothing is lost meanwhile, Parley retries",
                             detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        } catch let error as DatabaseError {
            throw StoreError("a database write failed", detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        }
    }

    /// Runs `body` in a read-only snapshot.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(StoreTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError("a database read failed", detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        }
    }
}

final class CommitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// Copies the write-ahead log into the database file on its own thread and connection,
/// a quarter of a second after writes, so that the writer does not: SQLite's automatic
/// checkpoint ran on the committing thread every 1,000 pages — during an ingest about
/// once per batch — copying pages and waiting for two fsyncs each time (7% of the
/// writer's CPU and most of its waits on the disk). A PASSIVE checkpoint takes no lock
/// that the writer or the readers wait for; the writer's own automatic checkpoint stays
/// as a backstop at 8,000 pages, and it lets the log start over once all is copied.
final class Checkpointer: @unchecked Sendable {
    static let backstopPages = 8_000
    private let queue: DatabaseQueue
    private let condition = NSCondition()
    private var pending = false
    private var stopped = false

    init?(path: String) {
        var config = Configuration()
        // Only the RESTART checkpoint waits (for the writer's transaction in hand);
        // PASSIVE ones never do.
        config.busyMode = .timeout(2)
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return nil }
        self.queue = queue
        let thread = Thread { [self] in
            ThreadName.set("parley-ckpt")
            loop()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Called after each commit.
    func wrote() {
        condition.lock()
        if !pending {
            pending = true
            condition.signal()
        }
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while !stopped {
            if !pending {
                condition.wait()
                continue
            }
            condition.unlock()
            usleep(250_000)
            condition.lock()
            pending = false
            condition.unlock()
            // BUSY (another checkpoint running) or any other failure: the next write
            // asks again, and the writer's backstop keeps the log bounded meanwhile.
            let frames = (try? queue.writeWithoutTransaction { try $0.checkpoint(.passive) })?.walFrameCount ?? 0
            // A writer that commits without pause never finds the log fully copied, so
            // the log never starts over, passes the backstop, and from then on the
            // writer checkpoints after every commit (two fsyncs each). Past a quarter of
            // the backstop, a RESTART waits for the transaction in hand, copies the few
            // frames the passive checkpoint left and lets the next writer start the log
            // over; it holds the writer back only for that copy.
            if frames > Checkpointer.backstopPages / 4 {
                _ = try? queue.writeWithoutTransaction { try $0.checkpoint(.restart) }
            }
            condition.lock()
        }
        condition.unlock()
    }
}

/// Rows read or written earlier in one transaction: a published reply looked its author
/// up three times (the token's recipient, the trust update, the notification) and its
/// conversation's partners twice, and an ingest batch of a hundred replies to one post
/// read that post, its subscribers and their opt-outs a hundred times and asked for
/// its view update as often. Every write of these rows goes through
/// ``StoreTransaction``, which updates or empties the cache; a rolled-back savepoint
/// empties all of it.
final class TransactionCache {
    var persons: [Int64: PersonRecord] = [:]
    /// Person ids by `emailKey` (which never changes).
    var personIds: [String: Int64] = [:]
    /// Conversation partners, by conversation (written only by `insertConversation`).
    var partners: [String: [Int64]] = [:]
    /// View updates requested in this transaction, by post.
    var viewRequests: Set<String> = []
    /// Posts by id, and their ids by number (written by `insertPost` and `update(post)`).
    var posts: [String: PostRecord] = [:]
    var postIds: [Int64: String] = [:]
    /// `threadMessageIDs` answers, by "post / comment ids", emptied by every outbound
    /// insert or update (an ingest batch inserts its notifications after all decisions).
    var threadMessageIDs: [String: [KnownMessageID]] = [:]
    /// Subscription reads, emptied by every subscription write.
    var subscriptions = SubscriptionReads()

    struct SubscriptionReads {
        /// Active subscribers, by "post id / conversation id".
        var subscribers: [String: [SubscriptionRecord]] = [:]
        /// Inactive subscriptions (opt-outs), by person; people without any map to [].
        var optOuts: [Int64: [SubscriptionRecord]] = [:]
        var wantsReplies: [Int64: Bool] = [:]
        /// `hasSubscription`, by "person id / scope".
        var has: [String: Bool] = [:]
    }

    func clear() {
        persons.removeAll()
        personIds.removeAll()
        partners.removeAll()
        viewRequests.removeAll()
        posts.removeAll()
        postIds.removeAll()
        threadMessageIDs.removeAll()
        subscriptions = SubscriptionReads()
    }
}

/// The queries and writes Parley makes, inside one transaction.
public struct StoreTransaction {
    let db: Database
    /// Rows read earlier in this transaction (see ``TransactionCache``).
    let cache = TransactionCache()

    /// Runs `body` in a savepoint: if it throws, its writes are undone and the error
    /// rethrown, while the enclosing transaction goes on.
    ///
    /// Inside a transaction the three statements are kept prepared (the ingest opens one
    /// savepoint per message, and compiling them each time was a visible share of it).
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        guard db.isInsideTransaction else {
            var result: T?
            do {
                try db.inSavepoint {
                    result = try body()
                    return .commit
                }
            } catch {
                cache.clear()
                throw error
            }
            return result!
        }
        try db.cachedStatement(sql: "SAVEPOINT parley").execute()
        let result: T
        do {
            result = try body()
        } catch {
            cache.clear()
            try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT parley").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT parley").execute()
            throw error
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT parley").execute()
        return result
    }
}
