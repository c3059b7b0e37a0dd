import Foundation
import GRDB

extension Store {
    /// What a backup wrote.
    public struct BackupSummary: Sendable {
        public var path: String
        public var bytes: Int
        /// Rows of the incoming and outgoing logs in the copy (for the admin to compare).
        public var inbound: Int
        public var outbound: Int
    }

    /// A consistent copy of the database into a new single file at `path`, taken while
    /// the daemon may be writing: SQLite's online backup API (through GRDB) reads one
    /// snapshot, so the copy holds every transaction committed before it started and
    /// none after. Written beside the target as `path.partial`, checked with
    /// `PRAGMA integrity_check`, then renamed: a failed backup never leaves a file that
    /// looks like one. An existing file is never overwritten.
    public func backup(to path: String) throws(StoreError) -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError("\(path) exists already; a backup never overwrites a file: name a new one")
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            let (check, inbound, outbound) = try copy.read { db in
                (try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "",
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM inbound_messages") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM outbound_messages") ?? 0)
            }
            try copy.close()
            guard check == "ok" else {
                try? FileManager.default.removeItem(atPath: partial)
                throw StoreError("the backup at \(partial) failed its integrity check; nothing was kept", detail: check)
            }
            guard rename(partial, path) == 0 else {
                throw StoreError("could not rename \(partial) to \(path)", detail: String(cString: strerror(errno)))
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return BackupSummary(path: path, bytes: size, inbound: inbound, outbound: outbound)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            try? FileManager.default.removeItem(atPath: partial)
            throw StoreError("the backup to \(path) failed", detail: "SQLite \(error.resultCode.rawValue): \(error.message ?? "")")
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw StoreError("the backup to \(path) failed", detail: "\(error)")
        }
    }
}
