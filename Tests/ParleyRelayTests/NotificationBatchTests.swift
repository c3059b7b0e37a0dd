import Foundation
import ParleyCore
import ParleyMail
@testable import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// ``NotificationBatch``: notifications rendered and built on worker threads while the
/// writer goes on, inserted before the transaction commits, as the ingest uses it.
@Suite("Notification batch")
struct NotificationBatchTests {
    struct Rollback: Error {}

    @Test("a rolled-back decision leaves none of its notifications; the others are inserted, built, with the ids and VERP senders they were given")
    func rollbackAndIds() throws {
        let h = try RelayHarness()
        let relay = h.relay
        let readers = (0..<5).map { h.address("reader\($0)", "Reader \($0)") }
        let queued: [OutboundRecord] = try relay.store.write { tx in
            let batch = NotificationBatch(workers: 2)
            defer { batch.close() }
            return try NotificationBatch.$current.withValue(batch) {
                let notifier = Notifier(relay: relay)
                func queue(_ i: Int) throws -> OutboundRecord {
                    let person = try tx.person(for: readers[i], now: relay.now())
                    let token = relay.codec.encode(ReplyToken(target: .outbound, targetID: 0, recipientID: person.id!, issuedDay: relay.today))
                    return try notifier.queue(kind: "rejection", template: "rejection", subject: "Notice \(i)", to: person, token: token,
                                              references: [], post: nil, commentId: nil,
                                              context: ["site": "one2one", "explanation": "Explanation \(i)"], tx: tx)
                }
                var kept = [try queue(0)]
                let mark = batch.mark
                do {
                    _ = try tx.savepoint { () throws -> Int in
                        _ = try queue(1)
                        _ = try queue(2)
                        throw Rollback()
                    }
                } catch is Rollback {
                    batch.discard(from: mark)
                }
                kept.append(try queue(3))
                kept.append(try queue(4))
                // Nothing is in the table before insertAll: the rows wait for their builds.
                #expect(try tx.outbound().isEmpty)
                #expect(try batch.insertAll(tx: tx) == 3)
                return kept
            }
        }
        let rows = try relay.store.read { try $0.outbound() }
        #expect(rows.map(\.id) == queued.map(\.id))
        #expect(rows.map(\.recipient) == [readers[0], readers[3], readers[4]].map(\.address))
        let ids = rows.compactMap(\.id)
        #expect(ids.count == 3 && ids[1] > ids[0] && ids[2] == ids[1] + 1)
        for row in rows {
            // Built on the worker: a whole message, to its recipient, with its own Message-ID.
            let mail = MailParser.parse([UInt8](row.raw))
            #expect(mail.header("To")?.contains(row.recipient) == true)
            #expect(mail.header("Message-ID") == "<\(row.messageId)>")
            #expect(mail.text?.isEmpty == false)
            // The envelope sender's bounce token names this very row.
            let text = try #require(relay.notifyAddresses.bounceToken(in: row.envelopeFrom))
            let token = try relay.codec.decode(text, today: relay.today)
            #expect(token.target == .outbound && token.targetID == row.id && token.recipientID == row.recipientId)
        }
        // The next row, queued without a batch, follows the ones the batch inserted.
        let next = try relay.store.read { try $0.nextOutboundId() }
        #expect(next == ids[2] + 1)
    }
}
