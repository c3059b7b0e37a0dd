import Foundation
import ParleyCore
import ParleyCurl
import ParleyFeed
import ParleyStore
import ParleyWebmention

/// What `POST /webmention` answers (W3C Webmention §3.2): 202 once the request is
/// queued, 400 for a request that can never be verified, 429 while a source host has
/// too many verifications waiting.
public enum WebmentionReceipt: Sendable, Equatable {
    case accepted(id: Int64)
    case refused(status: Int, message: String)
}

/// Receiving Webmentions: a request is checked for what needs no fetch (both URLs
/// http(s), different, the target a post of this site), queued durably, and verified
/// later by ``Relay/verifyWebmentions(fetcher:limit:)``: the source is fetched (at most
/// 1 MB, 10 s), must link the target, and is read for its microformats2 `h-entry`.
/// A verified mention is shown in the target post's thread as `kind: mention` under the
/// site's moderation policy; a re-send verifies it again (updated, or removed when the
/// source answers 404/410 or no longer links the target).
extension Relay {
    /// Verifications that may wait per source host; more are answered 429.
    public static let webmentionQueuePerHost = 20
    /// The most of a source page that is read.
    public static let webmentionMaximumBytes = 1_048_576
    /// The longest a source fetch may take.
    public static let webmentionTimeoutSeconds = 10
    /// Sources fetched at the same time by `serve` and `mention run`.
    public static let webmentionFetchers = 4
    /// Waits after the 1st, 2nd, … failed attempt to reach a source; then it is given up.
    static let webmentionRetryDelays: [TimeInterval] = [60, 600, 3600, 6 * 3600]

    public func receiveWebmention(source rawSource: String, target rawTarget: String) throws -> WebmentionReceipt {
        let source = rawSource.trimmingCharacters(in: .whitespacesAndNewlines)
        let target = rawTarget.trimmingCharacters(in: .whitespacesAndNewlines)
        guard WebURL.isHTTP(source), WebURL.isHTTP(target) else {
            return .refused(status: 400, message: "source and target must both be absolute http:// or https:// URLs")
        }
        guard WebURL.withoutFragment(source) != WebURL.withoutFragment(target) else {
            return .refused(status: 400, message: "source and target are the same page")
        }
        guard let post = try webmentionTarget(target) else {
            return .refused(status: 400, message: "target is not a post of this site; Webmentions are accepted for the posts whose comments Parley keeps")
        }
        let host = WebURL.host(source)
        return try store.write { tx -> WebmentionReceipt in
            let now = self.now()
            let known = try tx.webmention(source: source, target: target)
            // One more waiting verification, unless this pair's is waiting already.
            if known?.verifyAt == nil, try tx.queuedWebmentions(sourceHost: host) >= Self.webmentionQueuePerHost {
                return .refused(status: 429, message: "too many Webmentions from \(host) are waiting to be verified; try again later")
            }
            if var known {
                known.verifyAt = known.verifyAt ?? now
                known.attempts = 0
                known.reason = "re-sent; verification queued"
                known.updatedAt = now
                return .accepted(id: try tx.save(known).id!)
            }
            let mention = try tx.save(WebmentionRecord(source: source, target: target, postId: post.id, sourceHost: host, now: now))
            return .accepted(id: mention.id!)
        }
    }

    /// The post a Webmention's target names: a post's permalink, or its comments page here.
    func webmentionTarget(_ target: String) throws -> PostRecord? {
        let bare = WebURL.withoutFragment(target)
        if let post = try post(permalink: bare) { return post }
        let prefix = config.site.baseURL + "/posts/"
        guard bare.hasPrefix(prefix) else { return nil }
        var rest = String(bare.dropFirst(prefix.count))
        for suffix in ["/comments", "/comments.json", "/comments.atom"] where rest.hasSuffix(suffix) {
            rest = String(rest.dropLast(suffix.count))
            let id = rest.removingPercentEncoding ?? rest
            return try store.read { try $0.post(id: id) }
        }
        return nil
    }

    /// What one verification found.
    enum MentionCheck {
        case links(MentionSource)
        /// The source no longer says what it did (404/410, or no link to the target):
        /// a shown mention is removed.
        case withdrawn(String)
        /// Cannot ever be verified as it is (too large, …).
        case refused(String)
        /// Try again later (unreachable, timeout, 5xx).
        case retry(String)
    }

