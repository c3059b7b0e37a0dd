import Foundation
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyTesting
import Testing

/// The durable outbox against the real SMTP sink: an unavailable server, backoff,
/// exactly-once delivery, permanent refusals.
@Suite("Outbox delivery")
struct OutboxDeliveryTests {
    /// A post in a conversation whose partner and three subscribers are told of it.
    static func queueFour(_ h: RelayHarness, _ relay: Relay) throws -> [EmailAddress] {
        let liz = h.address("liz"), ann = h.address("ann")
        let readers = [h.address("s1"), h.address("s2"), h.address("s3")]
        try relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for r in readers { try relay.subscribe(r, post: nil, conversation: "c") }
        #expect(try relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c").count == 4)
        return [ann] + readers
    }

    @Test("SMTP down for a while: notifications wait with growing backoff, then each arrives exactly once")
    func serverDownThenBack() throws {
        let h = try RelayHarness()
        let clock = TestClock()
        let relay = h.variant(clock: clock)
        let recipients = try Self.queueFour(h, relay)
        h.smtpDown(true)
        defer { h.smtpDown(false) }

        let first = try relay.flushOutbox()
        #expect(first.sent == 0 && first.deferred == 4 && first.failed == 0)
        var rows = try h.outbox()
        #expect(rows.allSatisfy { $0.status == "deferred" })
        #expect(rows.map(\.attempts).reduce(0, +) == 1, "one try, then the whole outbox backs off: the server said 421")
        #expect(rows.allSatisfy { $0.nextAttemptAt == clock.now.addingTimeInterval(60) }, "first retry after 1 minute")
        #expect(rows.allSatisfy { $0.lastError?.contains("421") == true }, "\(rows.map(\.lastError))")

        #expect(try relay.flushOutbox() == FlushSummary(), "nothing is due before the next attempt")
        clock.advance(61)
        #expect(try relay.flushOutbox().deferred == 4)
        rows = try h.outbox()
        #expect(rows.map(\.attempts).reduce(0, +) == 2)
        #expect(rows.allSatisfy { $0.nextAttemptAt == clock.now.addingTimeInterval(120) }, "the wait doubles: 2 minutes")
        #expect(h.servers.sunk().filter { $0.mailFrom.hasSuffix("@\(h.domain)") }.isEmpty)

        h.smtpDown(false)
        clock.advance(121)
        let back = try relay.flushOutbox()
        #expect(back.sent == 4 && back.deferred == 0 && back.failed == 0)
        #expect(try relay.flushOutbox() == FlushSummary())
        for r in recipients { #expect(h.servers.sunk(to: r.address).count == 1, "\(r.address) gets it exactly once") }
        #expect(try h.outbox().allSatisfy { $0.status == "sent" && $0.smtpReply?.hasPrefix("250") == true })
    }

    @Test("SMTP server unreachable (connection refused): nothing is lost, everything goes once it is reachable")
    func serverUnreachable() throws {
        let h = try RelayHarness()
        let clock = TestClock()
        // A port nothing listens on: bind one, learn it, close it.
        let closedPort = TestServers.freePort()
        try #require(closedPort != 0, "could not find a free port")
        let down = h.variant(clock: clock) { $0.smtp.server.url = "smtp://127.0.0.1:\(closedPort)" }
        let recipients = try Self.queueFour(h, down)
        let summary = try down.flushOutbox()
        #expect(summary.sent == 0 && summary.deferred == 4)
        #expect(try h.outbox().allSatisfy { $0.status == "deferred" && $0.lastError?.contains("could not talk to") == true })

        clock.advance(61)
        let up = h.variant(clock: clock)
        #expect(try up.flushOutbox().sent == 4)
        for r in recipients { #expect(h.servers.sunk(to: r.address).count == 1) }
    }

    @Test("a recipient refused with 550 is marked failed with the reply; the others of the batch are delivered")
    func permanentRefusal() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann")
        let bad = h.address("reject-nobody"), slow = h.address("defer-later")
        let good = [h.address("s1"), h.address("s2")]
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        for r in [good[0], bad, slow, good[1]] { try h.relay.subscribe(r, post: nil, conversation: "c") }
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")

        let summary = try h.relay.flushOutbox()
        #expect(summary == { var s = FlushSummary(); s.sent = 3; s.deferred = 1; s.failed = 1; return s }())
        let rows = Dictionary(uniqueKeysWithValues: try h.outbox().map { ($0.recipient, $0) })
        let failed = try #require(rows[bad.address])
        #expect(failed.status == "failed")
        #expect(failed.smtpReply?.hasPrefix("550 5.1.1") == true, "\(failed.smtpReply ?? "")")
        #expect(failed.lastError?.contains("User unknown") == true)
        #expect(rows[slow.address]?.status == "deferred")
        #expect(rows[slow.address]?.smtpReply?.hasPrefix("451") == true)
        for r in [ann] + good {
            #expect(rows[r.address]?.status == "sent")
            #expect(h.servers.sunk(to: r.address).count == 1)
        }
        // A refused address is a hard bounce for its owner.
        #expect(try h.person(bad)?.bounceScore == 1)
        #expect(try h.person(slow)?.bounceScore == 0)
    }
}
