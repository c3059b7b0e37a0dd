import Foundation
import ParleyTesting

/// The tiny HTTP receiver of `scripts/webhook_receiver.py`, started for one test.
final class WebhookReceiver {
    let dir: String
    let port: Int
    private let process: Process

    /// One POST as the receiver stored it.
    struct Request {
        var headers: [String: String]
        var body: Data
        var status: Int
    }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(TestServers.uniqueName("webhook")).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestServers.repoRoot + "/scripts/webhook_receiver.py", dir]
        try process.run()
        let portFile = dir + "/port"
        guard TestServers.eventually(timeout: 10, { FileManager.default.fileExists(atPath: portFile) }),
              let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) else {
            kill(process.processIdentifier, SIGKILL)
            throw TestError("the webhook receiver did not start (python3 scripts/webhook_receiver.py \(dir))")
        }
        self.port = port
    }

    deinit {
        // SIGKILL, not terminate(): the child inherits the test thread's signal mask, in
        // which SIGTERM may be blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var url: String { "http://127.0.0.1:\(port)/hooks/parley" }

    /// Makes the receiver answer this status from now on.
    func answer(_ status: Int) throws {
        try "\(status)".write(toFile: dir + "/status", atomically: true, encoding: .utf8)
    }

    /// Every request received, oldest first.
    func requests() -> [Request] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let base = dir + "/" + name.dropLast(5)
            guard let meta = FileManager.default.contents(atPath: base + ".json"),
                  let object = try? JSONSerialization.jsonObject(with: meta) as? [String: Any],
                  let body = FileManager.default.contents(atPath: base + ".body") else { return nil }
            return Request(headers: object["headers"] as? [String: String] ?? [:], body: body, status: object["status"] as? Int ?? 0)
        }
    }
}

/// A test precondition that failed, with what to do.
struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program and returns its exit status and standard output.
func runTool(_ arguments: [String], timeout: TimeInterval = 120) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting, so a full pipe cannot stall the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Loads `page` in headless Chromium through the inspector page (a fixture) and returns
/// the report its script builds from the DOM Chromium made.
func chromiumDOMReport(page: String) throws -> [String: Any] {
    guard let inspector = Bundle.module.url(forResource: "Fixtures/publishing/inspect", withExtension: "html") else {
        throw TestError("fixture Fixtures/publishing/inspect.html is missing from the test bundle")
    }
    let dir = (page as NSString).deletingLastPathComponent
    let local = dir + "/inspect.html"
    try? FileManager.default.removeItem(atPath: local)
    try FileManager.default.copyItem(atPath: inspector.path, toPath: local)
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent(TestServers.uniqueName("chromium")).path
    defer { try? FileManager.default.removeItem(atPath: profile) }
    let pageName = (page as NSString).lastPathComponent
    let result = try runTool(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                              "--allow-file-access-from-files", "--virtual-time-budget=5000",
                              "--dump-dom", "file://\(local)?page=\(pageName)"])
    guard result.status == 0 else {
        throw TestError("chromium exited \(result.status) (is Debian's chromium package installed? `make deps`): \(result.errors.suffix(500))")
    }
    guard let start = result.output.range(of: "<pre id=\"report\">"),
          let end = result.output.range(of: "</pre>", range: start.upperBound..<result.output.endIndex) else {
        throw TestError("chromium's DOM has no report: \(result.output.prefix(500))")
    }
    let json = String(result.output[start.upperBound..<end.lowerBound])
    guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
        throw TestError("the inspector's report is not a JSON object: \(json.prefix(300))")
    }
    return object
}

/// Parses an Atom file with Python's expat-based parser (strict XML 1.0) and returns the
/// text of each entry's content, or throws with the parser's error.
func atomEntryContents(_ path: String) throws -> [String] {
    let script = """
    import json, sys, xml.dom.minidom
    doc = xml.dom.minidom.parse(sys.argv[1])
    feed = doc.documentElement
    assert feed.namespaceURI == 'http://www.w3.org/2005/Atom' and feed.localName == 'feed', 'not an Atom feed'
    out = []
    for entry in feed.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'entry'):
        c = entry.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'content')[0]
        out.append(''.join(n.data for n in c.childNodes if n.nodeType in (n.TEXT_NODE, n.CDATA_SECTION_NODE)))
    print(json.dumps(out))
    """
    let result = try runTool(["python3", "-c", script, path])
    guard result.status == 0 else { throw TestError("\(path) is not well-formed Atom: \(result.errors)") }
    return try JSONDecoder().decode([String].self, from: Data(result.output.utf8))
}

import ParleyRelay

extension RelayHarness {
    /// A relay over this harness's database with a changed config and, optionally, a
    /// clock the test moves.
    func publishingRelay(clock: TestClock? = nil, _ change: (inout ParleyConfig) -> Void = { _ in }) -> Relay {
        var config = relay.config
        change(&config)
        let now: @Sendable () -> Date
        if let clock { now = { clock.now } } else { now = { Date() } }
        return Relay(config: config, store: relay.store, templates: relay.templates, logger: relay.logger, now: now)
    }

    /// The static files of a post.
    func view(_ post: String, _ file: String) -> String? {
        try? String(contentsOfFile: "\(dir)/public/\(post)/\(file)", encoding: .utf8)
    }
}

extension RelayHarness {
    /// Every message the SMTP sink accepted for addresses of this harness's domain.
    func sunkHere() -> [SunkMessage] {
        servers.sunk().filter { $0.recipients.contains { $0.lowercased().hasSuffix("@" + domain) } }
    }

    /// A fixture of `Fixtures/publishing` with `@KEY@` placeholders filled in.
    func fixture(_ name: String, _ values: [String: String]) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Fixtures/publishing/\(name)", withExtension: nil),
              var text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TestError("fixture Fixtures/publishing/\(name) is missing from the test bundle")
        }
        var all = values
        all["DOMAIN"] = domain
        all["UNIQUE"] = TestServers.uniqueName("m")
        for (key, value) in all { text = text.replacingOccurrences(of: "@\(key)@", with: value) }
        return Array(text.utf8)
    }
}
