import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension TestServers {
    /// The config file of one throw-away Parley installation on these servers: its own
    /// IMAP user, address domain and folder `dir` (SQLite file, published views).
    /// Shared by the test harness and the benchmarks.
    public func installationConfig(user: String, domain: String, dir: String, moderation: String = "none",
                                   password: String = "secret", pollInterval: String = "60s", idle: Bool = true,
                                   maxMessageSize: String = "25MB", httpPort: Int = TestServers.freePort()) -> String {
        """
        [site]
        name = "one2one"
        base_url = "https://talk.example.org"
        secret = "test-secret-\(user)-0123456789"
        moderation = "\(moderation)"

        [database]
        path = "\(dir)/parley.sqlite"

        [smtp]
        url = "smtp://127.0.0.1:\(smtpPort)"
        starttls = "never"
        from = "one2one <talk@\(domain)>"

        [[mailbox]]
        name = "talk"
        url = "imap://127.0.0.1:\(imapPort)/INBOX"
        starttls = "never"
        username = "\(user)"
        password = "\(password)"
        poll_interval = "\(pollInterval)"
        idle = \(idle)
        reply_address = "talk+{token}@\(domain)"
        processed_folder = "Parley/Processed"
        rejected_folder = "Parley/Rejected"
        max_message_size = "\(maxMessageSize)"

        [webmention]
        # The tests' Webmention sources and endpoints are served on loopback.
        allow_private_addresses = true

        [http]
        listen = "127.0.0.1:\(httpPort)"

        [publish]
        templates_dir = "\(TestServers.repoRoot)/templates"
        output_dir = "\(dir)/public"
        """
    }

    /// A TCP port on 127.0.0.1 that is free now (the kernel picks it), for a test's
    /// `parley serve`; 0 if none could be had.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 0
    }

    /// The `parley` executable of the build this test process belongs to (next to the
    /// test bundle, whatever `--scratch-path` built it), else `.build/debug/parley`.
    public static let parleyBinary: String = {
        if let path = ProcessInfo.processInfo.environment["PARLEY_BINARY"] { return path }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            // Linux: …/debug/ParleyPackageTests.xctest; a bundle folder elsewhere.
            if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
            let candidate = dir.appendingPathComponent("parley").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return repoRoot + "/.build/debug/parley"
    }()
}
