import Foundation
import ParleyCore
import ParleyCurl
import ParleyStore
import ParleyWebmention

/// Sending Webmentions: when a blog's new post links other pages, each page is told, as
/// W3C Webmention §3.1 says: its endpoint is discovered (``EndpointDiscovery``) and the
/// post's permalink (`source`) and the page (`target`) are POSTed to it. Queued in the
/// same transaction as the post, and retried like mail.
extension Relay {
    /// The most pages one post's Webmentions go to.
    public static let webmentionSendsPerPost = 50
    /// Retrying a page that cannot be reached (or whose endpoint fails) ends after two days.
    static let webmentionSendRetry = RetrySchedule(retryFor: .seconds(2 * 86400))

    /// Queues a Webmention from `post` to each http(s) page it links (not to itself);
    /// returns how many were queued.
    @discardableResult
    public func queueWebmentions(from post: PostRecord, links: [String], tx: StoreTransaction) throws -> Int {
        try queueWebmentionSends(from: post, to: webmentionTargets(of: post, links: links), now: now(), tx: tx)
    }

    /// Queues one send per target (none twice for the same source and target).
    private func queueWebmentionSends(from post: PostRecord, to targets: [String], now: Date, tx: StoreTransaction) throws -> Int {
        var queued = 0
        for target in targets where try tx.queueWebmentionSend(WebmentionSendRecord(postId: post.id, source: post.url, target: target, now: now)) {
            queued += 1
        }
        return queued
    }

    /// The pages a post's Webmentions go to: its http(s) links without fragments, each
    /// once, never the post itself, at most ``webmentionSendsPerPost``.
    func webmentionTargets(of post: PostRecord, links: [String]) -> [String] {
        guard WebURL.isHTTP(post.url) else { return [] }
        var seen: Set<String> = [MentionSource.comparable(post.url)]
        var targets: [String] = []
        for link in links {
            let target = WebURL.withoutFragment(link.trimmingCharacters(in: .whitespacesAndNewlines))
            guard WebURL.isHTTP(target), seen.insert(MentionSource.comparable(target)).inserted else { continue }
            targets.append(target)
            if targets.count >= Self.webmentionSendsPerPost { break }
        }
        return targets
    }

    /// A post that sent Webmentions changed in its feed: every page it linked or links
    /// now is told again (the specification's update), so that a receiver updates the
    /// mention, or removes it where the link is gone. A post that never sent (one its
    /// blog's first sync registered) stays quiet. Returns how many were queued.
    func resendWebmentions(from post: PostRecord, links: [String], changed: Bool, tx: StoreTransaction) throws -> Int {
        let previous = try tx.webmentionSends(postId: post.id)
        guard !previous.isEmpty else { return 0 }
        let before = Set(previous.map { MentionSource.comparable($0.target) })
        let targets = webmentionTargets(of: post, links: links)
        let linked = Set(targets.map(MentionSource.comparable))
        let fresh = targets.filter { !before.contains(MentionSource.comparable($0)) }
        guard changed || !fresh.isEmpty || !before.isSubset(of: linked) else { return 0 }
        let time = self.now()
        var queued = 0
        for var send in previous where send.status != "queued" {
            send.status = "queued"
            send.reason = linked.contains(MentionSource.comparable(send.target)) ? "queued again: the post changed" : "queued again: the post no longer links it"
            send.attempts = 0
            send.createdAt = time
            send.nextAttemptAt = time
            try tx.update(send)
            queued += 1
        }
        return queued + (try queueWebmentionSends(from: post, to: fresh, now: time, tx: tx))
    }

    /// `parley post add --links URL…`: queues Webmentions for a post added by hand.
    public func queueWebmentions(postId: String, links: [String]) throws -> Int {
        try store.write { tx in
            guard let post = try tx.post(id: postId) else { throw AdminError("post \(postId) does not exist") }
            guard WebURL.isHTTP(post.url) else { throw AdminError("post \(postId) has no http(s) permalink to send as the source of a Webmention") }
            return try queueWebmentions(from: post, links: links, tx: tx)
        }
    }

