import Foundation
import Logging
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyTesting
#if canImport(Glibc)
import Glibc
#endif

/// A Parley installation in a temporary folder. With `servers`, on the throw-away
/// Dovecot and SMTP sink (for tests that run `parley serve`); without, pointing at
/// ports nobody listens on (for in-process router tests, which send no mail).
struct WebHarness {
    let dir: String
    let configPath: String
    let relay: Relay
    let user: String
    let domain: String
    let httpPort: Int
    let servers: TestServers?

    /// `allowedOrigins`: `[http] allowed_origins` (CORS for the embed).
    init(servers: TestServers? = nil, moderation: String = "none", allowedOrigins: [String] = []) throws {
        self.servers = servers
        user = TestServers.uniqueName("web")
        domain = "\(user).test"
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(user)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        configPath = dir + "/parley.toml"
        httpPort = TestServers.freePort()
        let toml: String
        if let servers {
            toml = servers.installationConfig(user: user, domain: domain, dir: dir, moderation: moderation, pollInterval: "1s", httpPort: httpPort)
        } else {
            toml = """
            [site]
            name = "one2one"
            base_url = "https://talk.example.org"
            secret = "web-test-secret-\(user)-0123456789"
            moderation = "\(moderation)"

            [database]
            path = "\(dir)/parley.sqlite"

            [smtp]
            url = "smtp://127.0.0.1:9"
            starttls = "never"
            from = "one2one <talk@\(domain)>"

            [[mailbox]]
            name = "talk"
            url = "imap://127.0.0.1:9/INBOX"
            starttls = "never"
            username = "\(user)"
            password = "secret"
            reply_address = "talk+{token}@\(domain)"

            [http]
            listen = "127.0.0.1:\(httpPort)"

            [publish]
            templates_dir = "\(TestServers.repoRoot)/templates"
            output_dir = "\(dir)/public"
            """
        }
        let origins = "allowed_origins = [\(allowedOrigins.map { "\"\($0)\"" }.joined(separator: ", "))]"
        try toml.replacingOccurrences(of: "listen = \"127.0.0.1:\(httpPort)\"", with: "listen = \"127.0.0.1:\(httpPort)\"\n\(origins)")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ParleyConfig.load(path: configPath, environment: [:])
        var logger = Logger(label: "web-test")
        logger.logLevel = .warning
        relay = try Relay.open(config: config, logger: logger)
    }

    func address(_ local: String, _ name: String? = nil) -> EmailAddress {
        EmailAddress(address: "\(local)@\(domain)", name: name)!
    }

    var baseURL: String { "http://127.0.0.1:\(httpPort)" }

    /// A person's id, creating them.
    func person(_ address: EmailAddress) throws -> Int64 {
        try relay.store.write { try $0.person(for: address, now: Date()).id! }
    }

    /// Adds a comment directly (status `published` unless told).
    @discardableResult
    func comment(post: String, by author: EmailAddress, _ body: String, parent: Int64? = nil, status: String = "published",
                 holdReason: String? = nil) throws -> Int64 {
        try relay.store.write { tx in
            let person = try tx.person(for: author, now: Date())
            let c = try tx.insertComment(CommentRecord(id: nil, postId: post, parentId: parent, authorId: person.id!, body: body, elided: "",
                                                       status: status, holdReason: holdReason, source: "cli", messageId: nil, inboundId: nil,
                                                       createdAt: Date()))
            return c.id!
        }
    }

    /// A signed token, as the notification or moderation emails carry.
    func token(_ target: TokenTarget, _ id: Int64, for recipient: Int64) -> String {
        relay.codec.encode(ReplyToken(target: target, targetID: id, recipientID: recipient, issuedDay: Int64(Date().timeIntervalSince1970 / 86400)))
    }

    /// A conversation between liz and ann, and liz's post `p` in it with a non-ASCII title.
    func conversationAndPost() throws -> (liz: EmailAddress, ann: EmailAddress) {
        let liz = address("liz", "Liz Strauss"), ann = address("ann", "Ann Handley")
        try relay.addConversation(id: "c", title: "Liz & Ann", partners: [liz, ann])
        _ = try relay.addPost(id: "p", title: "Über Vertrauen — «trust» 信頼", url: "https://liz.example.org/trust", author: liz, conversation: "c")
        return (liz, ann)
    }
}

/// A minimal HTTP/1.1 client over a POSIX socket (one request per connection), so the
/// tests see the daemon's bytes exactly as a browser or a mail provider would.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum HTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func request(_ method: String, port: Int, path: String, body: String? = nil,
                        contentType: String = "application/x-www-form-urlencoded") throws -> HTTPReply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw Failure(description: "connect to port \(port): \(String(cString: strerror(errno)))") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nUser-Agent: parley-tests\r\n"
        let bodyBytes = Array((body ?? "").utf8)
        if body != nil { head += "Content-Type: \(contentType)\r\nContent-Length: \(bodyBytes.count)\r\n" }
        let request = Array((head + "\r\n").utf8) + bodyBytes
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send failed") }
            sent += n
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return try parse(data)
    }

    static func get(_ port: Int, _ path: String) throws -> HTTPReply { try request("GET", port: port, path: path) }

    static func parse(_ data: [UInt8]) throws -> HTTPReply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, data.count - 3)).first(where: { Array(data[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "no HTTP header in \(data.count) bytes")
        }
        let lines = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            guard let lineEnd = (i..<max(i, data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            out += data[start..<min(data.count, start + size)]
            i = start + size + 2
        }
        return out
    }
}

extension ParleyProcess {
    /// Waits until the HTTP server answers `/healthz`.
    func waitHTTP(port: Int, timeout: Double = 30) -> Bool {
        TestServers.eventually(timeout: timeout) { (try? HTTP.get(port, "/healthz")) != nil }
    }
}

/// Where tests leave screenshots and pages for a person to look at:
/// `$PARLEY_TEST_ARTIFACTS`, else `.build-artifacts/` in the repository (ignored by git).
enum Artifacts {
    static var dir: String {
        let path = ProcessInfo.processInfo.environment["PARLEY_TEST_ARTIFACTS"] ?? TestServers.repoRoot + "/.build-artifacts"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
