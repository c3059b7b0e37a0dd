import Foundation
import ParleyCore
import ParleyCurl
import ParleyTesting
import Testing

/// The libcurl IMAP client against the real Dovecot.
@Suite("IMAP client")
struct IMAPClientTests {
    let servers = TestServers.shared

    func message(_ i: Int) -> [UInt8] {
        Array("From: a@example.org\r\nTo: b@example.org\r\nSubject: m\(i)\r\nMessage-ID: <m\(i)@example.org>\r\n\r\nbody \(i)\r\n".utf8)
    }

    func client(_ user: String, url: String? = nil, tls: ServerOptions.TLSMode = .never, ca: String? = nil, password: String = "secret") throws -> CurlIMAPClient {
        try CurlIMAPClient(options: ServerOptions(url: url ?? "imap://127.0.0.1:\(servers.imapPort)/INBOX", username: user,
                                                  password: password, tls: tls, caFile: ca, connectTimeoutSeconds: 5, responseTimeoutSeconds: 10))
    }

    @Test("status, search, sizes, exact bytes, move")
    func basics() throws {
        let user = TestServers.uniqueName("imap")
        for i in 0..<3 { try servers.deliver(message(i), to: user) }
        let c = try client(user)
        let status = try c.status()
        #expect(status.messages == 3)
        let uids = try c.uids(after: 0)
        #expect(uids.count == 3)
        #expect(try c.uids(after: uids[1]) == [uids[2]])
        #expect(try c.uids(after: uids[2]).isEmpty, "n:* must not return the last UID again")
        let sizes = try c.sizes(of: uids)
        #expect(sizes[uids[0]] == message(0).count)
        #expect(try c.fetch(uid: uids[0], limit: 1_000_000) == message(0))
        #expect(throws: MailError.self) { try c.fetch(uid: uids[0], limit: 10) }
        try c.move(uids: [uids[0], uids[2]], to: "Parley/Done")
        #expect(servers.messageCount(user: user) == 1)
        #expect(servers.messageCount(user: user, folder: "Parley/Done") == 2)
    }

    @Test("hundreds of commands over one client keep working (libcurl's header counter)")
    func manyCommands() throws {
        let user = TestServers.uniqueName("imap")
        for i in 0..<300 { try servers.deliver(message(i), to: user) }
        let c = try client(user)
        let uids = try c.uids(after: 0)
        #expect(try c.sizes(of: uids).count == 300)
        for uid in uids { _ = try c.fetch(uid: uid, limit: 1_000_000) }
        try c.move(uids: uids, to: "Done")
        #expect(servers.messageCount(user: user, folder: "Done") == 300)
    }

    @Test("bulk fetch: exact bytes of 1,200 messages in two commands, literal-like and 8-bit lines, one over the limit")
    func bulkFetch() throws {
        let user = TestServers.uniqueName("bulk")
        var sent: [[UInt8]] = []
        for i in 0..<1_200 {
            var m = Array("From: a@example.org\r\nSubject: b\(i)\r\nMessage-ID: <b\(i)@example.org>\r\n\r\n".utf8)
            // Lines a careless reader would take for a literal or the tagged end.
            m += Array("a line that ends like a literal {12}\r\nP3 OK done\r\n* 1 EXISTS\r\n".utf8)
            m += [0xC3, 0xA9, 0xFF, 0x20, 0x7B, 0x30, 0x7D, 0x0D, 0x0A]
            m += Array(String(repeating: "x", count: i % 97).utf8) + [0x0D, 0x0A]
            if i == 700 { m += Array(repeating: UInt8(ascii: "y"), count: 300_000) + [0x0D, 0x0A] }
            sent.append(m)
            try servers.deliver(m, to: user)
        }
        let c = try client(user)
        let uids = try c.uids(after: 0)
        #expect(uids.count == 1_200)
        let got = try c.fetch(uids: uids, limit: 200_000)
        #expect(got.count == 1_200)
        for (i, uid) in uids.enumerated() {
            if i == 700 {
                #expect(got[uid] == .tooLarge(sent[i].count))
            } else if got[uid] != .bytes(sent[i]) {
                Issue.record("message \(i) (UID \(uid)) came back different")
                break
            }
        }
        // The client still speaks after reading past the large literal.
        #expect(try c.fetch(uid: uids[701], limit: 200_000) == sent[701])
        try c.move(uids: uids, to: "Bulk/Done")
        #expect(servers.messageCount(user: user) == 0)
        #expect(servers.messageCount(user: user, folder: "Bulk/Done") == 1_200)
        #expect(try c.uids(after: 0).isEmpty)
    }

    @Test("imaps:// with the test CA")
    func imaps() throws {
        let user = TestServers.uniqueName("tls")
        try servers.deliver(message(1), to: user)
        let c = try client(user, url: "imaps://localhost:\(servers.imapsPort)/INBOX", tls: .required, ca: servers.caFile)
        #expect(try c.status().messages == 1)
    }

    @Test("STARTTLS with the test CA")
    func starttls() throws {
        let user = TestServers.uniqueName("tls")
        try servers.deliver(message(1), to: user)
        let c = try client(user, url: "imap://localhost:\(servers.imapPort)/INBOX", tls: .required, ca: servers.caFile)
        #expect(try c.status().messages == 1)
    }

    @Test("without the CA the connection fails with a clear certificate error", arguments: ["imaps", "imap"])
    func untrusted(_ scheme: String) throws {
        let port = scheme == "imaps" ? servers.imapsPort : servers.imapPort
        let c = try client("nobody", url: "\(scheme)://localhost:\(port)/INBOX", tls: .required, ca: nil)
        do {
            _ = try c.status()
            Issue.record("connected without trusting the certificate")
        } catch {
            #expect(error.kind == .tls)
            #expect(error.message.contains("certificate"))
        }
    }

    @Test("a wrong password is an authentication error that says so")
    func wrongPassword() throws {
        let c = try client("someone", password: "wrong")
        do {
            _ = try c.status()
            Issue.record("logged in with a wrong password")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.message.contains("refused the login"))
            #expect(!error.description.contains("wrong"), "the password never appears in an error")
        }
    }

    @Test("a server that is not there is a connection error")
    func unreachable() throws {
        let c = try client("x", url: "imap://127.0.0.1:1/INBOX")
        #expect(throws: MailError.self) { try c.status() }
        do { _ = try c.status() } catch { #expect(error.kind == .connection) }
    }
}
