import Foundation
import Hummingbird
import HummingbirdTesting
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyWeb
import Testing

/// Follow by email from a blog's form (issue 15): double opt-in, no enumeration, limits.
@Suite("Follow by email")
struct FollowTests {
    /// The routes with the rate limits' clock stopped: the test's burst is one instant,
    /// however slowly a loaded machine runs it.
    static func app(_ h: WebHarness) -> some ApplicationProtocol {
        let now = Date()
        return Application(router: WebRoutes(relay: h.relay, health: HealthBoard(), metrics: WebMetrics(), clock: { now }).router())
    }

    static func confirmations(_ h: WebHarness, to address: String) throws -> [OutboundRecord] {
        try h.relay.store.read { try $0.outbound(limit: 10_000) }.filter { $0.kind == "follow-confirmation" && $0.recipient == address }
    }

    static func newCommentNotes(_ h: WebHarness, to address: String) throws -> Int {
        try h.relay.store.read { try $0.outbound(limit: 10_000) }.filter { $0.kind == "new-comment" && $0.recipient == address }.count
    }

    @Test("a request subscribes nobody until its link is confirmed with a POST; then the next comment notifies the follower")
    func doubleOptIn() async throws {
        let h = try WebHarness()
        let (liz, ann) = try h.conversationAndPost()
        let rita = "rita@\(h.domain)"
        try await Self.app(h).test(.router) { client in
            try await client.execute(uri: "/subscribe", method: .post, headers: WebRouterTests.form,
                                     body: ByteBuffer(string: "email=\(rita)&post=p")) { response in
                #expect(response.status == .accepted)
            }
            let sent = try Self.confirmations(h, to: rita)
            try #require(sent.count == 1)
            let mail = String(decoding: sent[0].raw, as: UTF8.self)
            #expect(mail.contains("Someone, probably you, used the follow form"))
            #expect(mail.contains("If it was not you, ignore this email"))
            let token = try #require(mail.range(of: #"/confirm/([a-z2-7]+)"#, options: .regularExpression)
                .map { String(mail[$0].dropFirst("/confirm/".count)) })

            // Not yet following: a comment published now does not reach Rita.
            let c1 = try h.comment(post: "p", by: ann, "Before Rita confirms.", status: "pending")
            try h.relay.moderate(commentId: c1, approve: true)
            #expect(try Self.newCommentNotes(h, to: rita) == 0)

            try await client.execute(uri: "/confirm/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("id=\"confirm\""))
            }
            #expect(try Self.newCommentNotes(h, to: rita) == 0, "a GET changes nothing")
            try await client.execute(uri: "/confirm/\(token)", method: .post) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("now gets an email"))
            }
            let c2 = try h.comment(post: "p", by: liz, "After Rita confirmed.", status: "pending")
            try h.relay.moderate(commentId: c2, approve: true)
            #expect(try Self.newCommentNotes(h, to: rita) == 1, "the confirmed follower gets the next comment")
            // A tampered token confirms nothing.
            try await client.execute(uri: "/confirm/\(token.dropLast())\(token.hasSuffix("a") ? "b" : "a")", method: .post) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("the answer is byte-identical for a known and an unknown address; one confirmation email per address and day")
    func noEnumeration() async throws {
        let h = try WebHarness()
        let (_, ann) = try h.conversationAndPost()
        let bodies = try await Self.app(h).test(.router) { client -> [String] in
            var bodies: [String] = []
            for email in [ann.address, "nobody-\(UInt32.random(in: 0...UInt32.max))@\(h.domain)", "not an address", ann.address] {
                let response = try await client.execute(uri: "/subscribe", method: .post, headers: WebRouterTests.form,
                                                        body: ByteBuffer(string: "email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&conversation=c"))
                #expect(response.status == .accepted)
                bodies.append(String(buffer: response.body))
            }
            try await client.execute(uri: "/subscribe", method: .post, headers: WebRouterTests.form,
                                     body: ByteBuffer(string: "email=x%40y.example&post=nope")) { response in
                #expect(response.status == .notFound)
            }
            return bodies
        }
        #expect(Set(bodies).count == 1, "the same page whatever the address")
        #expect(try Self.confirmations(h, to: ann.address).count == 0, "Ann is a partner of the conversation: following it already")
        let stranger = try h.relay.store.read { try $0.outbound(limit: 100) }.filter { $0.kind == "follow-confirmation" }
        #expect(stranger.count == 1)
        // A second request for the same address the same day: no second email.
        let again = try h.relay.requestFollow(email: stranger[0].recipient, target: .post("p"))
        guard case .alreadyAskedToday = again else { Issue.record("expected alreadyAskedToday, got \(again)"); return }
        #expect(try Self.confirmations(h, to: stranger[0].recipient).count == 1)
    }

    @Test("the 11th request in a minute from one client is answered 429 with Retry-After")
    func rateLimited() async throws {
        let h = try WebHarness()
        _ = try h.conversationAndPost()
        try await Self.app(h).test(.router) { client in
            for i in 0..<10 {
                try await client.execute(uri: "/subscribe", method: .post, headers: WebRouterTests.form,
                                         body: ByteBuffer(string: "email=r\(i)%40\(h.domain)&post=p")) { response in
                    #expect(response.status == .accepted)
                }
            }
            try await client.execute(uri: "/subscribe", method: .post, headers: WebRouterTests.form,
                                     body: ByteBuffer(string: "email=r11%40\(h.domain)&post=p")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
        }
        #expect(try h.relay.store.read { try $0.outbound(limit: 100) }.filter { $0.kind == "follow-confirmation" }.count == 10)
    }
}
