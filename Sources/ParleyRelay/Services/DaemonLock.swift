import Foundation

/// One ingesting and sending process per database: `parley serve` and `parley poll`
/// hold an exclusive `flock(2)` on `DATABASE.lock` for their whole life.
///
/// Two daemons on one database each sent the same notifications (an admin who started
/// a second `serve` by mistake saw about 490 of 600 go out twice): the outbox's "at
/// most one duplicate per crash" rests on one sender. The kernel drops the lock when
/// the process ends, however it ends (SIGKILL included), so a crash never leaves a
/// stale lock behind; the pid written in the file only serves the error message.
public final class DaemonLock {
    private let fd: Int32
    /// The lock file's path.
    public let path: String

    /// Takes the lock or throws a message naming the process that holds it.
    public init(databasePath: String, command: String) throws {
        path = databasePath + ".lock"
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DaemonLockError("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw DaemonLockError("another Parley process (\(holder.isEmpty ? "pid unknown" : holder)) is already using the database \(databasePath); only one `parley serve` or `parley poll` may run on a database at a time: stop the other one first")
        }
        let text = "pid \(getpid()), parley \(command)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// The lock is held by another process, or cannot be taken.
public struct DaemonLockError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
