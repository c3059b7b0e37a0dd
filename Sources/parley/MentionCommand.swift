import ArgumentParser
import Foundation
import ParleyCurl
import ParleyFeed
import ParleyRelay
import ParleyStore

/// `parley mention`: Webmentions received and sent.
struct MentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mention", abstract: "Webmentions: those received (list, approve, reject), those sent, and a run of both queues.",
        subcommands: [List.self, Approve.self, Reject.self, Sent.self, Run.self])

    /// One received mention as the admin sees it.
    struct Received: Encodable {
        var id: Int64
        var post: String
        var source: String
        var target: String
        var status: String
        var reason: String
        var authorName: String?
        var content: String
        var receivedAt: Date
        var verifyAt: Date?

        init(_ m: WebmentionRecord) {
            id = m.id!; post = m.postId; source = m.source; target = m.target; status = m.status; reason = m.reason
            authorName = m.authorName; content = m.content; receivedAt = m.receivedAt; verifyAt = m.verifyAt
        }

        enum CodingKeys: String, CodingKey {
            case id, post, source, target, status, reason, content
            case authorName = "author_name", receivedAt = "received_at", verifyAt = "verify_at"
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Webmentions received, newest first: status (new, published, pending, rejected, removed, refused) and why.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this status.") var status: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "At most this many rows (newest first); how many more there are is said on stderr.") var limit = 1000

        func run() throws {
            let relay = try options.relay()
            let all = try relay.webmentions(status: status)
            defer { printRemainder(shown: min(limit, all.count), total: all.count) }
            let mentions = all.prefix(max(0, limit)).map(Received.init)
            if json { try printJSON(mentions); return }
            if mentions.isEmpty { print("no Webmentions\(status.map { " with status \($0)" } ?? "")") }
            for m in mentions {
                print("\(m.id)\t\(m.status)\t\(m.post)\t\(m.source)")
                print("  \(m.reason)\(m.authorName.map { "; by \($0)" } ?? "")")
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish a mention held for moderation.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The mention's id (see `parley mention list`).") var id: Int64

        func run() throws {
            let relay = try options.relay()
            let m = try adminCall { try relay.moderateWebmention(id: id, approve: true) }
            _ = try? relay.publishPending()
            print("mention \(id) published on post \(m.postId)")
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hide a mention (held or published); a re-send does not show it again.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The mention's id.") var id: Int64

        func run() throws {
            let relay = try options.relay()
            let m = try adminCall { try relay.moderateWebmention(id: id, approve: false) }
            _ = try? relay.publishPending()
            print("mention \(id) rejected on post \(m.postId)")
        }
    }

    /// One Webmention Parley owes or sent.
    struct Sending: Encodable {
        var post: String
        var source: String
        var target: String
        var endpoint: String?
        var status: String
        var reason: String
        var attempts: Int
        var nextAttemptAt: Date?

        enum CodingKeys: String, CodingKey {
            case post, source, target, endpoint, status, reason, attempts
            case nextAttemptAt = "next_attempt_at"
        }
    }

    struct Sent: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Webmentions sent for the blogs' posts: queued, sent, no-endpoint or failed, and why.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this post's.") var post: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "At most this many rows (newest first); how many more there are is said on stderr.") var limit = 1000

        func run() throws {
            let relay = try options.relay()
            let all = try relay.webmentionSends(postId: post)
            defer { printRemainder(shown: min(limit, all.count), total: all.count) }
            let sends = all.prefix(max(0, limit)).map {
                Sending(post: $0.postId, source: $0.source, target: $0.target, endpoint: $0.endpoint, status: $0.status,
                        reason: $0.reason, attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt)
            }
            if json { try printJSON(sends); return }
            if sends.isEmpty { print("no Webmentions sent") }
            for s in sends {
                print("\(s.status)\t\(s.post)\t\(s.target)")
                print("  \(s.reason)\(s.endpoint.map { "; endpoint \($0)" } ?? "")")
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the Webmentions received and send those owed that are due, once, then exit (serve does this by itself).")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let relay = try options.relay()
            let fetchers = try adminCall { try (0..<Relay.webmentionFetchers).map { _ in try CurlFeedFetcher() } }
            let poster = try relay.webmentionPoster()
            let verified = try relay.verifyWebmentions(fetchers: fetchers, limit: 1000)
            let sent = try relay.sendWebmentions(fetcher: fetchers[0], poster: poster, limit: 1000)
            _ = try? relay.publishPending()
            print("\(verified) Webmention(s) verified, \(sent) sent or tried")
        }
    }
}
