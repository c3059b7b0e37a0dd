import Foundation
import Logging
import ParleyCore
import ParleyCurl
import ParleyFeed
import ParleyStore

/// What one sync of one blog did.
public struct FeedSyncReport: Sendable, Equatable, Encodable {
    public enum Outcome: String, Sendable, Equatable, Encodable {
        /// 200: the feed was read and its entries applied.
        case updated
        /// 304: nothing read, nothing written.
        case notModified = "not-modified"
        /// Not due yet (backing off after failures); nothing fetched.
        case waiting
        /// 410 Gone, now or before: not fetched.
        case gone
        /// The fetch or the parse failed; retried later.
        case failed
    }

    public var blog: String
    public var outcome: Outcome
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// Whether a document was parsed.
    public var parsed = false
    public var entries = 0
    /// Posts made, posts updated, notifications queued.
    public var added = 0
    public var changed = 0
    public var notified = 0
    /// Webmentions queued to the pages the new posts link.
    public var webmentions = 0
    /// What went wrong, in words for the admin.
    public var problem: String?
    /// The first sync: what the feed held was registered without notifying anyone.
    public var silent = false
    /// When the blog is due again.
    public var nextAttempt: Date?

    public var line: String {
        switch outcome {
        case .updated:
            return "\(blog): \(entries) entr\(entries == 1 ? "y" : "ies"); \(added) new post(s), \(changed) updated, \(notified) notification(s) queued\(webmentions > 0 ? ", \(webmentions) Webmention(s) queued" : "")\(silent ? " (first sync: registered silently)" : "")"
        case .notModified: return "\(blog): not modified (304)"
        case .waiting: return "\(blog): backing off after failures; next attempt \(nextAttempt.map(FeedDate.iso8601) ?? "soon")"
        case .gone: return "\(blog): the feed is gone (410); not fetched until feed_url changes or `parley feed sync --blog \(blog)` is run"
        case .failed: return "\(blog): \(problem ?? "failed")"
        }
    }
}

/// Reads the blogs' feeds and keeps their posts (SPEC "The life of a reply", step 1):
/// conditional GET, parse, one transaction per feed that adds new entries as posts
/// (notifying as `post add` does, except on a blog's first sync), updates edited ones
/// silently and leaves vanished ones alone. Owns one fetcher, so one thread at a time.
public final class FeedSyncer {
    let relay: Relay
    private let fetcher: CurlFeedFetcher
    /// Documents parsed by this syncer (a 304 must parse none).
    public private(set) var parses = 0
    /// Whether a sync that added or changed posts logs its report line (the daemon's
    /// log); `parley feed sync` prints the line itself.
    public var logsChanges = true
    /// The last problem logged per blog, so each change of state is logged once.
    private var lastProblem: [String: String] = [:]

    public init(relay: Relay) throws {
        self.relay = relay
        do {
            fetcher = try CurlFeedFetcher()
        } catch {
            throw AdminError(error.message)
        }
    }

    /// First wait after a failure (the poll interval when shorter), doubled after each
    /// further failure, at most 6 hours.
    static func backoff(failures: Int, pollInterval: Duration) -> TimeInterval {
        let base = min(pollInterval.seconds, 60)
        return min(base * pow(2, Double(max(0, failures - 1))), 6 * 3600)
    }

