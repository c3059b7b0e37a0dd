// HTTP GET through libcurl 7.88 (on a ``CurlHandle``), for blog feeds: conditional (ETag / Last-Modified),
// compressed, redirects followed (at most 5, http and https only), a size limit, connect
// and total timeouts, TLS verified with the system CAs and an optional extra bundle.
import CCurl
import Foundation
import ParleyCore

/// What one fetch asks for.
public struct FeedRequest: Sendable {
    public var url: String
    /// The validators kept from the last 200.
    public var etag: String?
    public var lastModified: String?
    /// An extra CA bundle (PEM), trusted besides the system's.
    public var caFile: String?
    public var connectTimeoutSeconds: Int
    public var totalTimeoutSeconds: Int
    public var maximumBytes: Int
    public var userAgent: String = CurlFeedFetcher.userAgent(site: nil)
    /// `Accept`: feeds by default (a Webmention verifier asks for HTML).
    public var accept = "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
    /// What the document is called in error messages ("the feed", "the source").
    public var what = "the feed"
    /// Refuse loopback, private and link-local addresses (``PublicAddressGuard``): for
    /// URLs strangers choose.
    public var publicAddressesOnly = false

    public init(url: String, etag: String? = nil, lastModified: String? = nil, caFile: String? = nil,
                connectTimeoutSeconds: Int = 10, totalTimeoutSeconds: Int = 30, maximumBytes: Int = 10 * 1024 * 1024) {
        self.url = url; self.etag = etag; self.lastModified = lastModified; self.caFile = caFile
        self.connectTimeoutSeconds = connectTimeoutSeconds; self.totalTimeoutSeconds = totalTimeoutSeconds
        self.maximumBytes = maximumBytes
    }
}

/// What the server answered (after redirects).
public struct FeedResponse: Sendable {
    /// The final HTTP status (304 when the validators still hold).
    public var status: Int
    /// The body, decompressed; empty for a 304.
    public var body: [UInt8]
    public var etag: String?
    public var lastModified: String?
    /// Where the document finally came from (relative links resolve against it).
    public var effectiveURL: String
    public var redirects: Int
    /// The values of every `Link` header of the final response, in order.
    public var linkHeaders: [String] = []
}

/// A failure to fetch, in words for the admin; `temporary` unless retrying cannot help.
public struct FeedFetchError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var detail: String?
    /// Over `maximumBytes`: retrying cannot help.
    public var tooLarge = false
    /// No whole answer within the total timeout.
    public var timedOut = false
    /// The server's address is not public and ``FeedRequest/publicAddressesOnly`` was set.
    public var refusedAddress = false
    public var description: String { detail.map { "\(message) (\($0))" } ?? message }
}

/// Fetches feeds; one easy handle (``CurlHandle``), so connections to the same blog are
/// reused. Not thread-safe: one owner at a time.
public final class CurlFeedFetcher {
    /// `User-Agent`: Parley and its version; the site's address is added by the caller
    /// (``FeedRequest/userAgent``), so a blog's admin knows whose reader it is.
    public static func userAgent(site: String?) -> String {
        "Parley/\(ParleyVersion.current) (feed reader\(site.map { "; +\($0)" } ?? ""))"
    }
    public static let maximumRedirects = 5

    private let curl: CurlHandle

    public init() throws(FeedFetchError) {
        do {
            curl = try CurlHandle()
        } catch {
            throw FeedFetchError(message: error.message)
        }
    }

    public func fetch(_ request: FeedRequest) throws(FeedFetchError) -> FeedResponse {
        let lower = request.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw FeedFetchError(message: "\"\(request.url)\" is not an http:// or https:// URL")
        }
        var headers = ["Accept: \(request.accept)"]
        if let etag = request.etag, !etag.isEmpty { headers.append("If-None-Match: \(etag)") }
        if let modified = request.lastModified, !modified.isEmpty { headers.append("If-Modified-Since: \(modified)") }
        for h in headers where h.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw FeedFetchError(message: "a kept validator holds a line break: \(h.debugDescription)")
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for h in headers { list = curl_slist_append(list, h) }
        defer { curl_slist_free_all(list) }

