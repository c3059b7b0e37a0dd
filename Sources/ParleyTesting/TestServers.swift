// The throw-away Dovecot and SMTP sink that `make test` starts (scripts/testservers.sh).
// Tests get a fresh IMAP user and a unique address domain each, so suites can run in
// parallel against the same servers without seeing each other's mail.
import Foundation

/// The running test servers, read from `$PARLEY_TEST_SERVERS/servers.env`.
///
/// When `swift test` runs without `make test`, the servers are started here once for
/// the process (and stopped when it exits).
public struct TestServers: Sendable {
    public let imapPort: Int
    public let imapsPort: Int
    public let smtpPort: Int
    public let mailRoot: String
    public let sinkDir: String
    public let caFile: String
    public let serversDir: String

    /// The repository's root (found from this file's path).
    public static let repoRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path  // Sources/ParleyTesting/TestServers.swift
    }()

    /// The servers for this test process.
    public static let shared: TestServers = {
        if let dir = ProcessInfo.processInfo.environment["PARLEY_TEST_SERVERS"], let s = TestServers(dir: dir) {
            return s
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("parley-test-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o755)
        let dir = base + "/run"
        let status = TestServers.run([repoRoot + "/scripts/testservers.sh", "start", dir])
        guard status == 0, let s = TestServers(dir: dir) else {
            fatalError("could not start the test servers (scripts/testservers.sh start \(dir) exited \(status)); run `make test`")
        }
        setenv("PARLEY_TEST_SERVERS_STARTED", dir, 1)
        atexit {
            if let dir = getenv("PARLEY_TEST_SERVERS_STARTED") {
                _ = TestServers.run([TestServers.repoRoot + "/scripts/testservers.sh", "stop", String(cString: dir)])
            }
        }
        return s
    }()

    /// A private set of servers for a test that stops and restarts them.
    public static func startPrivate() throws -> TestServers {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("parley-private-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o755)
        let dir = base + "/run"
        let status = run([repoRoot + "/scripts/testservers.sh", "start", dir])
        guard status == 0, let s = TestServers(dir: dir) else { throw TestServerError("could not start private test servers in \(dir)") }
        return s
    }

    /// Stops only Dovecot (same ports and mail kept).
    public func stopIMAP() { TestServers.run([TestServers.repoRoot + "/scripts/testservers.sh", "stop-imap", serversDir]) }

    /// Starts Dovecot again after ``stopIMAP()``.
    public func startIMAP() { TestServers.run([TestServers.repoRoot + "/scripts/testservers.sh", "start-imap", serversDir]) }

    /// Stops a private set of servers.
    public func stopAll() { TestServers.run([TestServers.repoRoot + "/scripts/testservers.sh", "stop", serversDir]) }

    /// Servers started some other way (the Postfix instance's Dovecot and sink).
    public init(imapPort: Int, imapsPort: Int, smtpPort: Int, mailRoot: String, sinkDir: String, caFile: String, serversDir: String) {
        self.imapPort = imapPort; self.imapsPort = imapsPort; self.smtpPort = smtpPort
        self.mailRoot = mailRoot; self.sinkDir = sinkDir; self.caFile = caFile; self.serversDir = serversDir
    }

    /// The `NAME=value` lines a server script writes (servers.env, imap.env, postfix.env).
    static func environmentFile(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    init?(dir: String) {
        guard let text = try? String(contentsOfFile: dir + "/servers.env", encoding: .utf8) else { return nil }
        let values = TestServers.environmentFile(text)
        guard let imap = values["IMAP_PORT"].flatMap(Int.init), let imaps = values["IMAPS_PORT"].flatMap(Int.init),
              let smtp = values["SMTP_PORT"].flatMap(Int.init), let root = values["MAIL_ROOT"], let sink = values["SINK_DIR"],
              let ca = values["CA_FILE"] else { return nil }
        imapPort = imap; imapsPort = imaps; smtpPort = smtp; mailRoot = root; sinkDir = sink; caFile = ca
        serversDir = values["SERVERS_DIR"] ?? dir
    }

    /// Runs `bash ARGS…` and waits for it. posix_spawn and waitpid directly: Foundation's
    /// Process sometimes never noticed the script's exit here (left a zombie, waited forever).
    @discardableResult
    public static func run(_ args: [String]) -> Int32 {
        let argv = ["/bin/bash"] + args
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { cArgs.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // The calling thread (a test's worker thread) blocks most signals, and a spawned
        // process inherits that mask: servers started from here then ignored SIGTERM,
        // and stopping each took the stop scripts' whole grace period. Start clean.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, &attributes, cArgs, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// A unique name for a test's IMAP user and address domain.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Delivers a message to a user's folder unseen, the way an MTA does: written into
    /// `tmp/` as the mail user and renamed into `new/`.
    public func deliver(_ bytes: [UInt8], to user: String, folder: String = "INBOX") throws {
        let maildir = try ensureMaildir(user: user, folder: folder)
        let name = "\(Int(Date().timeIntervalSince1970 * 1e6)).P\(getpid())Q\(UInt64.random(in: 0...UInt64.max)).parley-test"
        let tmp = maildir + "/tmp/" + name
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw TestServerError("cannot write \(tmp)")
        }
        chown(tmp, 65534, 65534)
        guard rename(tmp, maildir + "/new/" + name) == 0 else { throw TestServerError("cannot rename into \(maildir)/new") }
    }

    /// The maildir folder of a user's IMAP folder (Maildir++ layout: `.A.B` for `A/B`).
    public func maildirPath(user: String, folder: String) -> String {
        let root = mailRoot + "/" + user + "/Maildir"
        if folder.uppercased() == "INBOX" { return root }
        return root + "/." + folder.replacingOccurrences(of: "/", with: ".")
    }

    /// How many messages a user's folder holds (new and cur).
    public func messageCount(user: String, folder: String = "INBOX") -> Int {
        let dir = maildirPath(user: user, folder: folder)
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: dir + "/new"))?.count ?? 0) + ((try? fm.contentsOfDirectory(atPath: dir + "/cur"))?.count ?? 0)
    }

    /// How many messages of a folder carry the \Seen flag (Maildir keeps flags in the
    /// file name: `…:2,S` for seen, files in `cur/` only).
    public func seenCount(user: String, folder: String = "INBOX") -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: maildirPath(user: user, folder: folder) + "/cur")) ?? []
        return names.filter { name in
            guard let info = name.range(of: ":2,", options: .backwards) else { return false }
            return name[info.upperBound...].contains("S")
        }.count
    }

    private func ensureMaildir(user: String, folder: String) throws -> String {
        let home = mailRoot + "/" + user
        let root = home + "/Maildir"
        let target = maildirPath(user: user, folder: folder)
        for dir in [home, root, root + "/tmp", root + "/new", root + "/cur", target, target + "/tmp", target + "/new", target + "/cur"] {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false,
                                                        attributes: [.posixPermissions: 0o700])
                chown(dir, 65534, 65534)
            }
        }
        if target != root && !FileManager.default.fileExists(atPath: target + "/maildirfolder") {
            _ = FileManager.default.createFile(atPath: target + "/maildirfolder", contents: Data())
            chown(target + "/maildirfolder", 65534, 65534)
        }
        return target
    }

    /// Messages the SMTP sink accepted for a recipient, oldest first.
    public func sunk(to recipient: String) -> [SunkMessage] {
        sunk().filter { $0.recipients.contains { $0.lowercased() == recipient.lowercased() } }
    }

    /// How many messages the SMTP sink has accepted (cheap: a directory listing), for
    /// tests that aim at progress.
    public func sunkCount() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: sinkDir)) ?? []).reduce(0) { $0 + ($1.hasSuffix(".json") ? 1 : 0) }
    }

    /// Every message the SMTP sink accepted, oldest first.
    public func sunk() -> [SunkMessage] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: sinkDir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let base = sinkDir + "/" + String(name.dropLast(5))
            guard let json = fm.contents(atPath: base + ".json"),
                  let env = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
                  let data = fm.contents(atPath: base + ".eml") else { return nil }
            return SunkMessage(mailFrom: env["mail_from"] as? String ?? "", recipients: env["rcpt_tos"] as? [String] ?? [], raw: [UInt8](data))
        }
    }

    /// Waits (up to `timeout`) until `condition` holds.
    public static func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}

/// One message as the SMTP sink stored it.
public struct SunkMessage: Sendable {
    public var mailFrom: String
    public var recipients: [String]
    public var raw: [UInt8]

    /// The text of the raw message (for header checks).
    public var text: String { String(decoding: raw, as: UTF8.self) }

    /// The value of the first header with this name in the raw header block (unfolded).
    public func header(_ name: String) -> String? {
        let head = text.components(separatedBy: "\r\n\r\n").first ?? text
        var result: String?
        for line in head.components(separatedBy: "\r\n") {
            if let r = result, line.first == " " || line.first == "\t" {
                result = r + " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            if result != nil { break }
            if line.lowercased().hasPrefix(name.lowercased() + ":") {
                result = String(line.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces)
            }
        }
        return result
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
