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
    private let pool: DatabasePool
    /// The file path.
    public let path: String

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
            }
            pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError("could not open the database at \(path)", detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        } catch {
            throw StoreError("could not open the database at \(path)", detail: "\(error)")
        }
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
                } catch {
                    // Some errors (SQLITE_FULL, SQLITE_IOERR…) roll back by themselves.
                    if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
                    throw error
                }
                return result
            }
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

/// The queries and writes Parley makes, inside one transaction.
public struct StoreTransaction {
    let db: Database

    /// Runs `body` in a savepoint: if it throws, its writes are undone and the error
    /// rethrown, while the enclosing transaction goes on.
    ///
    /// Inside a transaction the three statements are kept prepared (the ingest opens one
    /// savepoint per message, and compiling them each time was a visible share of it).
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        guard db.isInsideTransaction else {
            var result: T?
            try db.inSavepoint {
                result = try body()
                return .commit
            }
            return result!
        }
        try db.cachedStatement(sql: "SAVEPOINT parley").execute()
        let result: T
        do {
            result = try body()
        } catch {
            try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT parley").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT parley").execute()
            throw error
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT parley").execute()
        return result
    }
}
