import Foundation

/// A real Postfix submission service on loopback (`scripts/postfix.sh`): STARTTLS
/// required, SASL through its own Dovecot (which also serves IMAP, with XOAUTH2 against
/// a token-introspection endpoint), access rules (`reject…` 550, `defer…` 450,
/// `grey…` greylisted), a size limit, a second listener without SMTPUTF8; every
/// accepted message relayed to an SMTP sink.
public final class PostfixServer {
    public let dir: String
    public let submissionPort: Int
    public let noUTF8Port: Int
    public let maxSize: Int
    /// The Dovecot (IMAP) and sink of this instance, as the tests' other helpers see them;
    /// `smtpPort` is the submission port.
    public let servers: TestServers

    /// - Parameter environment: settings read at start (`POSTFIX_MAX_SIZE`,
    ///   `POSTFIX_GREYLIST_DELAY`, `POSTFIX_OAUTHBEARER`).
    public init(environment: [String: String] = [:]) throws {
        // Short: Unix socket paths under DIR must stay within 108 bytes.
        let base = "/tmp/pf\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o755)
        dir = base
        var env = ""
        for (k, v) in environment { env += "\(k)=\(v) " }
        let status = TestServers.run(["-c", "\(env) \"$0\" start \"$1\"", TestServers.repoRoot + "/scripts/postfix.sh", dir])
        guard status == 0, let text = try? String(contentsOfFile: dir + "/postfix.env", encoding: .utf8) else {
            throw TestServerError("scripts/postfix.sh start \(dir) exited \(status)")
        }
        let values = TestServers.environmentFile(text)
        guard let submission = values["SUBMISSION_PORT"].flatMap(Int.init), let noUTF8 = values["NOUTF8_PORT"].flatMap(Int.init),
              let imap = values["IMAP_PORT"].flatMap(Int.init), let imaps = values["IMAPS_PORT"].flatMap(Int.init),
              let mail = values["MAIL_ROOT"], let sink = values["SINK_DIR"], let ca = values["CA_FILE"] else {
            throw TestServerError("\(dir)/postfix.env is incomplete: \(text)")
        }
        submissionPort = submission
        noUTF8Port = noUTF8
        maxSize = values["MAX_SIZE"].flatMap(Int.init) ?? 100_000
        servers = TestServers(imapPort: imap, imapsPort: imaps, smtpPort: submission, mailRoot: mail, sinkDir: sink, caFile: ca, serversDir: dir)
    }

    /// Asks Postfix to deliver what it holds now and waits until its queue is empty.
    @discardableResult
    public func drain(seconds: Int = 30) -> Bool {
        TestServers.run([TestServers.repoRoot + "/scripts/postfix.sh", "wait", dir, String(seconds)]) == 0
    }

    public func stop() {
        TestServers.run([TestServers.repoRoot + "/scripts/postfix.sh", "stop", dir])
        try? FileManager.default.removeItem(atPath: dir)
    }
}
