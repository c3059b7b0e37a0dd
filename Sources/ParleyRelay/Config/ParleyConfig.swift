import Foundation
import ParleyCore

/// The whole configuration, as read from the TOML file (see `config/parley.example.toml`).
///
/// Relative paths are taken relative to the directory Parley is started in.
public struct ParleyConfig: Sendable {
    /// `[site]`
    public struct Site: Sendable {
        public var name: String
        public var baseURL: String
        /// The HMAC key for reply tokens; never logged.
        public var secret: [UInt8]
        /// Secrets still accepted during a rotation.
        public var previousSecrets: [[UInt8]]
        public var moderation: ModerationPolicy
        /// `previous_secret_until`: the last day (days since 1970-01-01, UTC) tokens signed
        /// with a previous secret are accepted; nil while no end is set.
        public var previousSecretsThroughDay: Int64? = nil
        /// `token_expiry`: optional maximum age in days per token kind.
        public var tokenMaxAgeDays: [TokenTarget: Int64] = [:]
    }

    /// `[smtp]`
    public struct SMTP: Sendable {
        public var server: ServerSettings
        public var from: EmailAddress
        /// The name given in EHLO.
        public var ehloName: String
    }

    /// `[[mailbox]]`
    public struct Mailbox: Sendable {
        public var name: String
        public var server: ServerSettings
        /// `local+{token}@domain`: where `{token}` goes.
        public var replyAddress: String
        public var processedFolder: String
        public var rejectedFolder: String
        public var pollInterval: Duration
        public var idle: Bool
        public var maxMessageSize: Int
    }

    /// How to reach one server (the libcurl options are built from this).
    public struct ServerSettings: Sendable {
        public var url: String
        public var starttls: String
        public var username: String?
        public var password: String?
        public var oauth2Token: String?
        public var caFile: String?
        /// How long to wait for any answer of the server (`timeout`, default 60 s).
        public var timeoutSeconds: Int = 60
        /// `oauth2_token_file`: read again for every new connection, so that a token
        /// refreshed there by another program (tokens expire within hours) is used
        /// without a restart.
        public var oauth2TokenFile: String?

        /// The bearer token to log in with now.
        public var currentOAuth2Token: String? {
            guard let file = oauth2TokenFile, let data = FileManager.default.contents(atPath: file) else { return oauth2Token }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return token.isEmpty ? oauth2Token : token
        }
    }

    /// `[[blog]]`: a partner's blog, whose feed brings its posts.
    public struct Blog: Sendable {
        public var name: String
        public var feedURL: String
        /// Whose posts these are.
        public var author: EmailAddress
        /// New posts join this conversation...
        public var conversation: String?
        /// ...when they carry this category (nil: all of them).
        public var category: String?
        public var pollInterval: Duration
        /// The blog's web origin (`scheme://host[:port]`), for CORS; from `feed_url` when not given.
        public var origin: String
        /// An extra CA bundle for the blog's TLS certificate.
        public var caFile: String?
        /// The longest one fetch may take (`timeout`, default 30 s); connecting, at most 10 s of it.
        public var timeoutSeconds: Int = 30
    }

    /// `[publish]`
    public struct Publish: Sendable {
        public var outputDir: String
        public var templatesDir: String
        public var webhookURL: String?
        /// `webhook_secret`: the HMAC-SHA256 key of the webhook's signature header.
        public var webhookSecret: [UInt8]? = nil
    }

    public var site: Site
    public var databasePath: String
    public var smtp: SMTP
    public var mailboxes: [Mailbox]
    /// `[[blog]]`, in the file's order.
    public var blogs: [Blog] = []
    public var httpListen: String
    /// `[http] follow_limit_per_ip` (per minute, default 10) and `follow_limit_per_address`
    /// (per hour, default 5): follow-form requests answered before 429.
    /// `[http] allowed_origins`: web origins besides the blogs' that may read the
    /// comments JSON (CORS) for the embed.
    public var allowedOrigins: [String] = []
    public var followLimitPerIP = 10
    public var followLimitPerAddress = 5
    public var publish: Publish
    /// How long temporary SMTP failures are retried.
    public var outboxRetryFor: Duration
    /// The first wait after a temporary refusal (`[outbox] retry_base`, default 1 min),
    /// doubled after each further one.
    public var outboxRetryBase: Duration = .seconds(60)
    /// `[outbox] keep_sent` (default 180 days): how long the bytes of a sent (or failed)
    /// notification are kept, so that a reply can be read against what it answers; then
    /// the daemon (hourly) and `parley outbox prune` empty them. The row stays.
    public var outboxKeepSent: Duration = .seconds(180 * 86400)
    /// `[webmention] allow_private_addresses`: fetch Webmention sources and post to
    /// endpoints on loopback, private and link-local addresses (a blog network on a LAN,
    /// tests); off, those are refused (server-side request forgery).
    public var webmentionAllowPrivateAddresses = false
    /// `[outbox] bounce_threshold`: hard bounces (counted since the score last reset)
    /// after which a person's notifications are suspended.
    public var bounceThreshold: Int = 3
    /// `[outbox] bounce_reset_after`: a bounce score with no new bounce for this long
    /// starts again from zero, and a suspension lasts this long after the last hard bounce.
    public var bounceResetAfter: Duration = .seconds(30 * 86400)
    /// The file it was read from.
    public var path: String

    /// Every web origin the embed may run on: the blogs' and `[http] allowed_origins`.
    public var corsOrigins: Set<String> { Set(blogs.map(\.origin) + allowedOrigins) }
}

/// Who gets held for moderation.
public enum ModerationPolicy: String, Sendable, CaseIterable {
    /// Nobody (apart from senders who are not the token's recipient).
    case none
    /// A person's first comment.
    case firstTime = "first-time"
    /// Every comment (apart from the post's author and the conversation's partners).
    case all
}
