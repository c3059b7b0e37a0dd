import Foundation
import ParleyCore
import ParleyTesting
import Testing
@testable import ParleyCurl

/// The IMAP client against a scripted server (scripts/quirky_imap.py) that does what
/// some real servers do and the test Dovecot does not: unsolicited EXPUNGE, EXISTS and
/// flag FETCH responses in the middle of a FETCH, BYE on an idle timeout, and no
/// NAMESPACE, ESEARCH, MOVE, UIDPLUS or LITERAL+.
@Suite("IMAP client against a quirky server", .serialized)
struct QuirkyServerTests {
    final class Server {
        let dir: String
        let port: Int
        let process = Process()

        init(messages: [[UInt8]], byeAfter: Int? = nil) throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-quirky-\(UInt32.random(in: 0...UInt32.max))").path
            self.dir = dir
            try FileManager.default.createDirectory(atPath: dir + "/mail", withIntermediateDirectories: true)
            for (i, m) in messages.enumerated() {
                FileManager.default.createFile(atPath: dir + String(format: "/mail/%04d.eml", i), contents: Data(m))
            }
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [TestServers.repoRoot + "/scripts/quirky_imap.py", dir + "/port", dir + "/mail"] + (byeAfter.map { ["--bye-after", String($0)] } ?? [])
            try process.run()
            var found: Int?
            _ = TestServers.eventually(timeout: 10) {
                found = (try? String(contentsOfFile: dir + "/port", encoding: .utf8)).flatMap { Int($0) }
                return found != nil
            }
            guard let found else { throw TestServerError("the quirky server did not start") }
            port = found
        }

        var commands: [String] {
            ((try? String(contentsOfFile: dir + "/commands.log", encoding: .utf8)) ?? "")
                .components(separatedBy: .newlines).filter { !$0.isEmpty }  // CRLF is one Character: split on scalars
        }

        func client() throws -> CurlIMAPClient {
            try CurlIMAPClient(options: ServerOptions(url: "imap://127.0.0.1:\(port)/INBOX", username: "u", password: "secret",
                                                      tls: .never, connectTimeoutSeconds: 5, responseTimeoutSeconds: 5))
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    static func message(_ i: Int) -> [UInt8] {
        Array("From: a@example.org\r\nSubject: m\(i)\r\n\r\nBody \(i) with a line that looks like a response:\r\n* 3 EXPUNGE\r\nand {12}\r\n".utf8)
    }

    @Test("unsolicited EXPUNGE, EXISTS and flag FETCH in the middle of a FETCH: exact bytes of exactly the messages asked for")
    func unsolicitedDuringFetch() throws {
        let messages = (1...5).map(Self.message)
        let server = try Server(messages: messages)
        let client = try server.client()
        #expect(try client.status().uidNext == 6)
        #expect(try client.uids(after: 0) == [1, 2, 3, 4, 5], "a plain UID SEARCH where ESEARCH is missing")
        #expect(try client.sizes(of: [2, 4]) == [2: messages[1].count, 4: messages[3].count])
        let fetched = try client.fetch(uids: [1, 2, 3, 4, 5], limit: 1 << 20)
        for uid in 1...5 {
            #expect(fetched[UInt32(uid)] == .bytes(messages[uid - 1]), "message \(uid)")
        }
        #expect(fetched.count == 5)
        #expect(try client.serverName("Parley/Processed") == "Parley/Processed", "no NAMESPACE: the delimiter from LIST")
    }

    @Test("without MOVE or UIDPLUS: COPY and STORE \\Deleted, never an EXPUNGE; the moved mail is no longer searched")
    func moveWithoutMoveOrUIDPLUS() throws {
        let server = try Server(messages: (1...4).map(Self.message))
        let client = try server.client()
        try client.move(uids: [1, 2], to: "Parley/Processed")
        let commands = server.commands
        #expect(commands.contains { $0.contains("UID COPY 1:2 \"Parley/Processed\"") }, "\(commands)")
        #expect(commands.contains { $0.contains("UID STORE 1:2 +FLAGS.SILENT (\\Deleted)") })
        #expect(!commands.contains { $0.uppercased().contains("EXPUNGE") }, "never a bare EXPUNGE: \(commands)")
        #expect(try client.uids(after: 0) == [3, 4])
    }

    @Test("BYE on an idle timeout: the command is repeated on a new connection, the caller sees nothing")
    func byeOnIdleTimeout() throws {
        let server = try Server(messages: (1...3).map(Self.message), byeAfter: 8)
        let client = try server.client()
        for _ in 0..<8 {
            #expect(try client.status().messages == 3)
            #expect(try client.fetch(uids: [2], limit: 1 << 20)[2] == .bytes(Self.message(2)))
        }
        let logins = server.commands.filter { $0.uppercased().contains("AUTHENTICATE") || $0.uppercased().contains(" LOGIN ") }
        #expect(logins.count >= 3, "the server said BYE and the client logged in again: \(logins.count) logins in \(server.commands.count) commands")
    }
}
