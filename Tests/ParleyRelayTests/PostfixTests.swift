import Foundation
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// The outbox and the logins against a real Postfix submission service
/// (scripts/postfix.sh) and its Dovecot: STARTTLS required, SASL AUTH, a size limit,
/// access-map refusals, greylisting, SMTPUTF8, XOAUTH2.
@Suite("Postfix", .serialized)
struct PostfixTests {
    /// A harness whose IMAP and SMTP are the Postfix instance's, over STARTTLS with its
    /// CA; `smtpAuth` replaces the SMTP login lines, `imapAuth` the mailbox's password line.
    static func harness(_ pf: PostfixServer, smtpPort: Int? = nil, smtpAuth: String = "username = \"parley\"\npassword = \"secret\"",
                        imapAuth: ((String) -> String)? = nil, extra: String = "") throws -> RelayHarness {
        let s = pf.servers
        return try RelayHarness(servers: s, pollInterval: "1s", idle: false) { toml in
            var t = toml
                .replacingOccurrences(of: "url = \"smtp://127.0.0.1:\(s.smtpPort)\"\nstarttls = \"never\"",
                                      with: "url = \"smtp://127.0.0.1:\(smtpPort ?? s.smtpPort)\"\nstarttls = \"required\"\nca_file = \"\(s.caFile)\"\n\(smtpAuth)")
                .replacingOccurrences(of: "url = \"imap://127.0.0.1:\(s.imapPort)/INBOX\"\nstarttls = \"never\"",
                                      with: "url = \"imap://127.0.0.1:\(s.imapPort)/INBOX\"\nstarttls = \"required\"\nca_file = \"\(s.caFile)\"")
            if let imapAuth { t = imapAuth(t) }
            return t + "\n[outbox]\nretry_base = \"2s\"\n" + extra
        }
    }

    static func status(_ h: RelayHarness, _ recipient: String) -> OutboundRecord? {
        try? h.relay.store.read { try $0.outbound(limit: 1000) }.first { $0.recipient == recipient }
    }

