import Foundation
import Hummingbird
import HummingbirdTesting
import ParleyCore
import ParleyRelay
import ParleyTesting
import ParleyWeb
import Testing

/// The embed (issue 15): its files, its JSON, CORS; and the whole of it in headless
/// Chromium on a blog page of another origin under a strict CSP.
@Suite("Embed", .serialized)
struct EmbedTests {
    static let blog = "https://liz.example.org"

    @Test("embed.js and embed.css: long cache, ETag, 304; under 10 KB gzipped together; no eval, no inline style")
    func assets() async throws {
        let h = try WebHarness()
        try await WebRouterTests.app(h).test(.router) { client in
            for (path, type) in [("/embed.js", "text/javascript"), ("/embed.css", "text/css")] {
                let first = try await client.execute(uri: path, method: .get)
                #expect(first.status == .ok)
                #expect(first.headers[.contentType]?.hasPrefix(type) == true)
                #expect(first.headers[.cacheControl] == "public, max-age=86400")
                let etag = try #require(first.headers[.eTag])
                let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
            }
        }
        let js = try String(contentsOfFile: TestServers.repoRoot + "/templates/embed.js", encoding: .utf8)
        for forbidden in ["eval(", "new Function", ".style.", "innerHTML", "document.cookie", "localStorage", "setAttribute(\"style\""] {
            #expect(!js.contains(forbidden), "embed.js uses \(forbidden)")
        }
        let gz = Process()
        let pipe = Pipe()
        gz.executableURL = URL(fileURLWithPath: "/bin/sh")
        gz.arguments = ["-c", "cat templates/embed.js templates/embed.css | gzip -9 | wc -c"]
        gz.currentDirectoryURL = URL(fileURLWithPath: TestServers.repoRoot)
        gz.standardOutput = pipe
        try gz.run()
        gz.waitUntilExit()
        let size = Int(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max
        print("embed.js + embed.css gzipped: \(size) bytes")
        #expect(size < 10 * 1024)
    }

    @Test("the thread by id and by permalink; CORS answers exactly the allowed origins, never *")
    func threadAndCORS() async throws {
        let h = try WebHarness(allowedOrigins: [Self.blog])
        let (liz, ann) = try h.conversationAndPost()
        let first = try h.comment(post: "p", by: ann, "Hello from Ann")
        try h.comment(post: "p", by: liz, "Hello back", parent: first)
        try await WebRouterTests.app(h).test(.router) { client in
            for uri in ["/embed/thread.json?post=p", "/embed/thread.json?url=https%3A%2F%2FLIZ.example.org%2Ftrust%2F"] {
                let r = try await client.execute(uri: uri, method: .get, headers: [.origin: Self.blog])
                #expect(r.status == .ok, "\(uri)")
                #expect(r.headers[.accessControlAllowOrigin] == Self.blog)
                let object = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                let post = object?["post"] as? [String: Any]
                #expect(post?["id"] as? String == "p")
                #expect((post?["reply_to"] as? String)?.hasPrefix("talk+") == true)
                let comments = object?["comments"] as? [[String: Any]] ?? []
                #expect(comments.count == 2 && comments.allSatisfy { $0["author_email"] == nil })
            }
            let other = try await client.execute(uri: "/comments.json?url=https://liz.example.org/trust", method: .get,
                                                 headers: [.origin: "https://evil.example"])
            #expect(other.status == .ok)
            #expect(other.headers[.accessControlAllowOrigin] == nil, "an origin not configured gets no CORS header")
            #expect(other.headers[.vary] == "Origin")
            let missing = try await client.execute(uri: "/comments.json?url=https://liz.example.org/none", method: .get)
            #expect(missing.status == .notFound)
        }
    }

    @Test("headless Chromium: a blog page on another origin, strict CSP, renders the nested non-ASCII thread, the reply link and the follow form",
          .enabled(if: FileManager.default.isExecutableFile(atPath: BrowserTests.chromium),
                   "no Chromium at /usr/bin/chromium (apt-get install chromium, or set PARLEY_CHROMIUM)"))
    func inChromium() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let blog = try FeedServer()  // serves the blog's page: another origin (port) than Parley's
        let origin = "http://127.0.0.1:\(blog.port)"
        let h = try WebHarness(servers: TestServers.shared, allowedOrigins: [origin])
        let (liz, ann) = try h.conversationAndPost()
        let first = try h.comment(post: "p", by: ann, "Grüße aus Köln! 你好，世界 🌍\n\nZweiter Absatz <b>not bold</b>.")
        let second = try h.comment(post: "p", by: liz, "Merci, Ann ! «Confiance» se dit 信頼.", parent: first)
        try h.comment(post: "p", by: h.address("omar", "عمر"), "مرحبا — right to left.", parent: second)
        let parley = h.baseURL
        try blog.put("post.html", """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src \(parley); style-src \(parley); connect-src \(parley); form-action 'none'; base-uri 'none'">
            <title>On trust</title></head>
            <body><article><h1>Über Vertrauen</h1><p>A post on Liz's blog.</p></article>
            <div data-parley-post="https://liz.example.org/trust"></div>
            <script src="\(parley)/embed.js" defer></script>
            </body></html>
            """)
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(daemon.waitHTTP(port: h.httpPort), "\(daemon.log)")

        let url = blog.url("post.html")
        let dom = try BrowserTests.chromium(["--dump-dom", "--virtual-time-budget=8000"], url: url, profile: h.dir + "/chromium-embed-dom")
        #expect(dom.contains("<section class=\"parley\""), "the embed did not render: \(dom.prefix(3000))")
        #expect(dom.contains("id=\"parley-comment-\(first)\""))
        #expect(dom.contains("class=\"parley-replies\""), "nested")
        #expect(dom.contains("你好，世界 🌍"))
        #expect(dom.contains("&lt;b&gt;not bold&lt;/b&gt;"), "markup stays text")
        #expect(dom.contains("<bdi class=\"parley-author\">عمر</bdi>"))
        #expect(dom.contains("href=\"mailto:talk+"), "the reply-by-email link")
        #expect(dom.contains("subject=Re%3A%20%C3%9Cber%20Vertrauen"), "its subject")
        #expect(dom.contains("<form class=\"parley-follow\""))
        for who in ["ann", "liz", "omar"] {
            #expect(!dom.contains("\(who)@\(h.domain)"), "no commenter's address on the page")
        }
        for (size, label) in [("390,844", "phone"), ("1280,900", "desktop")] {
            let file = Artifacts.dir + "/embed-\(label).png"
            try? FileManager.default.removeItem(atPath: file)
            _ = try BrowserTests.chromium(["--screenshot=\(file)", "--window-size=\(size)", "--virtual-time-budget=8000"], url: url,
                                          profile: h.dir + "/chromium-embed-\(label)")
            let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            #expect(bytes > 1000, "screenshot \(file) written")
            print("browser test artefact: \(file) (\(bytes) bytes)")
        }
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }

