import Foundation
import ParleyStore
import ParleyWebmention

/// Writes a post's published comments as static files, for static-site blogs:
/// `OUTPUT_DIR/POST_ID/comments.html`, `comments.json` and `comments.atom`.
///
/// The HTML and Atom come from the `comments.html` and `comments.atom` templates; the
/// JSON holds public comment objects (``PublicComment``: no email address). Each file is written to
/// a temporary name and renamed, so a web server never serves half a file.
struct StaticViews {
    let relay: Relay

    /// A post's views could not be written.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// One comment as the view templates see it: every string already escaped for HTML
    /// and XML (see ``HTMLEscaping``), to be printed with `{{{…}}}`.
    private func context(_ comment: CommentView, depth: Int, commentsURL: String, postTitle: String) -> [String: Any] {
        let name = PublicComment.displayName(comment.authorName)
        let bodyHTML = CommentHTML.render(comment.body)
        return [
            "id": comment.id,
            "parent": comment.parent.map { "\($0)" } ?? "",
            "has_parent": comment.parent != nil,
            "depth": min(depth, 8),
            "author_name": HTMLEscaping.escape(name),
            "post_title": HTMLEscaping.escape(postTitle),
            "body_html": bodyHTML,
            "body_html_escaped": HTMLEscaping.escape(bodyHTML),
            "created_at": Self.timestamp(comment.createdAt),
            "entry_url": HTMLEscaping.escape("\(commentsURL)#comment-\(comment.id)"),
        ]
    }

