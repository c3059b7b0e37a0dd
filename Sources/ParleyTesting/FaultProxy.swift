import Foundation

/// The fault-injecting TCP proxy (`scripts/faultproxy.py`) between Parley and a server:
/// rules say where to cut, stall or reset a connection; `fired` says when a fault has
/// landed, so that tests wait on progress, not on sleeps.
public final class FaultProxy {
    public let controlDir: String
    public let port: Int
    private let process = Process()

    /// Starts a proxy in front of `127.0.0.1:targetPort`.
    public init(targetPort: Int) throws {
        let controlDir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-proxy-\(UInt32.random(in: 0...UInt32.max))").path
        self.controlDir = controlDir
        try FileManager.default.createDirectory(atPath: controlDir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestServers.repoRoot + "/scripts/faultproxy.py", controlDir, String(targetPort)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var found: Int?
        _ = TestServers.eventually(timeout: 10) {
            found = (try? String(contentsOfFile: controlDir + "/port", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return found != nil
        }
        guard let found else { throw TestServerError("the fault proxy did not start (\(controlDir))") }
        port = found
    }

    /// Replaces the rules (a JSON array, see scripts/faultproxy.py).
    public func setRules(_ json: String) throws {
        let tmp = controlDir + "/rules.json.tmp"
        try json.write(toFile: tmp, atomically: false, encoding: .utf8)
        guard rename(tmp, controlDir + "/rules.json") == 0 else { throw TestServerError("cannot write the proxy's rules") }
    }

    /// How often the rule with this id has fired.
    public func fired(_ id: String) -> Int {
        guard let data = FileManager.default.contents(atPath: controlDir + "/stats.json"),
              let stats = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let fired = stats["fired"] as? [String: Any] else { return 0 }
        return (fired[id] as? Int) ?? 0
    }

    /// The proxy's event log, for failure messages.
    public var events: String { (try? String(contentsOfFile: controlDir + "/events.log", encoding: .utf8)) ?? "" }

    public func stop() {
        // SIGKILL: Process from a test worker thread inherits its blocked SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = TestServers.eventually(timeout: 5) { !process.isRunning }
    }

    deinit { stop() }
}
