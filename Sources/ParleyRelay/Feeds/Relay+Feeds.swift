import Foundation
import ParleyCore
import ParleyFeed
import ParleyStore

/// One blog as `parley feed list` and `/healthz` show it.
public struct BlogView: Encodable, Sendable {
    public var name: String
    public var feedURL: String
    public var conversation: String?
    public var category: String?
    public var pollInterval: String
    /// new | ok | failing | gone
    public var state: String
    public var lastFetch: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var etag: String?
    public var lastModified: String?
    public var failures: Int
    public var nextAttempt: Date?
    public var firstSync: Date?
    public var posts: Int

    enum CodingKeys: String, CodingKey {
        case name, feedURL = "feed_url", conversation, category, pollInterval = "poll_interval", state
        case lastFetch = "last_fetch", lastStatus = "last_status", lastError = "last_error", etag
        case lastModified = "last_modified", failures, nextAttempt = "next_attempt", firstSync = "first_sync", posts
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(feedURL, forKey: .feedURL)
        try c.encode(conversation, forKey: .conversation)
        try c.encode(category, forKey: .category)
        try c.encode(pollInterval, forKey: .pollInterval)
        try c.encode(state, forKey: .state)
        try c.encode(lastFetch.map(FeedDate.iso8601), forKey: .lastFetch)
        try c.encode(lastStatus, forKey: .lastStatus)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(etag, forKey: .etag)
        try c.encode(lastModified, forKey: .lastModified)
        try c.encode(failures, forKey: .failures)
        try c.encode(nextAttempt.map(FeedDate.iso8601), forKey: .nextAttempt)
        try c.encode(firstSync.map(FeedDate.iso8601), forKey: .firstSync)
        try c.encode(posts, forKey: .posts)
    }
}

extension Relay {
    /// The configured blog of that name.
    public func blog(named name: String) throws -> ParleyConfig.Blog {
        guard let blog = config.blogs.first(where: { $0.name == name }) else {
            let known = config.blogs.map(\.name)
            throw AdminError("no [[blog]] named \(name) in \(config.path)\(known.isEmpty ? " (it has none)" : "; there are: \(known.joined(separator: ", "))")")
        }
        return blog
    }

    /// Every configured blog with what is known of its feed.
    public func blogViews() throws -> [BlogView] {
        try store.read { tx in
            try config.blogs.map { blog in
                let saved = try tx.blog(name: blog.name)
                let state = saved.flatMap { $0.feedURL == blog.feedURL ? $0 : nil }
                return BlogView(name: blog.name, feedURL: blog.feedURL, conversation: blog.conversation, category: blog.category,
                                pollInterval: "\(Int(blog.pollInterval.seconds))s", state: state?.state.rawValue ?? "new",
                                lastFetch: state?.lastFetchAt, lastStatus: state?.lastStatus, lastError: state?.lastError,
                                etag: state?.etag, lastModified: state?.lastModified, failures: state?.failures ?? 0,
                                nextAttempt: state?.nextAttemptAt, firstSync: saved?.firstSyncAt,
                                posts: try tx.postCount(blog: blog.name))
            }
        }
    }
}