    /// Rewrites the three files of one post from what is published now.
    func write(postId: String) throws {
        guard Self.isSafeDirectoryName(postId) else {
            throw Failure(message: "post id \(postId.debugDescription) cannot be used as a folder name under \(relay.config.publish.outputDir); its static views are not written")
        }
        guard let views = try render(postId: postId) else { return }
        let dir = (relay.config.publish.outputDir as NSString).appendingPathComponent(postId)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            Self.removeLeftovers(in: dir)
            try Self.replace(dir + "/comments.html", with: Data(views.html.utf8))
            try Self.replace(dir + "/comments.json", with: views.json)
            try Self.replace(dir + "/comments.atom", with: Data(views.atom.utf8))
        } catch {
            throw Failure(message: "could not write the static views of post \(postId) into \(dir): \(error.localizedDescription); check that publish.output_dir is writable")
        }
    }

    /// The three views of one post from what is published now (nil for an unknown
    /// post): the static files hold them, and `parley serve` answers with them.
    func render(postId: String) throws -> CommentViews? {
        for name in ["comments.html", "comments.atom"] where !relay.templates.has(name) {
            throw Failure(message: "template \(relay.config.publish.templatesDir)/\(name).mustache is missing; copy it from Parley's templates/ folder")
        }
        let (post, comments, mentions, answers, answeredBy) = try relay.store.read { tx -> (PostRecord?, [CommentView], [PublicComment], PostRecord?, [PostRecord]) in
            let post = try tx.post(id: postId)
            return (post, try relay.commentViews(post: postId, status: "published", tx: tx),
                    try relay.publicMentions(postId: postId, tx: tx),
                    try post?.answersPostId.flatMap { try tx.post(id: $0) },
                    try tx.answers(to: postId).compactMap { try tx.post(id: $0) })
        }
        guard let post else { return nil }

        let encodedID = postId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? postId
        let commentsURL = "\(relay.config.site.baseURL)/posts/\(encodedID)/comments"
        var rows: [[String: Any]] = []
        for (comment, depth) in Self.threaded(comments) {
            rows.append(context(comment, depth: depth, commentsURL: commentsURL, postTitle: post.title))
        }
        let updated = (comments.map(\.createdAt) + mentions.map(\.createdAt)).max() ?? post.createdAt
        let view: [String: Any] = [
            "site": HTMLEscaping.escape(relay.config.site.name),
            "post_id": HTMLEscaping.escape(post.id),
            "post_title": HTMLEscaping.escape(post.title),
            "post_url": HTMLEscaping.escape(Self.safeLink(post.url)),
            "comments_url": HTMLEscaping.escape(commentsURL),
            "atom_url": HTMLEscaping.escape(commentsURL + ".atom"),
            "feed_id": HTMLEscaping.escape(commentsURL),
            "updated": Self.timestamp(updated),
            "count": comments.count,
            "has_comments": !comments.isEmpty,
            "comments": rows,
            // Webmentions: other pages that link this post, shown after the thread.
            "has_mentions": !mentions.isEmpty,
            "mention_count": mentions.count,
            "mentions": mentions.map { m -> [String: Any] in
                ["id": m.id, "author_name": HTMLEscaping.escape(m.authorName), "body_html": m.bodyHTML,
                 "body_html_escaped": HTMLEscaping.escape(m.bodyHTML), "has_body": !m.body.isEmpty,
                 "url": HTMLEscaping.escape(Self.safeLink(m.url ?? "")), "host": HTMLEscaping.escape(WebURL.host(m.url ?? "")),
                 "author_url": HTMLEscaping.escape(m.authorURL.map(Self.safeLink) ?? ""), "has_author_url": m.authorURL != nil,
                 "created_at": Self.timestamp(m.createdAt), "post_title": HTMLEscaping.escape(post.title),
                 "entry_url": HTMLEscaping.escape("\(commentsURL)#mention-\(m.id)")]
            },
            "webmention_url": HTMLEscaping.escape("\(relay.config.site.baseURL)/webmention"),
            // Without JavaScript: reply by email and follow by email (a plain form).
            "reply_mailto": HTMLEscaping.escape("mailto:\(try relay.publicAddress(postId: post.id))?subject="
                + ("Re: " + post.title).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!),
            "subscribe_url": HTMLEscaping.escape("\(relay.config.site.baseURL)/subscribe"),
            "site_origin": HTMLEscaping.escape(Self.origin(relay.config.site.baseURL)),
            // The conversation across the two blogs: the post this one answers, and those answering it.
            "has_answers": answers != nil,
            "answers_title": HTMLEscaping.escape(answers?.title ?? ""),
            "answers_url": HTMLEscaping.escape(Self.safeLink(answers?.url ?? "")),
            "answers_comments_url": HTMLEscaping.escape(answers.map { commentsPage($0.id) } ?? ""),
            "has_answered_by": !answeredBy.isEmpty,
            "answered_by": answeredBy.map { p -> [String: Any] in
                ["title": HTMLEscaping.escape(p.title), "url": HTMLEscaping.escape(Self.safeLink(p.url)),
                 "comments_url": HTMLEscaping.escape(commentsPage(p.id))]
            },
        ]
        return CommentViews(html: relay.templates.render("comments.html", view),
                            json: try Self.jsonEncoder.encode(comments.map { PublicComment($0) } + mentions),
                            atom: relay.templates.render("comments.atom", view))
    }

    /// `scheme://host[:port]` of a URL (for a CSP source).
    static func origin(_ url: String) -> String {
        ConfigReader.origin(of: url) ?? "'self'"
    }

    /// The comments page of a post, on Parley's site.
    private func commentsPage(_ postId: String) -> String {
        let encoded = postId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? postId
        return "\(relay.config.site.baseURL)/posts/\(encoded)/comments"
    }

    /// The JSON of `comment list --json`: sorted keys, ISO 8601 dates.
    static var jsonEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// Comments in thread order (each reply after its parent, siblings oldest first),
    /// with their depth. A reply whose parent is not published is shown at the top level.
    static func threaded(_ comments: [CommentView]) -> [(CommentView, Int)] {
        let ids = Set(comments.map(\.id))
        var children: [Int64: [CommentView]] = [:]
        var roots: [CommentView] = []
        for c in comments {
            if let p = c.parent, ids.contains(p) { children[p, default: []].append(c) } else { roots.append(c) }
        }
        var out: [(CommentView, Int)] = []
        var stack: [(CommentView, Int)] = roots.reversed().map { ($0, 0) }
        while let (c, depth) = stack.popLast() {
            out.append((c, depth))
            for child in (children[c.id] ?? []).reversed() { stack.append((child, depth + 1)) }
        }
        return out
    }

    /// RFC 3339 time in UTC, as Atom wants it (RFC 4287 §3.3).
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// The post's URL if it is http(s), else an empty link: a `javascript:` URL typed
    /// into `post add` must not become a link either.
    static func safeLink(_ url: String) -> String {
        let lower = url.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://") ? url : "#"
    }

    /// Whether a post id can be a single folder name (no traversal, no hidden folder).
    static func isSafeDirectoryName(_ id: String) -> Bool {
        !id.isEmpty && !id.hasPrefix(".") && !id.contains("/") && !id.contains("\\")
            && !id.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } && id.utf8.count <= 200
    }

    /// Removes half-written files (`NAME.tmp-PID`) of processes that no longer run: a
    /// crash in the middle of a rewrite leaves one behind. Those of a live process (a
    /// CLI command publishing beside the daemon) are left to it.
    static func removeLeftovers(in dir: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let mark = name.range(of: ".tmp-", options: .backwards), let pid = Int32(name[mark.upperBound...]) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    private static func replace(_ path: String, with data: Data) throws {
        let tmp = path + ".tmp-\(getpid())"
        try data.write(to: URL(fileURLWithPath: tmp))
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw Failure(message: "rename to \(path) failed: \(reason)")
        }
    }
}

/// A post's published comments as the HTML page, the public JSON (``PublicComment``) and
/// the Atom feed.
public struct CommentViews: Sendable {
    public var html: String
    public var json: Data
    public var atom: String
}