    /// Verifies the mentions that are due, at most `limit`; returns how many were checked.
    /// Each source is fetched outside any transaction; its outcome is written in one.
    @discardableResult
    public func verifyWebmentions(fetcher: CurlFeedFetcher, limit: Int = 20) throws -> Int {
        try verifyWebmentions(fetchers: [fetcher], limit: limit)
    }

    /// The same with one fetch at a time per fetcher, so that sources that never answer
    /// hold up only as many others as there are fetchers (each waits its 10 s); the
    /// outcomes are written together, in one transaction.
    @discardableResult
    public func verifyWebmentions(fetchers: [CurlFeedFetcher], limit: Int = 20) throws -> Int {
        let due = try store.read { try $0.dueWebmentions(now: now(), limit: limit) }
        guard !due.isEmpty, !fetchers.isEmpty else { return 0 }
        let checks = SourceChecks(count: due.count)
        let own = OnePerWorker(fetchers: fetchers)
        // Threads of their own: the work is waiting on the network, and concurrentPerform
        // runs no more at once than there are cores.
        let done = DispatchGroup()
        for worker in 0..<min(fetchers.count, due.count) {
            done.enter()
            let thread = Thread { [self] in
                while let i = checks.take() {
                    checks.put(i, checkSource(due[i], fetcher: own.fetchers[worker]))
                }
                done.leave()
            }
            thread.name = "parley-mention-\(worker)"
            thread.start()
        }
        done.wait()
        try store.write { tx in
            for (mention, check) in zip(due, checks.results) { try apply(check!, to: mention, tx: tx) }
        }
        return due.count
    }

    func checkSource(_ mention: WebmentionRecord, fetcher: CurlFeedFetcher) -> MentionCheck {
        let response: FeedResponse
        do {
            response = try fetcher.fetch(webPageRequest(mention.source, what: "the source page"))
        } catch {
            return error.tooLarge || error.refusedAddress ? .refused(error.message) : .retry(error.description)
        }
        switch response.status {
        case 200..<300:
            let page = MentionSource.read(response.body, pageURL: response.effectiveURL, target: mention.target)
            return page.linksTarget ? .links(page) : .withdrawn("the source does not link the target")
        case 404, 410:
            return .withdrawn("the source answered \(response.status)")
        case 408, 429, 500..<600:
            return .retry("the source answered \(response.status)")
        default:
            return .refused("the source answered \(response.status)")
        }
    }

    func apply(_ check: MentionCheck, to checked: WebmentionRecord, tx: StoreTransaction) throws {
        guard var m = try tx.webmention(id: checked.id!) else { return }
        let now = self.now()
        // Re-sent while being checked: verify again rather than trust this older look.
        let resent = m.updatedAt != checked.updatedAt
        let wasShown = m.status == "published"
        switch check {
        case .links(let page):
            m.authorName = page.authorName ?? m.sourceHost
            m.authorURL = page.authorURL
            m.content = page.content
            m.publishedAt = page.published ?? m.publishedAt ?? now
            switch m.status {
            case "published", "pending", "rejected":
                m.reason = "verified again \(StaticViews.timestamp(now)): links the target"
            default:
                let hold: String? = switch config.site.moderation {
                case .none: nil
                case .all: "the site holds every comment for moderation"
                case .firstTime: try tx.hasPublishedWebmention(sourceHost: m.sourceHost) ? nil : "first Webmention from \(m.sourceHost); the site holds first-time commenters for moderation"
                }
                m.status = hold == nil ? "published" : "pending"
                m.reason = hold.map { "verified; held for moderation: \($0)" } ?? "verified: links the target"
            }
            m.attempts = 0
            if !resent { m.verifyAt = nil }
        case .withdrawn(let why), .refused(let why):
            switch m.status {
            case "published", "pending": m.status = "removed"
            case "rejected": break
            default: m.status = "refused"
            }
            m.reason = why
            m.attempts = 0
            if !resent { m.verifyAt = nil }
        case .retry(let why):
            guard !resent else { break }
            m.attempts += 1
            if m.attempts > Self.webmentionRetryDelays.count {
                // A mention already shown stays: its source was verified before.
                if m.status == "new" { m.status = "refused" }
                m.reason = "gave up after \(m.attempts) attempts: \(why)"
                m.verifyAt = nil
            } else {
                let next = now.addingTimeInterval(Self.webmentionRetryDelays[m.attempts - 1])
                m.reason = "attempt \(m.attempts) failed: \(why); next attempt \(StaticViews.timestamp(next))"
                m.verifyAt = next
            }
        }
        m.updatedAt = resent ? m.updatedAt : now
        let saved = try tx.save(m)
        if wasShown || m.status == "published" { try tx.requestViewUpdate(postId: m.postId, now: now) }
        // The post's author hears of a new mention: to decide on a held one, or that one
        // is shown (and can be taken off).
        if checked.status == "new" && (saved.status == "pending" || saved.status == "published") {
            do {
                try queueMentionNotice(saved, tx: tx)
            } catch let error as AdminError {
                // The mention stands; only the email could not be made (an author address
                // that is no plain address): said once, here.
                logger.warning("webmention \(saved.id!): the post's author cannot be told: \(error)")
            }
        }
    }

