import Foundation
import ParleyCore
import ParleyCurl
import ParleyTesting
import Testing

/// IMAP IDLE over a libcurl CONNECT_ONLY connection, against the real Dovecot.
@Suite("IMAP IDLE")
struct IdleTests {
    let servers = TestServers.shared

    func idler(_ user: String, url: String? = nil, tls: ServerOptions.TLSMode = .never, ca: String? = nil) throws -> CurlIMAPIdler {
        try CurlIMAPIdler(options: ServerOptions(url: url ?? "imap://127.0.0.1:\(servers.imapPort)/INBOX", username: user, password: "secret",
                                                 tls: tls, caFile: ca, connectTimeoutSeconds: 5, responseTimeoutSeconds: 10))
    }

    @Test("a delivery wakes the wait; nothing delivered times out; stop ends it at once")
    func wakes() throws {
        let user = TestServers.uniqueName("idle")
        try servers.deliver(Array("Subject: first\r\n\r\nx\r\n".utf8), to: user)
        let i = try idler(user)
        #expect(try i.wait(timeout: 1, shouldStop: { false }) == .timeout)
        let servers = self.servers
        let t = Thread {
            usleep(300_000)
            try? servers.deliver(Array("Subject: second\r\n\r\nx\r\n".utf8), to: user)
        }
        t.start()
        let start = Date()
        #expect(try i.wait(timeout: 20, shouldStop: { false }) == .changed)
        #expect(Date().timeIntervalSince(start) < 5)
        // Moved away by another connection, then a new delivery: each wakes the next wait.
        let client = try CurlIMAPClient(options: ServerOptions(url: "imap://127.0.0.1:\(servers.imapPort)/INBOX", username: user, password: "secret", tls: .never))
        try client.move(uids: try client.uids(after: 0), to: "Done")
        #expect(try i.wait(timeout: 5, shouldStop: { false }) == .changed)
        for round in 0..<3 {
            let t2 = Thread {
                usleep(300_000)
                try? servers.deliver(Array("Subject: round \(round)\r\n\r\nx\r\n".utf8), to: user)
            }
            t2.start()
            #expect(try i.wait(timeout: 10, shouldStop: { false }) == .changed, "round \(round)")
        }
        #expect(try i.wait(timeout: 20, shouldStop: { true }) == .stopped)
    }

    @Test("IDLE over imaps with the test CA")
    func overTLS() throws {
        let servers = self.servers
        let user = TestServers.uniqueName("idle")
        try servers.deliver(Array("Subject: first\r\n\r\nx\r\n".utf8), to: user)
        let i = try idler(user, url: "imaps://localhost:\(servers.imapsPort)/INBOX", tls: .required, ca: servers.caFile)
        #expect(try i.wait(timeout: 1, shouldStop: { false }) == .timeout)
        // A delivery made while the wait is under way (from inside it, once IDLE was
        // sent: no sleep decides when) wakes it over TLS.
        var delivered = false
        let start = Date()
        let reason = try i.wait(timeout: 20, shouldStop: {
            if !delivered {
                delivered = true
                try? servers.deliver(Array("Subject: over TLS\r\n\r\nx\r\n".utf8), to: user)
            }
            return false
        })
        #expect(delivered)
        #expect(reason == .changed)
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