        curl.resetOptions()
        curl.set(CURLOPT_HTTPGET, 1)
        curl.set(CURLOPT_FOLLOWLOCATION, 1)
        curl.set(CURLOPT_MAXREDIRS, CurlFeedFetcher.maximumRedirects)
        curl.set(CURLOPT_PROTOCOLS_STR, "http,https")
        curl.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // "" = every encoding this libcurl can decode (gzip, deflate…), decoded on arrival.
        curl.set(CURLOPT_ACCEPT_ENCODING, "")
        curl.set(CURLOPT_MAXFILESIZE_LARGE, offset: curl_off_t(request.maximumBytes))
        curl.set(CURLOPT_CONNECTTIMEOUT, request.connectTimeoutSeconds)
        curl.set(CURLOPT_TIMEOUT, request.totalTimeoutSeconds)
        curl.set(CURLOPT_SSL_VERIFYPEER, 1)
        curl.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = request.caFile, !ca.isEmpty {
            // CAINFO replaces the default bundle; the system's directory stays trusted.
            curl.set(CURLOPT_CAINFO, ca)
            if FileManager.default.fileExists(atPath: "/etc/ssl/certs") { curl.set(CURLOPT_CAPATH, "/etc/ssl/certs") }
        }
        curl.set(CURLOPT_USERAGENT, request.userAgent)
        curl.set(CURLOPT_HTTPHEADER, list: list)
        defer { curl.set(CURLOPT_HTTPHEADER, list: nil) }

        let check = PublicAddressGuard()
        if request.publicAddressesOnly { curl.connectPubliclyOnly(check) }

        let sink = TransferSink()
        sink.bodyLimit = request.maximumBytes
        let (code, text) = withExtendedLifetime(check) { curl.perform(url: request.url, customRequest: nil, sink: sink) }
        let status = curl.responseCode
        guard code == CURLE_OK else {
            let detail = "libcurl error \(code.rawValue): \(text)"
            if let message = check.refusal(request.what, doing: "fetch") {
                var error = FeedFetchError(message: message, detail: detail)
                error.refusedAddress = true
                throw error
            }
            let mb = request.maximumBytes / 1_048_576
            switch code {
            case _ where sink.overLimit, CURLE_FILESIZE_EXCEEDED:
                var error = FeedFetchError(message: "\(request.what) is larger than \(mb) MB; Parley reads up to that size", detail: detail)
                error.tooLarge = true
                throw error
            case CURLE_OPERATION_TIMEDOUT:
                var error = FeedFetchError(message: "no whole answer within \(request.totalTimeoutSeconds) s (connect timeout \(request.connectTimeoutSeconds) s): the server is slow or unreachable", detail: detail)
                error.timedOut = true
                throw error
            case CURLE_TOO_MANY_REDIRECTS:
                throw FeedFetchError(message: "more than \(CurlFeedFetcher.maximumRedirects) redirects: point feed_url at where the feed lives now", detail: detail)
            case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM:
                throw FeedFetchError(message: "TLS failed: the blog's certificate is not trusted; set ca_file to the CA that signed it", detail: detail)
            case CURLE_COULDNT_RESOLVE_HOST:
                throw FeedFetchError(message: "the host name does not resolve: check feed_url", detail: detail)
            case CURLE_COULDNT_CONNECT:
                throw FeedFetchError(message: "could not connect: is the blog up and feed_url right?", detail: detail)
            case CURLE_BAD_CONTENT_ENCODING:
                throw FeedFetchError(message: "the server sent a compressed body that does not decompress", detail: detail)
            default:
                throw FeedFetchError(message: "the fetch failed", detail: detail)
            }
        }
        // Header lines of every response: only the last one's count.
        var last: [String] = []
        for line in sink.lines {
            if line.hasPrefix("HTTP/") { last = [] }
            last.append(line)
        }
        func header(_ name: String) -> String? {
            for line in last.reversed() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name {
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                    return value.isEmpty ? nil : value
                }
            }
            return nil
        }
        var links: [String] = []
        for line in last {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "link" else { continue }
            links.append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return FeedResponse(status: status, body: status == 304 ? [] : sink.body, etag: header("etag"),
                            lastModified: header("last-modified"), effectiveURL: curl.effectiveURL ?? request.url,
                            redirects: curl.redirectCount, linkHeaders: links)
    }
}
