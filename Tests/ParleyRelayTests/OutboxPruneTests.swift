import Foundation
import Logging
import ParleyCore
import ParleyRelay
import ParleyTesting
import Testing

/// The bytes of sent notifications are kept for `[outbox] keep_sent`, then emptied.
@Suite("Outbox retention")
struct OutboxPruneTests {
    @Test("bytes older than keep_sent are emptied (by the daemon's call and by parley outbox prune); newer ones and the rows stay")
    func prune() throws {
        let h = try RelayHarness()
        let liz = h.address("liz"), ann = h.address("ann")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "old", title: "Old", url: "https://x.example/old", author: liz, conversation: "c")
        #expect(try h.relay.flushOutbox().sent == 1)

        // 179 days later nothing goes; 181 days later the old notification's bytes go.
        for (days, emptied) in [(179.0, 0), (181.0, 1)] {
            let later = Relay(config: h.relay.config, store: h.relay.store, templates: h.relay.templates, logger: Logger(label: "test"),
                              now: { Date().addingTimeInterval(days * 86400) })
            #expect(try later.pruneOutbox() == emptied, "after \(days) days")
        }
        try h.relay.addPost(id: "new", title: "New", url: "https://x.example/new", author: liz, conversation: "c")
        #expect(try h.relay.flushOutbox().sent == 1)
        let rows = try h.relay.store.read { try $0.outbound(limit: 10) }
        #expect(rows.count == 2, "the rows stay")
        #expect(rows.first { $0.postId == "old" }?.raw.isEmpty == true)
        #expect(rows.first { $0.postId == "new" }?.raw.isEmpty == false)

        let cli = try ParleyProcess(["outbox", "prune", "--older-than", "0s"], config: h.configPath, logPath: h.dir + "/prune.log")
        #expect(cli.waitExit(30) == 0)
        #expect(cli.log.contains("emptied the bytes of 1 notification(s)"), "\(cli.log)")
        #expect(try h.relay.store.read { try $0.outbound(limit: 10) }.allSatisfy { $0.raw.isEmpty })
    }
}
