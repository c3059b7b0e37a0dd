import Foundation

/// One real IMAP server of the test matrix (`scripts/imapmatrix.sh`): stock or tuned
/// Dovecot, Dovecot without MOVE/IDLE (and UIDPLUS), Cyrus, Courier. Started in a
/// folder of its own on free loopback ports, stopped by ``stop()``.
public final class MatrixServer {
    /// The flavours, as the script names them.
    public static let flavours = ["dovecot-stock", "dovecot-tuned", "dovecot-nomove", "dovecot-nouidplus", "cyrus", "courier"]

    public let flavour: String
    public let dir: String
    public let imapPort: Int
    public let caFile: String
    /// The server's hierarchy delimiter and personal prefix, as its NAMESPACE says.
    public let separator: String
    public let prefix: String

    public init(flavour: String) throws {
        self.flavour = flavour
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("parley-matrix-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o755)
        dir = base + "/server"
        let status = MatrixServer.script(["start", dir, flavour])
        guard status == 0, let env = try? String(contentsOfFile: dir + "/imap.env", encoding: .utf8) else {
            throw TestServerError("scripts/imapmatrix.sh start \(dir) \(flavour) exited \(status)")
        }
        let values = TestServers.environmentFile(env)
        guard let port = values["IMAP_PORT"].flatMap(Int.init), let ca = values["CA_FILE"] else {
            throw TestServerError("\(dir)/imap.env is incomplete: \(env)")
        }
        imapPort = port
        caFile = ca
        separator = values["IMAP_SEPARATOR"] ?? "/"
        prefix = values["IMAP_PREFIX"] ?? ""
    }

    /// The server's own name for a folder written with `/` (what the admin finds in
    /// their mail client).
    public func serverName(_ folder: String) -> String {
        prefix + folder.split(separator: "/").joined(separator: separator)
    }

    /// Delivers messages unseen into a user's INBOX, in order, exact bytes.
    public func deliver(_ messages: [[UInt8]], to user: String) throws {
        let folder = dir + "/outgoing-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files: [String] = []
        for (i, bytes) in messages.enumerated() {
            let path = folder + String(format: "/%06d.eml", i)
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw TestServerError("cannot write \(path)") }
            files.append(path)
        }
        // Many files per call, a few hundred at a time (argument lists have limits).
        var start = 0
        while start < files.count {
            let chunk = Array(files[start..<min(start + 500, files.count)])
            let status = MatrixServer.script(["deliver", dir, user] + chunk)
            guard status == 0 else { throw TestServerError("imapmatrix.sh deliver exited \(status)") }
            start += 500
        }
    }

    /// (messages, of them not flagged \Deleted) in a folder written with `/`.
    public func count(user: String, folder: String) -> (all: Int, undeleted: Int) {
        let name = folder.uppercased() == "INBOX" ? "INBOX" : serverName(folder)
        let out = MatrixServer.output(["count", dir, user, name]).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return out.count == 2 ? (out[0], out[1]) : (-1, -1)
    }

    /// Flags every message of the user's INBOX \Deleted (not expunged), as another mail
    /// client does when someone deletes mail.
    public func throwAway(user: String) { MatrixServer.script(["throw-away", dir, user]) }

    public func addUser(_ user: String) throws {
        guard MatrixServer.script(["add-user", dir, user]) == 0 else { throw TestServerError("imapmatrix.sh add-user \(user) failed") }
    }

    /// Kills every process of the server at once and starts it again (same ports and mail).
    public func restart() { MatrixServer.script(["restart", dir]) }

    /// Gives a user's INBOX a new UIDVALIDITY, messages kept.
    public func renumber(user: String) { MatrixServer.script(["renumber", dir, user]) }

    public func stop() { MatrixServer.script(["stop", dir]) }

    @discardableResult
    static func script(_ args: [String]) -> Int32 {
        TestServers.run([TestServers.repoRoot + "/scripts/imapmatrix.sh"] + args)
    }

    static func output(_ args: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [TestServers.repoRoot + "/scripts/imapmatrix.sh"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
