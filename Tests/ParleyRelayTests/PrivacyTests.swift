import Crypto
import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyTesting
import Testing

/// No public view ever shows a commenter's address (issue 15, acceptance 1): a thread
/// of 20 commenters, every public view scanned — the static files, and the HTML, JSON
/// and Atom that `parley serve` answers.
@Suite("Privacy")
struct PrivacyTests {
    @Test("a thread of 20 commenters: no address, whole, in any case or hashed, in any public view")
    func noAddressInPublicViews() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestServers.parleyBinary), "this test runs the parley binary, which `swift build` makes (make test builds it first): \(TestServers.parleyBinary) is missing")
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann", "Ann Handley")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        // Twenty commenters: names in several scripts, some with none, some whose
        // "name" is their address (as many clients write it), distinctive local parts.
        var people: [(from: String, address: String)] = []
        for i in 0..<20 {
            let address = "zq\(i)x-reader.\(i)@\(h.domain)"
            let from: String
            switch i % 4 {
            case 0: from = address
            case 1: from = "\"\(address)\" <\(address)>"
            case 2: from = "Ζωή Reader \(i) <\(address)>"
            default: from = "山田 \(i) <\(address)>"
            }
            people.append((from, address))
            try h.relay.subscribe(EmailAddress(address)!, post: nil, conversation: "c")
        }
        try h.relay.addPost(id: "p", title: "On privacy", url: "https://liz.example.org/privacy", author: liz, conversation: "c")
        _ = try h.relay.flushOutbox()
        for (i, person) in people.enumerated() {
            let note = try #require(h.servers.sunk(to: person.address).first)
            try h.deliver(MailClient.reply(to: note, from: person.from, text: "Comment \(i): privacy matters to me.", messageID: "privacy\(i)@client.example"))
        }
        #expect(try h.poll().byStatus["published"] == 20)
        _ = try h.relay.publishPending()

        // Everything a stranger can read.
        var views: [String: String] = [:]
        let dir = h.relay.config.publish.outputDir + "/p"
        for name in ["comments.html", "comments.json", "comments.atom"] {
            views["static \(name)"] = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
        }
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        let port = h.relay.config.httpListen.split(separator: ":").last.map(String.init) ?? ""
        for path in ["posts/p/comments", "posts/p/comments.json", "posts/p/comments.atom"] {
            var body = ""
            _ = TestServers.eventually(timeout: 20) {
                body = Self.get("http://127.0.0.1:\(port)/\(path)")
                return body.contains("Comment 19")
            }
            views["http \(path)"] = body
        }
        daemon.signal(SIGTERM)
        _ = daemon.waitExit(15)
        for (name, text) in views {
            #expect(text.contains("Comment 0: privacy matters") && text.contains("Comment 19: privacy matters"), "\(name) shows the thread")
            let lower = text.lowercased()
            for person in people {
                let a = person.address.lowercased()
                let local = String(a.split(separator: "@")[0])
                #expect(!lower.contains(a), "\(name) shows \(person.address)")
                #expect(!lower.contains(local), "\(name) shows the local part of \(person.address)")
                for hash in [Insecure.MD5.hash(data: Array(a.utf8)).map { String(format: "%02x", $0) }.joined(),
                             SHA256.hash(data: Array(a.utf8)).map { String(format: "%02x", $0) }.joined()] {
                    #expect(!lower.contains(hash), "\(name) shows a hash of \(person.address)")
                }
            }
        }
        // The public JSON objects have exactly the public keys.
        let json = try JSONSerialization.jsonObject(with: Data(views["http posts/p/comments.json"]!.utf8)) as? [[String: Any]] ?? []
        #expect(json.count == 20)
        #expect(Set(json.flatMap(\.keys)) == ["id", "post", "parent", "author_name", "body", "body_html", "created_at", "kind"])
        #expect(json.filter { ($0["author_name"] as? String) == PublicComment.anonymousName }.count == 10, "a name that is an address is not shown")
        #expect(json.contains { ($0["author_name"] as? String) == "Ζωή Reader 2" })
        // The admin still sees who wrote what.
        #expect(Set(try h.relay.commentViews(post: "p", status: "published").map(\.authorEmail)) == Set(people.map(\.address)))
    }

    static func get(_ url: String) -> String {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--max-time", "5", url]
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
