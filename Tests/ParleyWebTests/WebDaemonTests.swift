import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyTesting
import Testing

/// `parley serve` as a process, over real HTTP, against the throw-away Dovecot and SMTP sink.
@Suite("Web daemon", .serialized)
struct WebDaemonTests {
    /// A reply the way a mail client writes it, to a notification received at the sink.
    static func reply(to note: SunkMessage, from: String, text: String, messageID: String) -> [UInt8] {
        let parsed = MailParser.parse(note.raw)
        let headers = [
            "From: \(from)",
            "To: \(parsed.header("Reply-To") ?? "")",
            "Subject: Re: \(parsed.header("Subject") ?? "")",
            "Date: Thu, 26 Nov 2026 10:00:00 +0000",
            "Message-ID: <\(messageID)>",
            "In-Reply-To: \(parsed.header("Message-ID") ?? "")",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = "\(text)\n\nOn Thu, Nov 26, 2026 at 9:00 AM one2one wrote:\n> earlier words\n"
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
    }

    @Test("a reply delivered to the inbox appears in comments.json, the HTML page and a well-formed Atom feed; one-click unsubscribe from the URL of a received notification; /metrics counts; SIGTERM exits 0")
    func endToEnd() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let servers = TestServers.shared
        let h = try WebHarness(servers: servers)
        let (liz, ann) = try h.conversationAndPost()
        _ = try h.relay.flushOutbox()
        let note = try #require(servers.sunk(to: ann.address).first, "ann is told of the post")

        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        #expect(daemon.waitHTTP(port: h.httpPort), "serve answers over HTTP: \(daemon.log.suffix(1500))")
        let text = "Liebe Liz, schöner Beitrag — «merci» 谢谢 🙏"
        try servers.deliver(Self.reply(to: note, from: ann.description, text: text, messageID: "web-1@client.example"), to: h.user)

        var json: [[String: Any]] = []
        let appeared = TestServers.eventually(timeout: 30) {
            guard let r = try? HTTP.get(h.httpPort, "/posts/p/comments.json"), r.status == 200 else { return false }
            json = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [[String: Any]]) ?? []
            return json.count == 1
        }
        #expect(appeared, "the reply appears in comments.json: \(daemon.log.suffix(1500))")
        #expect(json.first?["body"] as? String == text)
        #expect(json.first?["author_name"] as? String == "Ann Handley")

