import Foundation
import ParleyRelay
import ParleyTesting
import Testing

/// The ingest suite against every IMAP server of the matrix (scripts/imapmatrix.sh):
/// Debian's stock Dovecot (separator `.`), the tuned test Dovecot (`/`), Dovecot
/// announcing neither MOVE nor IDLE (and without UIDPLUS), Cyrus and Courier (`INBOX.`
/// namespace). Each is configured as an admin would: STARTTLS with its CA and the
/// example config's folder names, written with `/`.
@Suite("IMAP server matrix", .serialized)
struct ServerMatrixTests {
    @Test("backlog, move to the folder the admin named, restart, IDLE or polling, UIDVALIDITY change", arguments: MatrixServer.flavours)
    func ingest(flavour: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "the parley binary is built by `swift build`: \(CommandLineTests.binary)")
        let server = try MatrixServer(flavour: flavour)
        defer { server.stop() }
        let shared = TestServers.shared
        let h = try RelayHarness(pollInterval: "1s", idle: true) { toml in
            toml.replacingOccurrences(of: "url = \"imap://127.0.0.1:\(shared.imapPort)/INBOX\"\nstarttls = \"never\"",
                                      with: "url = \"imap://127.0.0.1:\(server.imapPort)/INBOX\"\nstarttls = \"required\"\nca_file = \"\(server.caFile)\"")
        }
        try server.addUser(h.user)
        // `parley check` tells the admin where the mail will go, in the server's own names.
        let check = try ParleyProcess(["check"], config: h.configPath, logPath: h.dir + "/check.log")
        #expect(check.waitExit(60) == 0, "\(flavour): \(check.log)")
        #expect(check.log.contains("processed_folder \"Parley/Processed\" is \"\(server.serverName("Parley/Processed"))\" on the server"), "\(flavour): \(check.log)")
        let note = try IngestTests.setUp(h)
        let ann = h.address("ann").address
        func replies(_ range: Range<Int>) -> [[UInt8]] {
            range.map { MailClient.reply(to: note, from: ann, text: "Reply \($0) on \(flavour).", messageID: "m\($0)@client.example") }
        }
        func published() -> Int { (try? h.relay.commentViews(post: "p", status: nil).count) ?? -1 }

        // A backlog, one pass: every reply published, the inbox emptied into the folder
        // the admin named (Parley/Processed), under the server's own name for it.
        // Someone deleted a reply in their mail client (flagged \Deleted, not expunged):
        // it was meant to be thrown away, so it is neither published, moved nor expunged.
        try server.deliver([MailClient.reply(to: note, from: ann, text: "Thrown away.", messageID: "gone@client.example")], to: h.user)
        server.throwAway(user: h.user)
        try server.deliver(replies(0..<300), to: h.user)
        let first = try h.poll()
        #expect(first.byStatus["published"] == 300, "\(flavour): \(first.line)")
        #expect(first.fetched == 300, "\(flavour): the deleted message is not fetched")
        #expect(server.count(user: h.user, folder: "INBOX").undeleted == 0, "\(flavour): inbox emptied")
        #expect(server.count(user: h.user, folder: "INBOX").all >= 1, "\(flavour): the deleted message is still there, not expunged")
        #expect(server.count(user: h.user, folder: "Parley/Processed").all == 300,
                "\(flavour): 300 in \(server.serverName("Parley/Processed")), where the admin looks")

        // The server crashes and comes back; the daemon meets it (IDLE where offered,
        // polling where not) and takes new mail as it arrives.
        server.restart()
        let daemon = try ParleyProcess(["serve"], config: h.configPath, logPath: h.dir + "/serve.log")
        defer { if daemon.process.isRunning { daemon.signal(SIGKILL) } }
        try server.deliver(replies(300..<350), to: h.user)
        #expect(TestServers.eventually(timeout: 60) { published() == 350 }, "\(flavour): \(published()) published; \(daemon.log.suffix(1500))")

        // The mailbox is renumbered (a new UIDVALIDITY, the same messages): nothing is
        // published twice, and new mail still arrives.
        server.renumber(user: h.user)
        server.restart()
        try server.deliver(replies(350..<370), to: h.user)
        #expect(TestServers.eventually(timeout: 60) { published() == 370 && server.count(user: h.user, folder: "INBOX").undeleted == 0 },
                "\(flavour): \(published()) published; \(daemon.log.suffix(1500))")
        let comments = try h.relay.commentViews(post: "p", status: nil)
        #expect(Set(comments.map(\.body)).count == 370, "\(flavour): no reply twice")
        #expect(server.count(user: h.user, folder: "Parley/Processed").all == 370)
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(15) == 0)
        print("matrix \(flavour): 370 replies published once, moved to \(server.serverName("Parley/Processed"))")
    }
}
