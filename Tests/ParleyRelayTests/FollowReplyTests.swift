import Foundation
import ParleyCore
import ParleyMail
import ParleyRelay
import ParleyTesting
import Testing

/// A follow request confirmed by replying to its email, through Dovecot and the sink.
@Suite("Follow by reply")
struct FollowReplyTests {
    @Test("a reply to the confirmation email from its address confirms; from another address it does not")
    func replyConfirms() throws {
        let h = try RelayHarness()
        let liz = h.address("liz", "Liz Strauss"), ann = h.address("ann", "Ann Handley"), rita = h.address("rita")
        try h.relay.addConversation(id: "c", title: "C", partners: [liz, ann])
        try h.relay.addPost(id: "p", title: "P", url: "https://liz.example.org/p", author: liz, conversation: "c")
        guard case .asked = try h.relay.requestFollow(email: rita.address, target: .url("https://liz.example.org/p/")) else {
            Issue.record("no confirmation asked"); return
        }
        _ = try h.relay.flushOutbox()
        let note = try #require(h.servers.sunk(to: rita.address).first)
        #expect(MailParser.parse(note.raw).header("Subject") == "Please confirm: follow “P” by email")
        // Its List-Unsubscribe link works too (it names the post; nothing is subscribed).
        let token = try #require(MailClient.token(in: note))
        guard case .success(let scope) = try h.relay.unsubscribeScope(token: token) else {
            Issue.record("the confirmation's unsubscribe link was refused"); return
        }
        #expect(scope.target == .post(id: "p", title: "P"))

        // Forwarded to someone else, who replies: nothing.
        try h.deliver(MailClient.reply(to: note, from: "mallory@\(h.domain)", text: "yes"))
        #expect(try h.poll().byStatus["rejected"] == 1)
        let before = try h.relay.subscriberViews().filter { $0.email == rita.address }
        #expect(before.isEmpty)

        try h.deliver(MailClient.reply(to: note, from: rita.address, text: ""))
        #expect(try h.poll().byStatus["command"] == 1)
        let after = try h.relay.subscriberViews().filter { $0.email == rita.address }
        #expect(after.count == 1)
        #expect(try h.relay.store.read { try $0.inbound() }.contains { $0.reason.contains("confirmed follow request") })
    }
}
