import Foundation
import Hummingbird
import Logging
import ParleyRelay

/// The HTTP side of `parley serve` (SPEC "HTTP"): a post's comments as HTML, JSON and
/// Atom; the unsubscribe and moderation links of emails; `/healthz`; `/metrics`.
///
/// A GET never changes anything (mail scanners follow links); only a POST does, and
/// the signed token in the URL is its whole authority (no cookie, no CSRF token), so an
/// RFC 8058 one-click POST from a mail provider works. Tokens are never logged.
public struct WebRoutes: Sendable {
    let relay: Relay
    let health: HealthBoard
    let metrics: WebMetrics
    /// Called after a POST changed something (the daemon wakes its outbox, which
    /// publishes the views and sends the notifications due).
    let changed: @Sendable () -> Void
    /// Called after a Webmention was queued (the daemon wakes its Webmention loop).
    let mentionReceived: @Sendable () -> Void
    /// Follow-form requests per client IP (a minute) and per address (an hour).
    let followPerIP: RateLimiter
    let followPerAddress: RateLimiter
    /// The embed's script and stylesheet, read from the templates folder at start.
    let embedJS: EmbedAsset?
    let embedCSS: EmbedAsset?

    /// The clock of the rate limits (tests pass a fixed one: a loaded machine must not
    /// stretch a burst of requests past the window).
    let clock: @Sendable () -> Date
    /// The published view files, kept while unchanged.
    let published = PublishedFiles()
    let pendingViews: PendingViews

    public init(relay: Relay, health: HealthBoard, metrics: WebMetrics, changed: @escaping @Sendable () -> Void = {},
                mentionReceived: @escaping @Sendable () -> Void = {},
                clock: @escaping @Sendable () -> Date = { Date() }, pendingViewsMaxAge: TimeInterval = 0.1) {
        self.clock = clock
        pendingViews = PendingViews(maximumAge: pendingViewsMaxAge)
        self.relay = relay
        self.health = health
        self.metrics = metrics
        self.changed = changed
        self.mentionReceived = mentionReceived
        embedJS = EmbedAsset(path: relay.config.publish.templatesDir + "/embed.js", type: "text/javascript; charset=utf-8")
        embedCSS = EmbedAsset(path: relay.config.publish.templatesDir + "/embed.css", type: "text/css; charset=utf-8")
        followPerIP = RateLimiter(limit: relay.config.followLimitPerIP, window: 60)
        followPerAddress = RateLimiter(limit: relay.config.followLimitPerAddress, window: 3600)
    }

