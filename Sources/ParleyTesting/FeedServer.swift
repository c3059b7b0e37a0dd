import Foundation

/// The loopback HTTP server for feed tests (`scripts/feedserver.py`): serves the files
/// of a directory with ETag / Last-Modified and gzip, and path prefixes for faults
/// (`/redirect/N/…`, `/status/CODE/…`, `/gone/…`, `/flaky/K/…`, `/slow/S/…`,
/// `/drip/…`, `/big/MB`); `stats()` counts what it answered, per path.
public final class FeedServer {
    public let root: String
    public let port: Int
    private let process = Process()

    public init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-feeds-\(UInt32.random(in: 0...UInt32.max))").path
        root = dir + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestServers.repoRoot + "/scripts/feedserver.py", "--root", root, "--port-file", dir + "/port"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var found: Int?
        _ = TestServers.eventually(timeout: 10) {
            found = (try? String(contentsOfFile: dir + "/port", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return found != nil
        }
        guard let found else { throw TestServerError("the feed server did not start (\(dir))") }
        port = found
    }

    /// `http://127.0.0.1:PORT/PATH`
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Writes (or replaces) a file the server serves.
    public func put(_ path: String, _ text: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    /// What the server answered for one request path: requests, "200", "304", "other", "gzip".
    public func stats(_ path: String) -> [String: Any] {
        let data = get("stats")
        guard let all = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return all["/" + path] as? [String: Any] ?? [:]
    }

    public func count(_ path: String, _ key: String) -> Int { stats(path)[key] as? Int ?? 0 }

    /// The form fields of every POST to `/receive/NAME`, oldest first.
    public func received(_ name: String) -> [[String: String]] {
        guard let list = try? JSONSerialization.jsonObject(with: get("received/" + name)) as? [[String: Any]] else { return [] }
        return list.map { $0["form"] as? [String: String] ?? [:] }
    }

    /// A GET through the curl tool (Foundation on Linux has no http:// in Data(contentsOf:)).
    public func get(_ path: String) -> Data {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--max-time", "5", url(path)]
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return Data() }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    /// Removes a file the server serves (it answers 404 from then on).
    public func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: root + "/" + path)
    }

    public func stop() {
        // SIGKILL: a process started with Foundation's Process from a test's worker
        // thread inherits that thread's blocked SIGTERM. Nothing of its state matters.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = TestServers.eventually(timeout: 5) { !process.isRunning }
    }

    deinit { stop() }
}
