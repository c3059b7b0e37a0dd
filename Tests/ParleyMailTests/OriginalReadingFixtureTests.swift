import Foundation
import Testing
@testable import ParleyMail

/// Replies to one notification as Thunderbird, Gmail, Outlook and Apple Mail write them,
/// top-posted and inline (reconstructed; see Fixtures/original-reading/README.md), and
/// as mutt, neomutt, alpine and aerc wrote them when driven in tmux by
/// scripts/reply-with-client.sh (captured from the real clients). Each is read twice:
/// against the notification (what the daemon publishes) and by the heuristic alone; the
/// first must be exactly the expected text, and where the two differ the report says so.
struct OriginalReadingFixtureTests {
    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/original-reading")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") && !$0.hasPrefix("notification") && !$0.hasSuffix(".notification.eml") }
            .map { String($0.dropLast(4)) }.sorted()
    }

    static func read(_ name: String) throws -> (original: String?, heuristic: String, expected: String) {
        let reply = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name + ".eml")))
        // A fixture answers notification.eml unless a NAME.notification.eml sits beside it.
        let own = folder.appendingPathComponent(name + ".notification.eml")
        let notificationURL = FileManager.default.fileExists(atPath: own.path) ? own : folder.appendingPathComponent("notification.eml")
        let notification = try [UInt8](Data(contentsOf: notificationURL))
        let answeredURL = folder.appendingPathComponent(name + ".answered.txt")
        let answered = try String(contentsOf: FileManager.default.fileExists(atPath: answeredURL.path) ? answeredURL
                                  : folder.appendingPathComponent("answered.txt"), encoding: .utf8)
        let expected = try String(contentsOf: folder.appendingPathComponent(name + ".expected.txt"), encoding: .utf8)
        let read = ReadReply(MailParser.parse(reply), classifier: MessageClassifier(ownAddresses: []))
        let original = ReadReply.againstOriginal(body: read.body, original: notification, answered: answered)
        return (original?.text, read.extracted.text, expected.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("the reading against the notification is exactly what the sender wrote", arguments: cases)
    func againstTheOriginal(_ name: String) throws {
        let (original, heuristic, expected) = try Self.read(name)
        #expect(original == expected, "\(name): read against the original")
        if heuristic != expected {
            print("\(name): the heuristic alone reads \(heuristic.debugDescription); the original-based reading wins")
        }
    }

    @Test("the fixtures are there, and the original-based reading wins where the two differ")
    func coverage() throws {
        let names = Self.cases
        for client in ["thunderbird", "gmail", "outlook", "applemail"] {
            for placement in ["top", "inline"] {
                #expect(names.contains("\(client)-\(placement)"), "missing fixture \(client)-\(placement)")
            }
        }
        for client in ["mutt", "neomutt", "alpine", "aerc"] {
            for name in ["top-post", "inline-post", "top-comment", "inline-comment", "signature-comment", "top-comment-default-charset"] {
                #expect(names.contains("\(client)-\(name)"), "missing captured reply \(client)-\(name)")
            }
        }
        var differ = 0
        for name in names {
            let (original, heuristic, expected) = try Self.read(name)
            if heuristic != expected && original == expected { differ += 1 }
        }
        print("original-reading fixtures: \(names.count); the heuristic alone gets \(differ) of them wrong, the reading against the notification none")
        #expect(differ > 0, "some fixture must show the original-based reading winning")
    }
}
