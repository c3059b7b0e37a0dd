import Foundation
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// Webmention through `parley serve` (issue 15): a real client implementation from PyPI
/// (ronkyuu, installed into a throw-away venv by `scripts/webmention-client.sh`) discovers
/// Parley's endpoint on the blog's page and sends; the mention shows in the thread. A
/// spoofed one (its source does not link the post) never does.
@Suite("Webmention through serve")
struct WebmentionServeTests {
    /// Runs the client script; nil when it cannot run here (exit 3: ronkyuu not installable).
    static func sendWithRonkyuu(source: String, target: String) throws -> (status: Int32, output: String)? {
        let venv = FileManager.default.temporaryDirectory.appendingPathComponent("parley-ronkyuu-venv").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [TestServers.repoRoot + "/scripts/webmention-client.sh", venv, source, target]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if p.terminationStatus == 3 {
            print("skipping the real-client part: \(text)")
            return nil
        }
        return (p.terminationStatus, text)
    }

    @Test("ronkyuu's Webmention appears in the thread (verified from its h-entry); a spoofed one never does; the endpoint answers 400 for a target that is no post; comments pages advertise the endpoint")
    func realClient() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let web = try FeedServer()  // the blogs: another origin than Parley's
        let h = try WebHarness(servers: TestServers.shared)
        let parley = "http://127.0.0.1:\(h.httpPort)"
        let permalink = web.url("liz/2026/12/on-trust/")
        _ = try h.relay.addPost(id: "trust", title: "On trust", url: permalink, author: h.address("liz", "Liz Strauss"), conversation: nil)
        // Liz's blog template names Parley's endpoint, as the README tells blog owners to.
        try web.put("liz/2026/12/on-trust/index.html", """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>On trust</title>
            <link rel="webmention" href="\(parley)/webmention"></head>
            <body><article class="h-entry"><h1 class="p-name">On trust</h1></article></body></html>
            """)
        try web.put("zoe/notes/42/index.html", """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Note</title></head><body>
            <article class="h-entry"><a class="p-author h-card" href="/"><span class="p-name">Zoë Ångström</span></a>
            <div class="e-content"><p>Trust is built in letters — <a href="\(permalink)">Liz on trust</a>. 信頼。</p></div>
            </article></body></html>
            """)
        try web.put("spam/index.html", """
            <!DOCTYPE html><html><body><div class="h-entry"><span class="p-author">Cheap Pills</span>
            <p class="e-content">Buy now at our shop! \(permalink)</p></div></body></html>
            """)
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        #expect(daemon.waitHTTP(port: h.httpPort), "\(daemon.log)")

        let page = try HTTP.get(h.httpPort, "/posts/trust/comments")
        #expect(page.headers["link"] == "<\(h.relay.config.site.baseURL)/webmention>; rel=\"webmention\"")
        let unknown = try HTTP.request("POST", port: h.httpPort, path: "/webmention",
                                       body: "source=\(web.url("zoe/notes/42/"))&target=\(web.url("liz/not-a-post/"))")
        #expect(unknown.status == 400 && unknown.text.contains("not a post"))
        #expect(try HTTP.request("POST", port: h.httpPort, path: "/webmention", body: "source=x").status == 400)

        guard let sent = try Self.sendWithRonkyuu(source: web.url("zoe/notes/42/"), target: permalink) else { return }
        #expect(sent.status == 0, "ronkyuu: \(sent.output)")
        #expect(sent.output.contains("endpoint=\(parley)/webmention status=202"), "\(sent.output)")
        let spoof = try #require(try Self.sendWithRonkyuu(source: web.url("spam/"), target: permalink))
        #expect(spoof.status == 0, "the spoofed one is accepted for verification too: \(spoof.output)")

        // Verified asynchronously by serve's Webmention loop.
        var thread = ""
        let shown = TestServers.eventually(timeout: 30) {
            thread = (try? HTTP.get(h.httpPort, "/embed/thread.json?post=trust").text) ?? ""
            return thread.contains("\"kind\" : \"mention\"")
        }
        #expect(shown, "the mention never appeared: \(thread)\n\(daemon.log)")
        #expect(thread.contains("Zoë Ångström") && thread.contains("Trust is built in letters") && thread.contains("信頼"))
        let refused = TestServers.eventually(timeout: 30) {
            (try? h.relay.webmentions(status: "refused"))?.contains { $0.source == web.url("spam/") } == true
        }
        #expect(refused, "the spoofed mention was not refused: \((try? h.relay.webmentions(status: nil).map { "\($0.source) \($0.status) \($0.reason)" }) ?? [])")
        let after = try HTTP.get(h.httpPort, "/embed/thread.json?post=trust").text
        #expect(!after.contains("Cheap Pills") && !after.contains("Buy now"), "never shown")
        let html = TestServers.eventually(timeout: 10) { (try? HTTP.get(h.httpPort, "/posts/trust/comments").text)?.contains("Zoë Ångström") == true }
        #expect(html, "the comments page shows the mention")
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }
}
