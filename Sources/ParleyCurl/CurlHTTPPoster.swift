// HTTP POST through libcurl 7.88, for webhooks: one easy handle (connections to the same
// receiver are reused), a total timeout per request, redirects not followed (a signed
// body must reach the URL the admin configured, not wherever a redirect points).
import CCurl
import Foundation
import ParleyCore

/// Collects an HTTP response body up to a limit.
private final class HTTPBodySink {
    var body: [UInt8] = []
    let limit = 16 * 1024
}

/// Posts to HTTP(S) URLs with libcurl.
public final class CurlHTTPPoster: HTTPPoster {
    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    private let handle: UnsafeMutableRawPointer
    private let timeoutSeconds: Int
    private let caFile: String?
    private let userAgent: String
    /// What the receiver is called in error messages, and what to fix when its URL is bad.
    private let what: String
    private let fix: String
    /// Connect only to public addresses (``PublicAddressGuard``).
    private let publicAddressesOnly: Bool
    private let addressGuard = PublicAddressGuard()
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    /// - Parameters:
    ///   - timeoutSeconds: the longest one request may take, connection included.
    ///   - caFile: an extra CA bundle, for a receiver with a private CA.
    public init(timeoutSeconds: Int = 15, caFile: String? = nil, userAgent: String = "Parley-Webhook/1",
                what: String = "webhook receiver", fix: String = "fix publish.webhook_url", publicAddressesOnly: Bool = false) throws(MailError) {
        guard CurlHTTPPoster.globalInit, let h = curl_easy_init() else {
            throw MailError(.connection, "libcurl could not be initialised")
        }
        handle = h
        self.timeoutSeconds = timeoutSeconds
        self.caFile = caFile
        self.userAgent = userAgent
        self.what = what
        self.fix = fix
        self.publicAddressesOnly = publicAddressesOnly
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    public func post(url: String, body: [UInt8], headers: [(name: String, value: String)]) throws(MailError) -> HTTPResponse {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw MailError(.invalidInput, "\(what) URL \"\(url)\" is not an http:// or https:// URL; \(fix)")
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(list) }
        for header in headers {
            // A header carrying CR or LF would let its value add headers of its own.
            guard !(header.name + header.value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }),
                  !header.name.contains(":") else {
                throw MailError(.invalidInput, "HTTP header \(header.name.debugDescription) holds a line break or colon")
            }
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        // Without this libcurl sends "Expect: 100-continue" for larger bodies and waits.
        list = curl_slist_append(list, "Expect:")

        let sink = HTTPBodySink()
        curl_easy_reset(handle)
        setLong(CURLOPT_NOSIGNAL, 1)
        setString(CURLOPT_URL, url)
        setLong(CURLOPT_POST, 1)
        setLong(CURLOPT_FOLLOWLOCATION, 0)
        setLong(CURLOPT_TIMEOUT, timeoutSeconds)
        setLong(CURLOPT_CONNECTTIMEOUT, min(timeoutSeconds, 10))
        setString(CURLOPT_PROTOCOLS_STR, "http,https")
        setLong(CURLOPT_SSL_VERIFYPEER, 1)
        setLong(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile, !caFile.isEmpty { setString(CURLOPT_CAINFO, caFile) }
        setString(CURLOPT_USERAGENT, userAgent)
        // Connections are reused only between this poster's requests, all checked alike.
        if publicAddressesOnly { addressGuard.install(on: handle) }
        _ = parley_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        setOff(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        let context = Unmanaged.passUnretained(sink).toOpaque()
        _ = parley_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = parley_curl_setopt_data_cb(handle, CURLOPT_WRITEFUNCTION, { ptr, size, count, user in
            guard let ptr, let user else { return 0 }
            let sink = Unmanaged<HTTPBodySink>.fromOpaque(user).takeUnretainedValue()
            let n = size * count
            let keep = min(n, max(0, sink.limit - sink.body.count))
            ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
                sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: keep))
            }
            return n
        })
        // An empty body still needs a valid pointer; POSTFIELDSIZE (0) says how much to send.
        let bytes = body.isEmpty ? [0] : body
        let code: CURLcode = bytes.withUnsafeBufferPointer { buffer in
            // COPYPOSTFIELDS copies POSTFIELDSIZE bytes, so the buffer need not outlive the call.
            _ = parley_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
            return errorBuffer.withUnsafeMutableBufferPointer { errors in
                errors[0] = 0
                _ = parley_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                let code = curl_easy_perform(handle)
                _ = parley_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
                return code
            }
        }
        _ = parley_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        guard code == CURLE_OK else {
            var text = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if text.isEmpty { text = String(cString: curl_easy_strerror(code)) }
            let detail = "libcurl error \(code.rawValue): \(text)"
            if publicAddressesOnly, let message = addressGuard.refusal("the \(what) \(url)", doing: "post to") {
                throw MailError(.invalidInput, message, detail: detail)
            }
            switch code {
            case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM:
                throw MailError(.tls, "TLS with the \(what) \(url) failed: is its certificate trusted?", detail: detail)
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
                throw MailError(.invalidInput, "\(what) URL \"\(url)\" cannot be used; \(fix)", detail: detail)
            default:
                throw MailError(.connection, "could not reach the \(what) \(url): is it running and the URL right?", detail: detail)
            }
        }
        var status = 0
        _ = parley_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: sink.body)
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = parley_curl_setopt_long(handle, option, value)
    }

    private func setString(_ option: CURLoption, _ value: String) {
        _ = value.withCString { parley_curl_setopt_string(handle, option, $0) }
    }

    private func setOff(_ option: CURLoption, _ value: curl_off_t) {
        _ = parley_curl_setopt_off(handle, option, value)
    }
}
