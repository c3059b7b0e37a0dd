import Foundation

/// What `scripts/check_mail.py` (Python's `email` package with `policy.strict`) makes
/// of messages: an independent strict reader for the mail Parley writes.
public struct StrictMailCheck: Sendable {
    public var defects: [String]
    public var headers: [String: [String]]
    public var addresses: [String: [[String]]]
    public var text: String?
    public var html: String?

    /// The first decoded value of a header.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value.first
    }

    /// Checks messages as the sink received them.
    public static func run(_ messages: [SunkMessage]) throws -> [StrictMailCheck] {
        try run(messages.map(\.raw))
    }

    /// Checks the messages with one run of Debian's /usr/bin/python3.
    public static func run(_ messages: [[UInt8]]) throws -> [StrictMailCheck] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-check-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var paths: [String] = []
        for (i, raw) in messages.enumerated() {
            let path = "\(dir)/\(i).eml"
            try Data(raw).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [TestServers.repoRoot + "/scripts/check_mail.py"] + paths
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw TestServerError("check_mail.py printed no JSON: \(String(decoding: data, as: UTF8.self))")
        }
        return array.map { o in
            StrictMailCheck(defects: o["defects"] as? [String] ?? ["no defects list"],
                            headers: o["headers"] as? [String: [String]] ?? [:],
                            addresses: o["addresses"] as? [String: [[String]]] ?? [:],
                            text: o["text"] as? String, html: o["html"] as? String)
        }
    }
}