    @Test("STARTTLS + AUTH: delivered; 550 fails at once; greylisted (450) is retried and delivered exactly once; SMTPUTF8 delivers a non-ASCII address; 552 fails with the server's words")
    func submission() throws {
        let pf = try PostfixServer(environment: ["POSTFIX_MAX_SIZE": "40000", "POSTFIX_GREYLIST_DELAY": "2"])
        defer { pf.stop() }
        let h = try Self.harness(pf)
        let liz = h.address("liz"), ann = h.address("ann")
        let reader = h.address("reader"), gone = h.address("reject-gone"), grey = h.address("grey-later")
        let jorg = try #require(EmailAddress(address: "jörg@\(h.domain)", name: "Jörg"), "a non-ASCII address is accepted")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for r in [reader, gone, grey, jorg] { try h.relay.subscribe(r, post: nil, conversation: "c") }
        try h.relay.addPost(id: "p", title: "Über Vertrauen", url: "https://liz.example.org/p", author: liz, conversation: "c")

        let first = try h.relay.flushOutbox()
        #expect(first.sent == 3 && first.failed == 1 && first.deferred == 1, "\(first.line)")
        #expect(Self.status(h, gone.address)?.status == "failed")
        #expect(Self.status(h, gone.address)?.lastError?.contains("550") == true)
        #expect(Self.status(h, grey.address)?.status == "deferred")
        #expect(Self.status(h, grey.address)?.lastError?.contains("450") == true, "\(Self.status(h, grey.address)?.lastError ?? "")")
        // The greylist clears after 2 s; the retry comes after retry_base (2 s).
        #expect(TestServers.eventually(timeout: 30) { _ = try? h.relay.flushOutbox(); return Self.status(h, grey.address)?.status == "sent" })
        #expect(pf.drain())
        for r in [ann, reader, grey, jorg] {
            #expect(pf.servers.sunk(to: r.address).count == 1, "\(r.address) got the notification exactly once")
        }
        #expect(pf.servers.sunk(to: gone.address).isEmpty)
        #expect(Self.status(h, jorg.address)?.status == "sent", "SMTPUTF8: \(Self.status(h, jorg.address)?.lastError ?? "")")

        // A comment too big for the server's limit: 552 is permanent, with its words.
        let note = try #require(pf.servers.sunk(to: ann.address).first)
        let long = String(repeating: "Ein sehr langer Absatz, Zeile um Zeile, über Vertrauen und Briefe. ", count: 900)
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: long, messageID: "long@client.example"))
        #expect(try h.poll().byStatus["published"] == 1)
        _ = try h.relay.flushOutbox()
        let big = try #require(try h.relay.store.read { try $0.outbound(limit: 1000) }.first { $0.recipient == liz.address && $0.kind == "new-comment" })
        #expect(big.status == "failed")
        #expect(big.lastError?.contains("552") == true, "\(big.lastError ?? "")")
    }

    @Test("a non-ASCII address on a server without SMTPUTF8 fails permanently with a message saying so; the others are delivered")
    func withoutSMTPUTF8() throws {
        let pf = try PostfixServer()
        defer { pf.stop() }
        let h = try Self.harness(pf, smtpPort: pf.noUTF8Port)
        let liz = h.address("liz"), ann = h.address("ann")
        let jorg = try #require(EmailAddress(address: "jörg@\(h.domain)", name: nil))
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.subscribe(jorg, post: nil, conversation: "c")
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        let summary = try h.relay.flushOutbox()
        #expect(summary.sent == 1 && summary.failed == 1, "\(summary.line)")
        let failed = try #require(Self.status(h, jorg.address))
        #expect(failed.status == "failed")
        #expect(failed.lastError?.contains("does not offer SMTPUTF8") == true, "\(failed.lastError ?? "")")
        #expect(Self.status(h, ann.address)?.status == "sent")
    }

    @Test("XOAUTH2: serve logs in to IMAP and SMTP with a bearer token; an expired one is a clear error and a backoff, and a fresh one in the file is used without a restart")
    func xoauth2() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "the parley binary is built by `swift build`: \(TestServers.parleyBinary)")
        let pf = try PostfixServer()
        defer { pf.stop() }
        let tokenFile = pf.dir + "/token-\(UInt32.random(in: 0...UInt32.max))"
        try "not-yet\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)  // the config names an existing file
        var user = ""
        let h = try Self.harness(pf, smtpAuth: "username = \"{USER}\"\noauth2_token_file = \"\(tokenFile)\"") { toml in
            // The mailbox logs in with the token too, not the password.
            toml.replacingOccurrences(of: "password = \"secret\"\npoll_interval", with: "oauth2_token_file = \"\(tokenFile)\"\npoll_interval")
        }
        user = h.user
        try String(contentsOfFile: h.configPath, encoding: .utf8).replacingOccurrences(of: "{USER}", with: user)
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        try "valid-\(user)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(try !String(contentsOfFile: h.configPath, encoding: .utf8).contains("password = \"secret\"\npoll"), "no password for the mailbox")

        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        // SMTP with the token: Ann's new-post notification goes out through Postfix.
        #expect(TestServers.eventually(timeout: 30) { pf.drain(seconds: 1); return !pf.servers.sunk(to: ann.address).isEmpty }, "\(daemon.log.suffix(1500))")
        let note = try #require(pf.servers.sunk(to: ann.address).first)
        // IMAP with the token: her reply is read and published.
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: "Read over XOAUTH2.", messageID: "x1@client.example"))
        #expect(TestServers.eventually(timeout: 30) { (try? h.relay.commentViews(post: "p", status: nil).count) == 1 }, "\(daemon.log.suffix(1500))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)

        // The token expires: a new daemon is refused, says why once, keeps running.
        try "expired-\(user)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let second = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve2.log")
        defer { if second.process.isRunning { second.signal(SIGKILL) } }
        #expect(TestServers.eventually(timeout: 30) { second.log.contains("refused the OAuth 2.0 token") }, "\(second.log.suffix(1500))")
        try h.deliver(MailClient.reply(to: note, from: ann.address, text: "Waiting for a fresh token.", messageID: "x2@client.example"))
        #expect(second.process.isRunning, "an expired token is not a crash")
        let refusals = second.log.split(separator: "\n").filter { $0.contains("mailbox=talk") && $0.contains("refused the OAuth 2.0 token") }
        #expect(refusals.count == 1, "the mailbox loop logs it once per change of state: \(refusals)")
        // A fresh token in the file: the next attempt (after its backoff) logs in.
        try "valid-\(user)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(TestServers.eventually(timeout: 60) { (try? h.relay.commentViews(post: "p", status: nil).count) == 2 }, "\(second.log.suffix(1500))")
        second.signal(SIGTERM)
        #expect(second.waitExit(15) == 0)
        let asked = (try? String(contentsOfFile: pf.dir + "/oauth.log", encoding: .utf8)) ?? ""
        #expect(asked.contains("valid-\(user)") && asked.contains("expired-\(user)"), "the tokens were checked by the introspection endpoint")
    }
}