        let page = try HTTP.get(h.httpPort, "/posts/p/comments")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains(text))
        let atom = try HTTP.get(h.httpPort, "/posts/p/comments.atom")
        #expect(atom.status == 200)
        let feed = try AtomFeed.parse(Data(atom.body))
        #expect(feed.entries == 1)

        // Liz is told of Ann's comment by the outbox service; her notification carries the
        // RFC 8058 header pair. POST to the URL exactly as received (its path: the
        // test's base_url is not this server).
        var lizNote: SunkMessage?
        _ = TestServers.eventually(timeout: 30) {
            lizNote = servers.sunk(to: liz.address).last
            return lizNote.map { MailParser.parse($0.raw).header("List-Unsubscribe") != nil } ?? false
        }
        let received = try #require(lizNote, "liz is notified: \(daemon.log.suffix(1500))")
        let parsed = MailParser.parse(received.raw)
        #expect(parsed.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        let listUnsubscribe = try #require(parsed.header("List-Unsubscribe"))
        let url = try #require(listUnsubscribe.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " <>")) }
            .first { $0.hasPrefix(h.relay.config.site.baseURL + "/unsubscribe/") })
        let path = String(url.dropFirst(h.relay.config.site.baseURL.count))

        let lizId = try h.person(liz)
        func notificationsToLiz() -> Int { servers.sunk(to: liz.address).count }
        let shown = try HTTP.get(h.httpPort, path)
        #expect(shown.status == 200)
        #expect(shown.text.contains(liz.address))
        let optOutsBefore = try h.relay.store.read { try $0.subscriptions(personId: lizId) }
        let oneClick = try HTTP.request("POST", port: h.httpPort, path: path, body: "List-Unsubscribe=One-Click")
        #expect(oneClick.status == 200, "\(oneClick.text)")
        let optOutsAfter = try h.relay.store.read { try $0.subscriptions(personId: lizId) }
        #expect(optOutsAfter != optOutsBefore, "the POST changed liz's subscriptions")

        // A second reply is published; liz, unsubscribed, is not told of it.
        let before = notificationsToLiz()
        try servers.deliver(Self.reply(to: note, from: ann.description, text: "Noch etwas.", messageID: "web-2@client.example"), to: h.user)
        #expect(TestServers.eventually(timeout: 30) { (try? h.relay.commentViews(post: "p", status: "published").count) == 2 })
        usleep(2_000_000)
        _ = try h.relay.flushOutbox()
        #expect(notificationsToLiz() == before, "no notification after the one-click unsubscribe")

        let metrics = try HTTP.get(h.httpPort, "/metrics")
        #expect(metrics.status == 200)
        let m = metrics.text
        #expect(m.contains("parley_emails_ingested_total{mailbox=\"talk\",outcome=\"published\"} 2"), "\(m)")
        #expect(m.contains("parley_notifications_total{outcome=\"sent\"}"))
        #expect(m.contains("parley_ingest_latency_seconds_bucket{mailbox=\"talk\""))
        #expect(m.contains("parley_outbox_depth "))
        #expect(m.contains("parley_last_successful_poll_timestamp_seconds{mailbox=\"talk\"}"))
        #expect(!m.contains("parley_last_successful_poll_timestamp_seconds{mailbox=\"talk\"} 0\n"))

        let health = try HTTP.get(h.httpPort, "/healthz")
        #expect(health.status == 200)
        #expect(health.text.contains("\"state\":\"ok\""))

        daemon.signal(SIGTERM)
        let start = Date()
        #expect(daemon.waitExit(10) == 0, "\(daemon.log.suffix(1500))")
        #expect(Date().timeIntervalSince(start) < 10)
        #expect((try? HTTP.get(h.httpPort, "/healthz")) == nil, "the port is closed after exit")
        #expect(daemon.log.contains("parley serve: stopped"), "every service, the HTTP server with them, ended gracefully")
        #expect(!daemon.log.contains("secret"), "no secrets in the log")
        #expect(!daemon.log.contains(String(path.dropFirst("/unsubscribe/".count))), "no tokens in the log")
        #expect(daemon.log.contains("unsubscribed by web"), "the change is logged")
    }

    @Test("moderation from the link in a real moderation email: GET changes nothing, POST approve publishes and the page says so")
    func moderationLink() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let servers = TestServers.shared
        let h = try WebHarness(servers: servers, moderation: "first-time")
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann"), bob = h.address("bob", "Bob Reader")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.subscribe(bob, post: nil, conversation: "c")
        _ = try h.relay.addPost(id: "p", title: "Vertrauen", url: "https://liz.example.org/p", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        let note = try #require(servers.sunk(to: bob.address).first, "bob, a subscriber, is told of the post")

        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        #expect(daemon.waitHTTP(port: h.httpPort))
        try servers.deliver(Self.reply(to: note, from: bob.description, text: "Erster Kommentar, bitte freischalten — ☕", messageID: "bob-1@client.example"), to: h.user)
        var request: SunkMessage?
        let asked = TestServers.eventually(timeout: 30) {
            request = servers.sunk(to: liz.address).first { $0.header("Subject")?.hasPrefix("Moderate") == true }
            return request != nil
        }
        #expect(asked, "liz gets the moderation request: \(daemon.log.suffix(1500))")
        let text = MailParser.parse(try #require(request).raw).text ?? ""
        let prefix = h.relay.config.site.baseURL + "/moderate/"
        let start = try #require(text.range(of: prefix), "\(text)")
        let token = text[start.upperBound...].prefix { $0.isLetter || $0.isNumber }
        let path = "/moderate/\(token)"
        func status() throws -> String? { try h.relay.store.read { try $0.comments(post: "p").first?.status } }
        #expect(try status() == "pending")

        for _ in 0..<2 {
            let page = try HTTP.get(h.httpPort, path)
            #expect(page.status == 200)
            #expect(page.text.contains("Erster Kommentar, bitte freischalten — ☕"))
        }
        #expect(try status() == "pending", "GETs change nothing")
        #expect(try !HTTP.get(h.httpPort, "/posts/p/comments.json").text.contains("freischalten"), "held: not shown")
        let approved = try HTTP.request("POST", port: h.httpPort, path: path, body: "action=approve")
        #expect(approved.status == 200)
        #expect(approved.text.contains("Published"))
        #expect(try status() == "published")
        #expect(try HTTP.get(h.httpPort, "/posts/p/comments.json").text.contains("freischalten"))
        // The decision wakes the outbox at once (its own sleep is 5 s): the static view is
        // rewritten and ann, the other partner, is told.
        let staticView = h.dir + "/public/p/comments.html"
        #expect(TestServers.eventually(timeout: 3) {
            ((try? String(contentsOfFile: staticView, encoding: .utf8)) ?? "").contains("freischalten")
                && servers.sunk(to: ann.address).contains { $0.text.contains("freischalten") }
        }, "views and notifications follow the web decision: \(daemon.log.suffix(1000))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }

    @Test("serve refuses to start when the HTTP port is taken, and says so; parley check reports it")
    func portTaken() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try WebHarness(servers: TestServers.shared)
        let first = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve1.log")
        #expect(first.waitHTTP(port: h.httpPort))
        let check = try ParleyProcess(["check"], config: h.configPath, logPath: h.dir + "/check.log")
        #expect(check.waitExit(30) == 1)
        #expect(check.log.contains("http.listen"), "\(check.log)")
        // Another installation (its own database: one on the same database is refused
        // by the daemon lock before it gets that far) configured with the same port.
        let otherConfig = h.dir + "/other.toml"
        try String(contentsOfFile: h.configPath, encoding: .utf8)
            .replacingOccurrences(of: #"(?m)^path = ".*parley\.sqlite"$"#, with: "path = \"\(h.dir)/other.sqlite\"", options: .regularExpression)
            .write(toFile: otherConfig, atomically: true, encoding: .utf8)
        let second = try ParleyProcess(["serve"], config: otherConfig, logPath: h.dir + "/serve2.log")
        let status = second.waitExit(15)
        #expect(status != nil && status != 0, "a second daemon on the same port stops with an error: \(second.log.suffix(800))")
        #expect(second.log.contains("Address already in use"))
        first.signal(SIGTERM)
        #expect(first.waitExit(10) == 0)
        let again = try ParleyProcess(["check"], config: h.configPath, logPath: h.dir + "/check2.log")
        #expect(again.waitExit(30) == 0, "\(again.log)")
        #expect(again.log.contains("is free to listen on"))
    }
}