    /// `User-Agent` of every Webmention request: Parley, its version and this site.
    var webmentionUserAgent: String { "Parley/\(ParleyVersion.current) (Webmention; +\(config.site.baseURL))" }

    /// A GET of a web page for Webmention (a source, or a page linked): HTML, at most
    /// 1 MB and 10 s.
    func webPageRequest(_ url: String, what: String) -> FeedRequest {
        var request = FeedRequest(url: url, connectTimeoutSeconds: Self.webmentionTimeoutSeconds,
                                  totalTimeoutSeconds: Self.webmentionTimeoutSeconds, maximumBytes: Self.webmentionMaximumBytes)
        request.accept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
        request.what = what
        request.userAgent = webmentionUserAgent
        request.publicAddressesOnly = !config.webmentionAllowPrivateAddresses
        return request
    }

    /// A post's published mentions, as public thread entries.
    func publicMentions(postId: String, tx: StoreTransaction) throws -> [PublicComment] {
        try tx.webmentions(postId: postId, status: "published").map(PublicComment.init(mention:))
    }

    /// `parley mention list`: every mention (the admin's view), newest first.
    public func webmentions(status: String?) throws -> [WebmentionRecord] {
        try store.read { try $0.webmentions(status: status) }
    }

    /// `parley mention approve|reject ID`: the moderator's decision on a held mention
    /// (approving a removed or refused one is refused: its source did not verify).
    public func moderateWebmention(id: Int64, approve: Bool) throws -> WebmentionRecord {
        try store.write { tx in try decideWebmention(id: id, approve: approve, by: "the admin", tx: tx) }
    }

    /// A decision on a mention, by the admin or by the post's author answering by email.
    func decideWebmention(id: Int64, approve: Bool, by who: String, tx: StoreTransaction) throws -> WebmentionRecord {
        guard var m = try tx.webmention(id: id) else { throw AdminError("mention \(id) does not exist") }
        if approve {
            guard ["pending", "rejected", "published"].contains(m.status) else {
                throw AdminError("mention \(id) is \(m.status) (\(m.reason)); only a verified mention can be approved")
            }
            m.status = "published"
        } else {
            m.status = "rejected"
        }
        m.reason = approve ? "approved by \(who)" : "rejected by \(who)"
        m.updatedAt = now()
        let saved = try tx.save(m)
        try tx.requestViewUpdate(postId: m.postId, now: now())
        return saved
    }
}

/// Fetchers handed to concurrent workers, worker `i` using only `fetchers[i]` (a libcurl
/// handle belongs to one thread at a time).
private struct OnePerWorker: @unchecked Sendable {
    let fetchers: [CurlFeedFetcher]
}

/// The outcomes of one round of source checks, filled by several threads.
private final class SourceChecks: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var results: [Relay.MentionCheck?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    /// The index of the next mention to check, nil when all are taken.
    func take() -> Int? {
        lock.withLock {
            guard next < results.count else { return nil }
            next += 1
            return next - 1
        }
    }

    func put(_ i: Int, _ check: Relay.MentionCheck) { lock.withLock { results[i] = check } }
}
