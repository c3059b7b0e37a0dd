import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ParleyStore

/// One of a post's three views.
public enum ViewFormat: String, Sendable {
    case html = "comments.html"
    case json = "comments.json"
    case atom = "comments.atom"
}

/// A view's bytes and an ETag for them.
public struct PublishedView: Sendable {
    public var bytes: [UInt8]
    public var etag: String

    /// FNV-1a (64 bits) of the bytes, in hex: for ETags, which only have to change when
    /// the bytes do.
    public static func contentHash(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}

/// Where a view's bytes are: the published file, or rendered now.
public enum PublishedSource: Sendable {
    case file(path: String)
    case rendered(PublishedView)
}

extension Relay {
    /// The posts whose views wait for a rewrite.
    public func pendingViews() throws -> Set<String> {
        try Set(store.read { try $0.pendingViewUpdates() }.map(\.postId))
    }

    /// Where a post's view is to be read from (see ``publishedView(postId:_:)``): the
    /// published file while no rewrite waits for the post, else rendered now.
    /// `pending`: the posts whose rewrite waits, when the caller knows them (the HTTP
    /// server reads them at most every 100 ms); else they are read now.
    public func publishedSource(postId: String, _ format: ViewFormat, pending: Set<String>? = nil) throws -> PublishedSource? {
        let waits = try pending.map { $0.contains(postId) } ?? store.read { try $0.viewUpdatePending(postId: postId) }
        if StaticViews.isSafeDirectoryName(postId), !waits {
            let path = (config.publish.outputDir as NSString).appendingPathComponent(postId) + "/" + format.rawValue
            if access(path, R_OK) == 0 { return .file(path: path) }
        }
        return try rendered(postId: postId, format).map { .rendered($0) }
    }

    /// A post's view as `parley serve` answers it: the file the publish stage wrote
    /// (`OUTPUT_DIR/POST_ID/comments.*`), read as it is, when it is current (no rewrite
    /// waits for that post); else rendered from the database now. Rendering a thread of
    /// 200 comments in three formats for every request held the HTTP server to about 45
    /// requests a second; the file is a read of a few kilobytes. Nil for an unknown post.
    public func publishedView(postId: String, _ format: ViewFormat) throws -> PublishedView? {
        if StaticViews.isSafeDirectoryName(postId), try !store.read({ try $0.viewUpdatePending(postId: postId) }) {
            let path = (config.publish.outputDir as NSString).appendingPathComponent(postId) + "/" + format.rawValue
            if let file = Self.readFile(path) { return file }
        }
        return try rendered(postId: postId, format)
    }

    private func rendered(postId: String, _ format: ViewFormat) throws -> PublishedView? {
        guard let views = try renderedComments(postId: postId) else { return nil }
        let bytes: [UInt8]
        switch format {
        case .html: bytes = Array(views.html.utf8)
        case .json: bytes = Array(views.json)
        case .atom: bytes = Array(views.atom.utf8)
        }
        return PublishedView(bytes: bytes, etag: "\"r\(PublishedView.contentHash(bytes))\"")
    }

    /// A file's bytes and an ETag from its size and modification time; nil if unreadable.
    public static func readFile(_ path: String) -> PublishedView? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 0, info.st_size < 64 << 20 else { return nil }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n <= 0 { return nil }
            done += n
        }
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return PublishedView(bytes: bytes, etag: "\"f\(String(size, radix: 16))-\(String(mtime, radix: 16))\"")
    }
}
