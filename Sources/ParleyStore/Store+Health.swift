import Foundation
import GRDB

extension Store {
    /// Whether the database file is usable now, for `/healthz`: opens a new connection to
    /// the file (so a file removed, replaced or damaged under the daemon's open
    /// connections shows), reads the schema and one table, and asks the pool to read.
    public func probe() throws(StoreError) {
        do {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError("the database file \(path) is missing")
            }
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(2)
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT 1 FROM outbound_messages LIMIT 1)")
            }
            try queue.close()
            _ = try read { tx in try tx.outboxDepth() }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError("the database \(path) is not usable", detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        } catch {
            throw StoreError("the database \(path) is not usable", detail: "\(error)")
        }
    }
}

extension StoreTransaction {
    /// Outbound messages waiting to be sent (queued or deferred), for `/metrics`.
    public func outboxDepth() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM outbound_messages WHERE status IN ('queued', 'deferred')") ?? 0
    }
}