    /// The router with every route.
    public func router() -> Router<ParleyRequestContext> {
        let router = Router(context: ParleyRequestContext.self)
        router.get("posts/:id/comments") { request, context in try comments(request, context, .html) }
        router.get("posts/:id/comments.json") { request, context in try comments(request, context, .json) }
        router.get("posts/:id/comments.atom") { request, context in try comments(request, context, .atom) }
        router.get("unsubscribe/:token") { _, context in try unsubscribePage(context) }
        router.post("unsubscribe/:token") { _, context in try unsubscribe(context) }
        router.get("moderate/:token") { _, context in try moderationPage(context) }
        router.post("moderate/:token") { request, context in try await moderate(request, context) }
        router.get("embed.js") { request, _ in asset(embedJS, request) }
        router.get("embed.css") { request, _ in asset(embedCSS, request) }
        router.get("embed/thread.json") { request, _ in try embedThread(request) }
        router.get("comments.json") { request, _ in try commentsByURL(request) }
        router.post("subscribe") { request, context in
            var response = try await follow(request, context)
            cors(&response, request)
            return response
        }
        router.post("webmention") { request, context in try await webmention(request, context) }
        router.get("confirm/:token") { _, context in try confirmPage(context) }
        router.post("confirm/:token") { _, context in try confirm(context) }
        router.get("healthz") { _, _ in healthz() }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render(relay: relay, health: health))))
        }
        return router
    }

    // MARK: comments

    enum Format { case html, json, atom }

    func comments(_ request: Request, _ context: ParleyRequestContext, _ format: Format) throws -> Response {
        // The router hands the path segment over as sent: percent-encoded.
        let raw = context.parameters.get("id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        let view: ViewFormat = switch format {
        case .html: .html
        case .json: .json
        case .atom: .atom
        }
        let body: ByteBuffer, etag: String
        switch try relay.publishedSource(postId: id, view, pending: pendingViews.current(relay)) {
        case nil:
            return Self.text(.notFound, "No such post here.\n")
        case .file(let path)?:
            if let (buffer, tag) = published.get(path) {
                (body, etag) = (buffer, tag)
            } else if let rendered = try relay.publishedView(postId: id, view) {
                (body, etag) = (ByteBuffer(bytes: rendered.bytes), rendered.etag)
            } else {
                return Self.text(.notFound, "No such post here.\n")
            }
        case .rendered(let rendered)?:
            (body, etag) = (ByteBuffer(bytes: rendered.bytes), rendered.etag)
        }
        var response: Response
        switch format {
        case .html:
            response = Self.html(.ok, "", cache: "public, max-age=60")
            // Webmention discovery (W3C Webmention §3.1.2): this page takes mentions too.
            response.headers[.init("Link")!] = "<\(relay.config.site.baseURL)/webmention>; rel=\"webmention\""
        case .json:
            response = Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=60"])
        case .atom:
            response = Response(status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8", .cacheControl: "public, max-age=60"])
        }
        response.headers[.eTag] = etag
        if request.headers[.ifNoneMatch] == etag {
            response.status = .notModified
            return response
        }
        response.body = .init(byteBuffer: body)
        return response
    }

    // MARK: unsubscribe

    func unsubscribePage(_ context: ParleyRequestContext) throws -> Response {
        switch try relay.unsubscribeScope(token: context.parameters.get("token") ?? "") {
        case let .failure(refusal): return refusalPage(refusal)
        case let .success(scope):
            return page(.ok, title: "Unsubscribe?", [
                "unsubscribe": ["email": HTMLEscaping.escape(scope.email), "what": Self.describe(scope.target)],
            ])
        }
    }

    func unsubscribe(_ context: ParleyRequestContext) throws -> Response {
        switch try relay.unsubscribe(token: context.parameters.get("token") ?? "") {
        case let .failure(refusal): return refusalPage(refusal)
        case let .success(scope):
            return page(.ok, title: "Unsubscribed", [
                "message": "\(HTMLEscaping.escape(scope.email)) will get no more emails about \(Self.describe(scope.target)).",
            ])
        }
    }

    /// What a scope covers, as HTML.
    static func describe(_ target: UnsubscribeScope.Target) -> String {
        switch target {
        case let .conversation(_, _, title): "this conversation (it began with “\(HTMLEscaping.escape(title))”) and its next posts"
        case let .post(_, title): "new comments on “\(HTMLEscaping.escape(title))”"
        case .everything: "anything on this site"
        }
    }

    // MARK: the embed

    func asset(_ asset: EmbedAsset?, _ request: Request) -> Response {
        guard let asset else { return Self.text(.notFound, "Not here: the templates folder has no such file.\n") }
        var headers: HTTPFields = [.contentType: asset.type, .cacheControl: "public, max-age=86400", .eTag: asset.etag]
        headers[HTTPFields.Element.Name("Cross-Origin-Resource-Policy")!] = "cross-origin"
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// `GET /embed/thread.json?post=ID` or `?url=PERMALINK`: the post and its public comments.
    func embedThread(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let id = query.get("post").flatMap { $0.isEmpty ? nil : $0 }
        let url = query.get("url").flatMap { $0.isEmpty ? nil : $0 }
        var response: Response
        if let thread = try relay.embedThread(postId: id, url: url) {
            response = Self.json(try thread.json())
        } else {
            response = Self.text(.notFound, "No such post here.\n")
        }
        cors(&response, request)
        return response
    }

    /// `GET /comments.json?url=PERMALINK`: a post's public comments found by its permalink.
    func commentsByURL(_ request: Request) throws -> Response {
        var response: Response
        if let url = request.uri.queryParameters.get("url"), let post = try relay.post(permalink: url),
           let view = try relay.publishedView(postId: post.id, .json) {
            response = Self.json(Data(view.bytes))
        } else {
            response = Self.text(.notFound, "No post with that permalink here.\n")
        }
        cors(&response, request)
        return response
    }

    static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=60"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// CORS for the blogs: exactly their origins and `[http] allowed_origins`, never `*`.
    func cors(_ response: inout Response, _ request: Request) {
        response.headers[.vary] = "Origin"
        guard let origin = request.headers[.origin]?.lowercased(), relay.config.corsOrigins.contains(origin) else { return }
        response.headers[.accessControlAllowOrigin] = origin
    }

    // MARK: follow by email

    /// `POST /subscribe` (`email` and one of `post`, `url`, `conversation`): the same
    /// 202 page whatever the address, so that nobody learns who is known here; 429 with
    /// `Retry-After` past the limits; 404 for something that is not here to follow.
    func follow(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let ip = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = followPerIP.admit(ip, now: clock()) { return tooMany(wait) }
        let body = try await request.body.collect(upTo: 8 * 1024)
        let form = Self.formValues(String(buffer: body))
        let target: FollowTarget
        if let id = form["post"], !id.isEmpty { target = .post(id) }
        else if let url = form["url"], !url.isEmpty { target = .url(url) }
        else if let id = form["conversation"], !id.isEmpty { target = .conversation(id) }
        else { return page(.badRequest, title: "Nothing to follow", ["message": "The form names no post or conversation."]) }
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        if let wait = followPerAddress.admit(email.lowercased(), now: clock()) { return tooMany(wait) }
        let outcome = try relay.requestFollow(email: email, target: target)
        switch outcome {
        case .unknownTarget:
            return page(.notFound, title: "Nothing to follow", ["message": "This post or conversation is not known here."])
        case .asked:
            changed()
        default:
            break
        }
        return page(.accepted, title: "Check your inbox", [
            "message": "If the address can receive email, a message is on its way to it. Nothing happens until you confirm with the link in that message. You can close this page.",
        ])
    }

    // MARK: Webmention

    /// `POST /webmention` (W3C Webmention §3.2): `source` and `target`, form-encoded.
    /// 202 once queued (verified later, asynchronously), 400 when it can never be, 429
    /// while the source's host has too many verifications waiting. Plain text answers.
    func webmention(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let form = Self.formValues(String(buffer: body))
        guard let source = form["source"], let target = form["target"] else {
            return Self.text(.badRequest, "A Webmention needs the form fields source and target.\n")
        }
        switch try relay.receiveWebmention(source: source, target: target) {
        case .accepted:
            mentionReceived()
            return Self.text(.accepted, "Accepted: the source will be fetched and checked for a link to the target.\n")
        case .refused(let status, let message):
            var response = Self.text(HTTPResponse.Status(code: status), message + "\n")
            if status == 429 { response.headers[.retryAfter] = "600" }
            return response
        }
    }

    func tooMany(_ seconds: Int) -> Response {
        var response = page(.tooManyRequests, title: "Too many requests", ["message": "Please try again in a little while."])
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }

    func confirmPage(_ context: ParleyRequestContext) throws -> Response {
        switch try relay.followScope(token: context.parameters.get("token") ?? "") {
        case let .failure(refusal): return refusalPage(refusal)
        case let .success(scope):
            if scope.confirmed { return page(.ok, title: "Confirmed already", ["message": "This address follows \(Self.describe(scope)) already."]) }
            return page(.ok, title: "Confirm", ["confirm": ["what": Self.describe(scope)]])
        }
    }

    func confirm(_ context: ParleyRequestContext) throws -> Response {
        switch try relay.confirmFollow(token: context.parameters.get("token") ?? "") {
        case let .failure(refusal): return refusalPage(refusal)
        case let .success(scope):
            return page(.ok, title: "Confirmed", ["message": "This address now gets an email for \(Self.describe(scope)). Every one of them has a link to stop."])
        }
    }

    static func describe(_ scope: FollowScope) -> String {
        scope.kind == "post" ? "every new comment on “\(HTMLEscaping.escape(scope.title))”"
                             : "every new post and comment of the conversation “\(HTMLEscaping.escape(scope.title))”"
    }

    // MARK: moderation

    func moderationPage(_ context: ParleyRequestContext) throws -> Response {
        switch try relay.heldComment(token: context.parameters.get("token") ?? "") {
        case let .failure(refusal): return refusalPage(refusal)
        case let .success(held): return page(.ok, title: "A comment waits for you", ["moderate": Self.context(held)])
        }
    }

    func moderate(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let form = Self.formValues(String(buffer: body))
        let approve: Bool
        switch form["action"] {
        case "approve": approve = true
        case "reject": approve = false
        default:
            return page(.badRequest, title: "Nothing done", ["message": "Choose Publish or Reject on the moderation page."])
        }
        switch try relay.moderate(token: context.parameters.get("token") ?? "", approve: approve) {
        case let .failure(refusal): return refusalPage(refusal)
        case let .success(.decided(held, approved)):
            changed()
            return page(.ok, title: approved ? "Published" : "Rejected", [
                "moderate": Self.context(held),
                "message": approved ? "The comment is published; subscribers are told." : "The comment is rejected; nobody sees it.",
            ])
        case let .success(.alreadyDecided(held)):
            return page(.ok, title: "Already decided", ["moderate": Self.context(held)])
        }
    }

    static func context(_ held: HeldComment) -> [String: Any] {
        [
            "author_name": HTMLEscaping.escape(held.authorName),
            "post_title": HTMLEscaping.escape(held.postTitle),
            "post_url": HTMLEscaping.escape(held.postURL),
            "hold_reason": held.holdReason.map(HTMLEscaping.escape) ?? "",
            "body_html": CommentHTML.render(held.body),
            "pending": held.status == "pending",
            "status": HTMLEscaping.escape(held.status),
        ]
    }

    // MARK: health

    func healthz() -> Response {
        var database = "ok"
        var healthy = true
        do {
            try relay.store.probe()
        } catch {
            database = "\(error)"
            healthy = false
            relay.logger.error("healthz: \(error)")
        }
        var mailboxes: [String: Any] = [:]
        let iso = ISO8601DateFormatter()
        for (name, board) in health.snapshot {
            var entry: [String: Any] = ["state": board.state]
            entry["last_success"] = board.lastSuccess.map { iso.string(from: $0) } ?? NSNull()
            entry["last_error"] = board.lastError ?? NSNull()
            mailboxes[name] = entry
        }
        // Blogs: their feeds' state as the database has it (a 410 stays reported after a restart).
        var blogs: [String: Any] = [:]
        if healthy, let views = try? relay.blogViews() {
            for v in views {
                var entry: [String: Any] = ["state": v.state, "feed_url": v.feedURL, "posts": v.posts]
                entry["last_fetch"] = v.lastFetch.map { iso.string(from: $0) } ?? NSNull()
                entry["last_status"] = v.lastStatus ?? NSNull()
                entry["last_error"] = v.lastError ?? NSNull()
                blogs[v.name] = entry
            }
        }
        let object: [String: Any] = ["status": healthy ? "ok" : "unhealthy", "database": database, "mailboxes": mailboxes, "blogs": blogs]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: healthy ? .ok : .serviceUnavailable,
                        headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: pages

    func refusalPage(_ refusal: WebRefusal) -> Response {
        let status: HTTPResponse.Status = switch refusal.kind {
        case .invalid, .wrongKind: .badRequest
        case .expired, .gone: .gone
        }
        return page(status, title: "This link does not work", ["message": HTMLEscaping.escape(refusal.message)])
    }

    /// A page of `web-page.html`; values in `values` are HTML already.
    func page(_ status: HTTPResponse.Status, title: String, _ values: [String: Any]) -> Response {
        guard relay.templates.has("web-page.html") else {
            relay.logger.error("template \(relay.config.publish.templatesDir)/web-page.html.mustache is missing; copy it from Parley's templates/ folder")
            return Self.text(.internalServerError, "The page template is missing.\n")
        }
        var context = values
        context["title"] = HTMLEscaping.escape(title)
        context["site"] = HTMLEscaping.escape(relay.config.site.name)
        return Self.html(status, relay.templates.render("web-page.html", context), cache: "no-store", tokenPage: true)
    }

    static func html(_ status: HTTPResponse.Status, _ text: String, cache: String, tokenPage: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: cache]
        headers[.contentSecurityPolicy] = tokenPage
            ? "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
            : "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"
        if tokenPage {
            // The URL holds the token: never send it on as a Referer, never index it.
            headers[HTTPFields.Element.Name("Referrer-Policy")!] = "no-referrer"
            headers[HTTPFields.Element.Name("X-Robots-Tag")!] = "noindex"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `application/x-www-form-urlencoded` values (the last of a repeated name wins).
    static func formValues(_ body: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode) else { continue }
            values[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return values
    }
}
