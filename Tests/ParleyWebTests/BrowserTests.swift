import Foundation
import ParleyCore
import ParleyRelay
import ParleyTesting
import Testing

/// Headless Chromium (Debian's `/usr/bin/chromium`) against a running `parley serve`:
/// the DOM as a browser builds it, and screenshots left in ``Artifacts/dir``.
/// Skipped, saying so, when Chromium is not installed.
@Suite("Browser", .serialized)
struct BrowserTests {
    static let chromium = ProcessInfo.processInfo.environment["PARLEY_CHROMIUM"] ?? "/usr/bin/chromium"

    /// Runs Chromium headless with `args` and the URL; returns what it printed on stdout.
    static func chromium(_ args: [String], url: String, profile: String) throws -> String {
        let out = profile + "-stdout.txt"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                             "--user-data-dir=\(profile)"] + args + [url]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let end = Date().addingTimeInterval(60)
        while process.isRunning && Date() < end { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    /// The DOM and a phone-sized and a desktop-sized screenshot of one page.
    static func load(_ url: String, name: String, dir: String) throws -> String {
        let dom = try chromium(["--dump-dom"], url: url, profile: dir + "/chromium-\(name)-dom")
        for (size, label) in [("390,844", "phone"), ("1280,900", "desktop")] {
            let file = Artifacts.dir + "/\(name)-\(label).png"
            try? FileManager.default.removeItem(atPath: file)
            _ = try chromium(["--screenshot=\(file)", "--window-size=\(size)"], url: url, profile: dir + "/chromium-\(name)-\(label)")
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            #expect(size > 1000, "screenshot \(file) written")
            print("browser test artefact: \(file) (\(size) bytes)")
        }
        return dom
    }

    @Test("the comments page of a nested, non-ASCII thread and an unsubscribe page, in headless Chromium: DOM checked, screenshots saved",
          .enabled(if: FileManager.default.isExecutableFile(atPath: BrowserTests.chromium),
                   "no Chromium at /usr/bin/chromium (apt-get install chromium, or set PARLEY_CHROMIUM)"))
    func pages() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try WebHarness(servers: TestServers.shared)
        let (liz, ann) = try h.conversationAndPost()
        let first = try h.comment(post: "p", by: ann, "Grüße aus Köln! Ein langer erster Absatz über Vertrauen, der auf einem Telefon umbrechen muss, ohne dass die Seite seitlich scrollt.\n\nZweiter Absatz: 你好，世界 🌍 — https://example.org/a-very-long-link/that/keeps/going?and=going&on=and-on")
        let second = try h.comment(post: "p", by: liz, "Merci, Ann ! «Confiance» se dit 信頼 en japonais.", parent: first)
        try h.comment(post: "p", by: ann, "Ευχαριστώ! <b>not bold</b> & «quoted»", parent: second)
        try h.comment(post: "p", by: h.address("omar", "عمر"), "مرحبا — a right-to-left name and text.")
        let bob = h.address("bob", "Bob")
        try h.relay.subscribe(bob, post: "p", conversation: nil)
        let bobId = try h.person(bob)
        let token = h.token(.comment, first, for: bobId)

        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        #expect(daemon.waitHTTP(port: h.httpPort), "\(daemon.log)")

        let dom = try Self.load(h.baseURL + "/posts/p/comments", name: "comments", dir: h.dir)
        #expect(dom.contains("<li class=\"comment depth-0\" id=\"comment-\(first)\""), "\(dom.prefix(2000))")
        #expect(dom.contains("class=\"comment depth-1\" id=\"comment-\(second)\" data-parent=\"\(first)\""))
        #expect(dom.contains("class=\"comment depth-2\""))
        #expect(dom.contains("你好，世界 🌍"))
        #expect(dom.contains("Ευχαριστώ! &lt;b&gt;not bold&lt;/b&gt; &amp; «quoted»"), "markup in a comment stays text in the DOM")
        #expect(!dom.contains("<b>not bold</b>"))
        #expect(dom.contains("<bdi class=\"author\">عمر</bdi>"))
        #expect(dom.contains("rel=\"nofollow ugc\""))
        #expect(dom.contains("Über Vertrauen — «trust» 信頼"))

        let page = try Self.load(h.baseURL + "/unsubscribe/\(token)", name: "unsubscribe", dir: h.dir)
        #expect(page.contains("bob@\(h.domain)"), "\(page.prefix(2000))")
        #expect(page.contains("<form class=\"actions\" method=\"post\">"))
        #expect(page.contains("id=\"unsubscribe\""))
        let active = try h.relay.store.read { try $0.subscriptions(personId: bobId) }.filter(\.active).count
        #expect(active == 1, "a browser loading the page (three times) unsubscribed nobody")

        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(10) == 0)
    }
}
