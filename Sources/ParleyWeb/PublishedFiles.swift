import Foundation
import NIOCore
import ParleyRelay
#if canImport(Glibc)
import Glibc
#endif

/// The published view files as the HTTP server answers them: each file's bytes kept in
/// one buffer, shared by every response, for as long as the file is the same file (its
/// device, inode, size and modification time, checked with a `stat` per request). The
/// publish stage replaces a file by renaming a new one over it, so a rewrite is seen at
/// the next request; nothing has to be told. At most `limit` files are kept.
final class PublishedFiles: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private struct Entry {
        var identity: [Int64]
        var buffer: ByteBuffer
        var etag: String
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    let limit = 512

    /// The file's bytes and ETag, or nil when it cannot be read.
    func get(_ path: String) -> (ByteBuffer, String)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let identity = [Int64(info.st_dev), Int64(info.st_ino), Int64(info.st_size),
                        Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
        if let hit = lock.withLock({ entries[path] }), hit.identity == identity { return (hit.buffer, hit.etag) }
        guard let view = Relay.readFile(path) else { return nil }
        let entry = Entry(identity: identity, buffer: ByteBuffer(bytes: view.bytes), etag: view.etag)
        lock.withLock {
            if entries.count >= limit { entries.removeAll() }
            entries[path] = entry
        }
        return (entry.buffer, entry.etag)
    }
}

/// The posts whose views wait for a rewrite, read from the database at most every
/// 100 ms instead of once per request (a read per request was a visible share of
/// answering one). A view can so be served from its file up to 100 ms after a change
/// asked for its rewrite, which the publish stage makes right after the change anyway.
final class PendingViews: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var posts: Set<String> = []
    private var readAt = Date.distantPast
    let maximumAge: TimeInterval

    init(maximumAge: TimeInterval) { self.maximumAge = maximumAge }

    func current(_ relay: Relay) throws -> Set<String> {
        let now = Date()
        if let fresh = lock.withLock({ now.timeIntervalSince(readAt) < maximumAge ? posts : nil }) { return fresh }
        let read = try relay.pendingViews()
        lock.withLock {
            posts = read
            readAt = now
        }
        return read
    }
}