    @Test("the HTTP views are the published files while current (ETag, 304), rendered afresh while a rewrite waits")
    func publishedFiles() async throws {
        let h = try WebHarness()
        let (liz, ann) = try h.conversationAndPost()
        try h.comment(post: "p", by: ann, "First, published")
        let held = try h.comment(post: "p", by: liz, "Second, held", status: "pending")
        try h.relay.store.write { try $0.requestViewUpdate(postId: "p", now: Date()) }
        _ = try h.relay.publishPending()
        // Pending rewrites read at every request here (serve reads them every 100 ms).
        let app = Application(router: WebRoutes(relay: h.relay, health: HealthBoard(), metrics: WebMetrics(), pendingViewsMaxAge: 0).router())
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/posts/p/comments.json", method: .get)
            let etag = try #require(first.headers[.eTag])
            #expect(etag.hasPrefix("\"f"), "served from the published file")
            #expect(String(buffer: first.body).contains("First, published") && !String(buffer: first.body).contains("Second"))
            #expect(try await client.execute(uri: "/posts/p/comments.json", method: .get, headers: [.ifNoneMatch: etag]).status == .notModified)

            // A new comment whose rewrite still waits: the answer is rendered now, with it.
            try h.relay.store.write { tx in
                var c = try #require(try tx.comment(id: held))
                c.status = "published"
                try tx.update(c)
                try tx.requestViewUpdate(postId: "p", now: Date())
            }
            let fresh = try await client.execute(uri: "/posts/p/comments.json", method: .get)
            #expect(String(buffer: fresh.body).contains("Second, held"))
            #expect(fresh.headers[.eTag]?.hasPrefix("\"r") == true)
            _ = try h.relay.publishPending()
            let again = try await client.execute(uri: "/posts/p/comments.json", method: .get)
            #expect(again.headers[.eTag]?.hasPrefix("\"f") == true && String(buffer: again.body).contains("Second, held"))
        }
    }

    @Test("headless Chromium: a reader follows from the embed's form; the confirmation reaches the sink, its page's button confirms, the next comment reaches the reader",
          .enabled(if: FileManager.default.isExecutableFile(atPath: BrowserTests.chromium),
                   "no Chromium at /usr/bin/chromium (apt-get install chromium, or set PARLEY_CHROMIUM)"))
    func followInChromium() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let blog = try FeedServer()
        let origin = "http://127.0.0.1:\(blog.port)"
        let h = try WebHarness(servers: TestServers.shared, allowedOrigins: [origin])
        let (liz, ann) = try h.conversationAndPost()
        try h.comment(post: "p", by: ann, "A first comment.")
        let rita = "rita-\(UInt32.random(in: 0...UInt32.max))@\(h.domain)"
        let parley = h.baseURL
        // The reader, played by a script of the blog's own: it waits for the embed, types
        // the address and presses the button, as a person would.
        try blog.put("reader.js", """
            (function () {
              function go() {
                var input = document.querySelector(".parley-follow input[type=email]");
                if (!input) { setTimeout(go, 50); return; }
                input.value = "\(rita)";
                document.querySelector(".parley-follow button").click();
              }
              go();
            })();
            """)
        try blog.put("post.html", """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' \(parley); style-src \(parley); connect-src \(parley); base-uri 'none'">
            <title>On trust</title></head>
            <body><div data-parley-post="p"></div>
            <script src="\(parley)/embed.js" defer></script>
            <script src="reader.js" defer></script>
            </body></html>
            """)
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(daemon.waitHTTP(port: h.httpPort), "\(daemon.log)")

        let dom = try BrowserTests.chromium(["--dump-dom", "--virtual-time-budget=8000"], url: blog.url("post.html"),
                                            profile: h.dir + "/chromium-follow")
        #expect(dom.contains("Check your inbox"), "the form's answer: \(dom.suffix(1500))")
        let arrived = TestServers.eventually(timeout: 30) { !h.servers!.sunk(to: rita).isEmpty }
        try #require(arrived, "no confirmation email reached the sink: \(daemon.log.suffix(1500))")
        let mail = h.servers!.sunk(to: rita)[0].text
        let token = try #require(mail.range(of: #"/confirm/([a-z2-7]+)"#, options: .regularExpression)
            .map { String(mail[$0].dropFirst("/confirm/".count)) })
        #expect(try h.relay.subscriberViews().filter { $0.email == rita }.isEmpty, "nobody follows before confirming")

        // The confirmation page, in the browser: its button; pressing it is its form's POST.
        let page = try BrowserTests.chromium(["--dump-dom"], url: "\(parley)/confirm/\(token)", profile: h.dir + "/chromium-confirm")
        #expect(page.contains("<form class=\"actions\" method=\"post\">") && page.contains("id=\"confirm\""), "\(page.prefix(1500))")
        #expect(try h.relay.subscriberViews().filter { $0.email == rita }.isEmpty, "loading the page confirms nothing")
        let pressed = try HTTP.request("POST", port: h.httpPort, path: "/confirm/\(token)", body: "")
        #expect(pressed.status == 200 && pressed.text.contains("now gets an email"))

        // The next comment reaches the new follower.
        let held = try h.comment(post: "p", by: liz, "Welcome, Rita.", status: "pending")
        try h.relay.moderate(commentId: held, approve: true)
        let notified = TestServers.eventually(timeout: 30) {
            h.servers!.sunk(to: rita).contains { $0.text.contains("Welcome, Rita.") }
        }
        #expect(notified, "the follower got no notification of the next comment: \(daemon.log.suffix(1500))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }
}
