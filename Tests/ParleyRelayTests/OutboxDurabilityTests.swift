import Foundation
import ParleyCore
import ParleyCurl
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// What a crash in the middle of a flush can cost: at every moment a message is being
/// sent, what is committed must make a restart send it at most once more and lose none.
@Suite("Outbox durability")
struct OutboxDurabilityTests {
    /// The real SMTP transport, with a look at the committed outbox at the moment each
    /// message's bytes are about to go out (after the sender's own `beforeData`, which
    /// waits for the bookkeeping commit that overlaps the SMTP envelope).
    final class Watching: MailTransport {
        let inner: any MailTransport
        let look: (String) -> Void
        /// Every recipient tried, in order (a refused one never reaches DATA).
        var tried: [String] = []
        init(_ inner: any MailTransport, look: @escaping (String) -> Void) { self.inner = inner; self.look = look }

        func send(_ envelope: MailEnvelope, data: [UInt8], next: MailEnvelope?, beforeData: () -> Bool) throws(MailError) -> SendReceipt {
            tried.append(envelope.to)
            return try inner.send(envelope, data: data, next: next, beforeData: {
                guard beforeData() else { return false }
                look(envelope.to)
                return true
            })
        }
    }

    @Test("a message held back at DATA is not delivered; the transport sends the next one on a new connection")
    func heldBackAtData() throws {
        let servers = TestServers.shared
        let transport = try CurlSMTPTransport(options: ServerOptions(url: "smtp://127.0.0.1:\(servers.smtpPort)", tls: .never,
                                                                     connectTimeoutSeconds: 5, responseTimeoutSeconds: 10))
        let held = TestServers.uniqueName("held") + "@example.org"
        let next = TestServers.uniqueName("next") + "@example.org"
        func message(_ to: String) -> [UInt8] {
            Array("From: parley@example.org\r\nTo: \(to)\r\nSubject: gate\r\nMessage-ID: <\(to)>\r\n\r\nbody\r\n".utf8)
        }
        var asked = 0
        #expect(throws: MailError.self) {
            try transport.send(from: "parley@example.org", to: held, data: message(held), beforeData: { asked += 1; return false })
        }
        #expect(asked == 1)
        let receipt = try transport.send(from: "parley@example.org", to: next, data: message(next), beforeData: { asked += 1; return true })
        #expect(receipt.replyCode == 250 && asked == 2)
        // A refused recipient never reaches DATA: the gate is not asked.
        let refused = "reject-" + TestServers.uniqueName("r") + "@example.org"
        #expect(throws: MailError.self) {
            try transport.send(from: "parley@example.org", to: refused, data: message(refused), beforeData: { asked += 1; return true })
        }
        #expect(asked == 2)
        usleep(300_000)
        #expect(servers.sunk(to: held).isEmpty, "a held-back message must not be delivered")
        #expect(servers.sunk(to: next).count == 1)
    }

    @Test("while message k+1 is sent, message k's outcome and k+1's attempt are committed: a crash costs at most one duplicate")
    func outcomeCommittedBeforeNextSend() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann")
        let readers = (1...5).map { h.address("s\($0)") } + [h.address("defer-later")] + (6...8).map { h.address("s\($0)") }
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for r in readers { try h.relay.subscribe(r, post: nil, conversation: "c") }
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        let queued = try h.outbox()
        #expect(queued.count == readers.count + 1)

        var problems: [String] = []
        var transport: Watching!
        transport = Watching(try h.relay.smtpTransport()) { recipient in
            // A fresh read: only what is committed, as a restarted process would see it.
            guard let rows = try? h.outbox() else { problems.append("the outbox could not be read"); return }
            let byRecipient = Dictionary(uniqueKeysWithValues: rows.map { ($0.recipient, $0) })
            guard let current = byRecipient[recipient] else { problems.append("\(recipient) is not in the outbox"); return }
            if current.attempts != 1 || current.nextAttemptAt <= h.relay.now() {
                problems.append("\(recipient): the attempt was not saved before the try (attempts \(current.attempts))")
            }
            for earlier in transport.tried.dropLast() {
                let row = byRecipient[earlier]!
                if row.status == "queued" || row.attempts != 1 {
                    problems.append("\(earlier)'s outcome was not committed before \(recipient) was sent (\(row.status))")
                }
            }
        }
        let summary = try OutboxSender(relay: h.relay, transport: transport).flush()
        #expect(problems == [])
        #expect(summary.sent == readers.count && summary.deferred == 1 && summary.failed == 0)
        #expect(transport.tried.count == queued.count && Set(transport.tried) == Set(queued.map(\.recipient)), "each message tried once")
        let rows = try h.outbox()
        #expect(rows.filter { $0.status == "sent" }.allSatisfy { $0.smtpReply?.hasPrefix("250") == true && $0.sentAt != nil })
        #expect(rows.first { $0.recipient.hasPrefix("defer-") }?.status == "deferred")
        for r in [ann] + readers where !r.address.hasPrefix("defer-") { #expect(h.servers.sunk(to: r.address).count == 1) }
    }
}