    /// One sync of one blog. `force`: fetch even while backing off (`parley feed sync`);
    /// `retryGone`: try a feed that answered 410 again (`parley feed sync --blog NAME`).
    public func sync(_ blog: ParleyConfig.Blog, force: Bool = false, retryGone: Bool = false) throws -> FeedSyncReport {
        var logger = relay.logger
        logger[metadataKey: "blog"] = "\(blog.name)"
        let now = relay.now()
        var state = try relay.store.read { try $0.blog(name: blog.name) } ?? BlogRecord(name: blog.name, feedURL: blog.feedURL)
        if state.feedURL != blog.feedURL {
            // A new address starts afresh; the posts already made stay, so do not notify again.
            let first = state.firstSyncAt
            state = BlogRecord(name: blog.name, feedURL: blog.feedURL)
            state.firstSyncAt = first
        }
        var report = FeedSyncReport(blog: blog.name, outcome: .updated)
        if state.state == .gone && !retryGone {
            report.outcome = .gone
            return report
        }
        if !force, let next = state.nextAttemptAt, next > now {
            report.outcome = .waiting
            report.nextAttempt = next
            return report
        }

        // Posts registered while the conversation is missing would stay outside it for good.
        if let conversation = blog.conversation, try relay.store.read({ try $0.conversation(id: conversation) }) == nil {
            return try fail(blog, state: state, status: nil,
                            problem: "conversation \"\(conversation)\" does not exist; make it with `parley conversation add --id \(conversation) …` (the feed is read once it does)",
                            report: report, logger: logger)
        }

        var request = FeedRequest(url: blog.feedURL, etag: state.etag, lastModified: state.lastModified, caFile: blog.caFile,
                                  connectTimeoutSeconds: min(10, blog.timeoutSeconds), totalTimeoutSeconds: blog.timeoutSeconds,
                                  maximumBytes: FeedParser.maximumBytes)
        if state.state == .new || state.state == .gone { request.etag = nil; request.lastModified = nil }
        request.userAgent = CurlFeedFetcher.userAgent(site: relay.config.site.baseURL)

        let response: FeedResponse
        do {
            response = try fetcher.fetch(request)
        } catch {
            return try fail(blog, state: state, status: nil, problem: error.description, report: report, logger: logger)
        }
        report.status = response.status
        switch response.status {
        case 304:
            report.outcome = .notModified
            if state.state != .ok {
                // Answered again after failures: that is worth writing down.
                state.state = .ok; state.failures = 0; state.nextAttemptAt = nil; state.lastError = nil
                state.lastStatus = 304; state.lastFetchAt = now
                try relay.store.write { try $0.save(state) }
                recovered(blog, logger: logger)
            }
            return report
        case 410:
            state.state = .gone; state.lastStatus = 410; state.lastFetchAt = now; state.nextAttemptAt = nil
            state.lastError = "410 Gone: the blog says this feed is gone for good; not fetched again until feed_url changes or `parley feed sync --blog \(blog.name)` is run"
            try relay.store.write { try $0.save(state) }
            logger.error("\(blog.feedURL) answered 410 Gone; polling of this blog stops (fix feed_url, or run `parley feed sync --blog \(blog.name)` to try again)")
            lastProblem[blog.name] = "410"
            report.outcome = .gone
            return report
        case 200..<300:
            break
        default:
            return try fail(blog, state: state, status: response.status,
                            problem: "the server answered HTTP \(response.status)\(response.status >= 500 ? " (a server error)" : "")",
                            report: report, logger: logger)
        }

        let document: FeedDocument
        do {
            parses += 1
            report.parsed = true
            document = try FeedParser.parse(response.body, url: response.effectiveURL)
        } catch {
            return try fail(blog, state: state, status: response.status, problem: "the feed cannot be read: \(error.message)",
                            report: report, logger: logger)
        }
        report.entries = document.entries.count
        report.silent = state.firstSyncAt == nil
        let applied = try relay.store.write { tx -> FeedPosts.Applied in
            let applied = try FeedPosts(relay: relay, blog: blog).apply(document.entries, firstSyncAt: state.firstSyncAt, now: now, tx: tx)
            state.etag = response.etag; state.lastModified = response.lastModified
            state.state = .ok; state.failures = 0; state.nextAttemptAt = nil; state.lastError = nil
            state.lastStatus = response.status; state.lastFetchAt = now
            if state.firstSyncAt == nil { state.firstSyncAt = now }
            try tx.save(state)
            return applied
        }
        report.added = applied.added
        report.changed = applied.changed
        report.notified = applied.notified
        report.webmentions = applied.webmentions
        recovered(blog, logger: logger)
        if logsChanges, applied.added + applied.changed > 0 { logger.info("\(report.line)") }
        return report
    }

    private func recovered(_ blog: ParleyConfig.Blog, logger: Logger) {
        if lastProblem.removeValue(forKey: blog.name) != nil {
            logger.notice("the feed answers again")
        }
    }

    private func fail(_ blog: ParleyConfig.Blog, state: BlogRecord, status: Int?, problem: String, report: FeedSyncReport,
                      logger: Logger) throws -> FeedSyncReport {
        var state = state
        let now = relay.now()
        state.failures += 1
        state.state = .failing
        state.lastStatus = status
        state.lastError = problem
        state.lastFetchAt = now
        let wait = Self.backoff(failures: state.failures, pollInterval: blog.pollInterval)
        state.nextAttemptAt = now.addingTimeInterval(wait)
        try relay.store.write { try $0.save(state) }
        // Logged once per change of state (a new kind of problem), not on every retry.
        let kind = status.map { "HTTP \($0)" } ?? problem
        if lastProblem[blog.name] != kind {
            logger.error("\(blog.feedURL): \(problem); retrying with backoff (next in \(Int(wait)) s)")
            lastProblem[blog.name] = kind
        } else {
            logger.debug("\(blog.feedURL): \(problem); failure \(state.failures) in a row")
        }
        var r = report
        r.outcome = .failed
        r.status = status
        r.problem = problem
        r.nextAttempt = state.nextAttemptAt
        return r
    }
}
