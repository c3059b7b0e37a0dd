import Foundation
import ParleyCore
import ParleyStore

/// What a blog reader asked to follow on the follow form.
public enum FollowTarget: Sendable, Equatable {
    case post(String)
    /// A post found by its permalink.
    case url(String)
    case conversation(String)
}

/// What a follow request did: for the log and the tests only. The web answer is the
/// same whatever happened, so that nobody learns whether an address is known.
public enum FollowRequestOutcome: Sendable, Equatable {
    /// A confirmation email was queued.
    case asked(requestId: Int64)
    /// Kept pending, but no email: one confirmation email per address and day.
    case alreadyAskedToday(requestId: Int64)
    /// Already following that: nothing to do.
    case alreadyFollowing
    case invalidAddress
    case unknownTarget
}

/// What a follow confirmation link is about, for its page.
public struct FollowScope: Sendable, Equatable {
    /// `post` or `conversation`.
    public var kind: String
    public var title: String
    /// The post's permalink (http(s) or `#`), empty for a conversation.
    public var url: String
    public var confirmed: Bool
}

/// Follow by email (double opt-in): a request from a blog's follow form subscribes
/// nobody; it sends a confirmation email, and the person's click on its link (a GET
/// page whose button POSTs) or their reply to it confirms. A forged request makes
/// Parley mail someone at most once a day, and the mail says how to ignore it.
extension Relay {
    public func requestFollow(email: String, target: FollowTarget) throws -> FollowRequestOutcome {
        let text = email.trimmingCharacters(in: .whitespaces)
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }), text.utf8.count <= 254,
              let address = EmailAddress(text), address.name == nil || address.name!.isEmpty else { return .invalidAddress }
        return try store.write { tx -> FollowRequestOutcome in
            let now = self.now()
            var post: PostRecord?
            var conversation: ConversationRecord?
            switch target {
            case .post(let id): post = try tx.post(id: id)
            case .url(let url): post = try tx.posts(url: url).first
            case .conversation(let id): conversation = try tx.conversation(id: id)
            }
            guard post != nil || conversation != nil else { return .unknownTarget }
            let person = try tx.person(for: EmailAddress(address: address.address, name: nil)!, now: now)
            let scope = post != nil ? "post" : "conversation"
            if try tx.isSubscribed(personId: person.id!, postId: post?.id, conversationId: conversation?.id) { return .alreadyFollowing }
            // The partners (and a post's author) hear of everything already.
            if let c = conversation?.id ?? post?.conversationId, try tx.partners(of: c).contains(person.id!) { return .alreadyFollowing }
            if post?.authorId == person.id { return .alreadyFollowing }
            let request = try tx.insertFollowRequest(FollowRequestRecord(personId: person.id!, scope: scope, postId: post?.id,
                                                                         conversationId: conversation?.id, createdAt: now))
            guard try tx.claimRejectionNotice(emailKey: person.emailKey, reason: "follow", day: today, now: now) else {
                return .alreadyAskedToday(requestId: request.id!)
            }
            let token = codec.encode(ReplyToken(target: .follow, targetID: request.id!, recipientID: person.id!, issuedDay: today))
            let title = post?.title ?? conversation!.title
            let what = post != nil ? "every new comment on “\(title)”" : "every new post and comment of the conversation “\(title)”"
            let notifier = Notifier(relay: self)
            let context = Decider.escapedContext([
                "site": config.site.name, "base_url": config.site.baseURL, "what": what,
                "post_url": post.map { StaticViews.safeLink($0.url) } ?? "",
                "confirm_url": "\(config.site.baseURL)/confirm/\(token)",
            ])
            let queued = try notifier.queue(kind: "follow-confirmation", template: "follow-confirmation",
                                            subject: "Please confirm: follow “\(title)” by email", to: person, token: token,
                                            references: post.map { [notifier.threadRoot($0)] } ?? [], post: post, commentId: nil,
                                            context: context, tx: tx)
            try tx.recordRejectionNotice(emailKey: person.emailKey, reason: "follow", day: today, outboundId: queued.id!)
            return .asked(requestId: request.id!)
        }
    }

    /// What `/confirm/{token}` would confirm; reads only.
    public func followScope(token text: String) throws -> Result<FollowScope, WebRefusal> {
        switch verify(text, kinds: [.follow]) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let token):
            return try store.read { tx in
                guard let request = try tx.followRequest(id: token.targetID), request.personId == token.recipientID else {
                    return .failure(WebRefusal(.gone, "This request is no longer known here: there is nothing to confirm."))
                }
                return .success(try scope(of: request, tx: tx))
            }
        }
    }

    /// Confirms the request a token names (the POST of the confirmation page).
    public func confirmFollow(token text: String) throws -> Result<FollowScope, WebRefusal> {
        switch verify(text, kinds: [.follow]) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let token):
            return try store.write { tx in
                guard let request = try tx.followRequest(id: token.targetID), request.personId == token.recipientID else {
                    return .failure(WebRefusal(.gone, "This request is no longer known here: there is nothing to confirm."))
                }
                return .success(try confirm(request, tx: tx))
            }
        }
    }

    /// Subscribes the request's person to its post or conversation.
    func confirm(_ request: FollowRequestRecord, tx: StoreTransaction) throws -> FollowScope {
        if request.status != "confirmed" {
            var r = request
            r.status = "confirmed"
            r.confirmedAt = now()
            try tx.update(r)
            try tx.subscribe(personId: r.personId, scope: r.scope, postId: r.postId, conversationId: r.conversationId, now: now())
        }
        var s = try scope(of: request, tx: tx)
        s.confirmed = true
        return s
    }

    private func scope(of request: FollowRequestRecord, tx: StoreTransaction) throws -> FollowScope {
        if let id = request.postId, let post = try tx.post(id: id) {
            return FollowScope(kind: "post", title: post.title, url: StaticViews.safeLink(post.url), confirmed: request.status == "confirmed")
        }
        let title = try request.conversationId.flatMap { try tx.conversation(id: $0)?.title } ?? "(gone)"
        return FollowScope(kind: "conversation", title: title, url: "", confirmed: request.status == "confirmed")
    }
}
