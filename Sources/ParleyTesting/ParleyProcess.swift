import Foundation

/// A `parley` process run as an admin would (`serve`, `check`, `poll --once`…), its
/// output captured in a log file. Killed if still running when released.
public final class ParleyProcess {
    public let process = Process()
    public let logPath: String

    public init(_ args: [String], config: String, logPath: String, binary: String = TestServers.parleyBinary) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args + ["--config", config]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// What it has written so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits up to `seconds` for the process to exit; returns its status or nil.
    /// (Polls: Foundation's `waitUntilExit` can hang here.)
    public func waitExit(_ seconds: Double) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < end { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
