import Foundation
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// What a crash in the middle of a flush can cost: at every moment a message is being
/// sent, what is committed must make a restart send it at most once more and lose none.
@Suite("Outbox durability")
struct OutboxDurabilityTests {
    /// The real SMTP transport, with a look at the committed outbox before each send.
    final class Watching: MailTransport {
        let inner: any MailTransport
        let look: (String) -> Void
        init(_ inner: any MailTransport, look: @escaping (String) -> Void) { self.inner = inner; self.look = look }

        func send(from envelopeFrom: String, to recipient: String, data: [UInt8]) throws(MailError) -> SendReceipt {
            look(recipient)
            return try inner.send(from: envelopeFrom, to: recipient, data: data)
        }
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

        var order: [String] = []
        var problems: [String] = []
        let transport = Watching(try h.relay.smtpTransport()) { recipient in
            // A fresh read: only what is committed, as a restarted process would see it.
            guard let rows = try? h.outbox() else { problems.append("the outbox could not be read"); return }
            let byRecipient = Dictionary(uniqueKeysWithValues: rows.map { ($0.recipient, $0) })
            guard let current = byRecipient[recipient] else { problems.append("\(recipient) is not in the outbox"); return }
            if current.attempts != 1 || current.nextAttemptAt <= h.relay.now() {
                problems.append("\(recipient): the attempt was not saved before the try (attempts \(current.attempts))")
            }
            for earlier in order {
                let row = byRecipient[earlier]!
                if row.status == "queued" || row.attempts != 1 {
                    problems.append("\(earlier)'s outcome was not committed before \(recipient) was sent (\(row.status))")
                }
            }
            order.append(recipient)
        }
        let summary = try OutboxSender(relay: h.relay, transport: transport).flush()
        #expect(problems == [])
        #expect(summary.sent == readers.count && summary.deferred == 1 && summary.failed == 0)
        #expect(Set(order) == Set(queued.map(\.recipient)), "each message tried once")
        let rows = try h.outbox()
        #expect(rows.filter { $0.status == "sent" }.allSatisfy { $0.smtpReply?.hasPrefix("250") == true && $0.sentAt != nil })
        #expect(rows.first { $0.recipient.hasPrefix("defer-") }?.status == "deferred")
        for r in [ann] + readers where !r.address.hasPrefix("defer-") { #expect(h.servers.sunk(to: r.address).count == 1) }
    }
}