    /// Sends the Webmentions that are due, at most `limit`; returns how many were tried.
    @discardableResult
    public func sendWebmentions(fetcher: CurlFeedFetcher, poster: any HTTPPoster, limit: Int = 20) throws -> Int {
        let due = try store.read { try $0.dueWebmentionSends(now: now(), limit: limit) }
        for send in due {
            var s = send
            let (outcome, endpoint) = deliver(send, fetcher: fetcher, poster: poster)
            s.endpoint = endpoint ?? s.endpoint
            s.attempts += 1
            let now = self.now()
            switch outcome {
            case .sent(let why): s.status = "sent"; s.reason = why; s.sentAt = now; s.nextAttemptAt = nil
            case .noEndpoint: s.status = "no-endpoint"; s.reason = "the page has no Webmention endpoint"; s.nextAttemptAt = nil
            case .failed(let why): s.status = "failed"; s.reason = why; s.nextAttemptAt = nil
            case .retry(let why):
                if let next = Self.webmentionSendRetry.nextAttempt(after: s.attempts, queuedAt: s.createdAt, now: now) {
                    s.reason = "attempt \(s.attempts) failed: \(why)"
                    s.nextAttemptAt = next
                } else {
                    s.status = "failed"; s.reason = "gave up after \(s.attempts) attempts: \(why)"; s.nextAttemptAt = nil
                }
            }
            try store.write { try $0.update(s) }
            logger.info("webmention \(s.source) -> \(s.target): \(s.status) (\(s.reason))")
        }
        return due.count
    }

    enum SendOutcome {
        case sent(String), noEndpoint, failed(String), retry(String)
    }

    func deliver(_ send: WebmentionSendRecord, fetcher: CurlFeedFetcher, poster: any HTTPPoster) -> (SendOutcome, String?) {
        let page: FeedResponse
        do {
            page = try fetcher.fetch(webPageRequest(send.target, what: "the linked page"))
        } catch {
            return (error.tooLarge || error.refusedAddress ? .failed(error.message) : .retry(error.description), nil)
        }
        switch page.status {
        case 200..<300: break
        case 408, 429, 500..<600: return (.retry("the linked page answered \(page.status)"), nil)
        default: return (.failed("the linked page answered \(page.status)"), nil)
        }
        guard let endpoint = EndpointDiscovery.endpoint(linkHeaders: page.linkHeaders, html: MentionSource.decode(page.body),
                                                        pageURL: page.effectiveURL) else { return (.noEndpoint, nil) }
        let body = "source=\(Self.formEncode(send.source))&target=\(Self.formEncode(send.target))"
        do {
            let answer = try poster.post(url: endpoint, body: Array(body.utf8),
                                         headers: [("Content-Type", "application/x-www-form-urlencoded")])
            let said = String(decoding: answer.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let detail = said.isEmpty ? "" : ": \(said.debugDescription)"
            switch answer.status {
            case 200..<300: return (.sent("the endpoint answered \(answer.status)"), endpoint)
            case 408, 429, 500..<600: return (.retry("the endpoint answered \(answer.status)\(detail)"), endpoint)
            default: return (.failed("the endpoint answered \(answer.status)\(detail)"), endpoint)
            }
        } catch {
            return (error.kind == .invalidInput ? .failed(error.description) : .retry(error.description), endpoint)
        }
    }

    /// The poster that sends Webmentions (serve's loop, `parley mention run`).
    public func webmentionPoster() throws(MailError) -> CurlHTTPPoster {
        try CurlHTTPPoster(timeoutSeconds: Self.webmentionTimeoutSeconds, userAgent: webmentionUserAgent,
                           what: "Webmention endpoint", fix: "the linked page names it",
                           publicAddressesOnly: !config.webmentionAllowPrivateAddresses)
    }

    /// `application/x-www-form-urlencoded` value encoding.
    static func formEncode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? value
    }

    /// What `parley mention sent` lists.
    public func webmentionSends(postId: String? = nil) throws -> [WebmentionSendRecord] {
        try store.read { try $0.webmentionSends(postId: postId) }
    }
}
