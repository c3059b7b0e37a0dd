// libcurl's easy interface, wrapped so that no raw pointer leaves this module and
// every return code becomes a MailError that keeps libcurl's own words.
import CCurl
import Foundation
import ParleyCore

/// Collects what one transfer returns; the write and header callbacks append to it.
final class TransferSink {
    var body: [UInt8] = []
    var lines: [String] = []
    var upload: [UInt8] = []
    var uploadOffset = 0
    var bodyLimit = Int.max
    /// Asked before the first upload byte is handed to libcurl; false aborts the transfer.
    var beforeUpload: (() -> Bool)?
    var uploadAborted = false
    var headerBytes = 0
    var overLimit = false
}

/// One libcurl easy handle: one reused connection per server.
///
/// Not thread-safe: owned by one thread at a time (libcurl's rule for easy handles).
final class CurlHandle {
    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    private var handle: UnsafeMutableRawPointer
    /// Holds the connection cache, so that a replacement easy handle reuses the open
    /// connection (see ``resetIfNeeded()``).
    private let share: UnsafeMutableRawPointer
    /// Response-line bytes seen by the current easy handle.
    private var headerBytes = 0
    private var performs = 0
    /// The options to apply again after a reset.
    private var options: ServerOptions?
    private var extra: [(CURLoption, Int)] = []
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    init() throws(MailError) {
        guard CurlHandle.globalInit, let sh = curl_share_init(), let h = curl_easy_init() else {
            throw MailError(.connection, "libcurl could not be initialised")
        }
        share = sh
        _ = parley_curl_share_setopt_long(sh, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_CONNECT.rawValue))
        _ = parley_curl_share_setopt_long(sh, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
        _ = parley_curl_share_setopt_long(sh, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
        handle = h
        _ = parley_curl_setopt_pointer(h, CURLOPT_SHARE, sh)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_share_cleanup(share)
    }

    func set(_ option: CURLoption, _ value: Int) {
        _ = parley_curl_setopt_long(handle, option, value)
    }

    /// Sets an option that must survive ``resetIfNeeded()``.
    func setPersistent(_ option: CURLoption, _ value: Int) {
        extra.append((option, value))
        set(option, value)
    }

    /// libcurl 7.88 (with Debian's backport of the CVE-2023-38039 fix) adds response
    /// lines to a per-handle counter that no request resets and fails a transfer with
    /// "Too large response headers" (error 56) once it passes 300 KB; it also counts
    /// more than the bytes delivered. A long-lived IMAP or SMTP handle hits that after
    /// a few thousand commands. So the easy handle is replaced well before: the share
    /// object keeps the connection cache, and the new handle reuses the open connection.
    func resetIfNeeded() {
        guard headerBytes > 16 * 1024 || performs >= 200, let options else { return }
        guard let fresh = curl_easy_init() else { return }
        curl_easy_cleanup(handle)
        handle = fresh
        _ = parley_curl_setopt_pointer(handle, CURLOPT_SHARE, share)
        headerBytes = 0
        performs = 0
        configure(options)
        for (option, value) in extra { set(option, value) }
    }

    /// Every option back to libcurl's defaults, for a handle whose requests differ in
    /// their options (feeds: each blog its own CA file); the connection cache, in the
    /// share object, stays. A handle past the limits of ``resetIfNeeded()`` is replaced.
    func resetOptions() {
        options = nil
        extra = []
        if headerBytes > 16 * 1024 || performs >= 200, let fresh = curl_easy_init() {
            curl_easy_cleanup(handle)
            handle = fresh
            headerBytes = 0
            performs = 0
        } else {
            curl_easy_reset(handle)
        }
        _ = parley_curl_setopt_pointer(handle, CURLOPT_SHARE, share)
    }

    /// Connects only to public addresses for the next transfers (until
    /// ``resetOptions()``), on a new connection: one opened earlier without the check
    /// (an admin's feed on the local network) is not reused for them.
    func connectPubliclyOnly(_ check: PublicAddressGuard) {
        check.install(on: handle)
        set(CURLOPT_FRESH_CONNECT, 1)
    }

    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) {
        _ = parley_curl_setopt_slist(handle, option, list)
    }

    func set(_ option: CURLoption, offset: curl_off_t) {
        _ = parley_curl_setopt_off(handle, option, offset)
    }

    /// Redirects followed by the last transfer.
    var redirectCount: Int {
        var n = 0
        _ = parley_curl_getinfo_long(handle, CURLINFO_REDIRECT_COUNT, &n)
        return n
    }

    /// The URL the last transfer ended at (after redirects).
    var effectiveURL: String? {
        var url: UnsafeMutablePointer<CChar>? = nil
        _ = parley_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &url)
        return url.map { String(cString: $0) }
    }

    func set(_ option: CURLoption, _ value: String?) {
        // libcurl copies strings passed to setopt (since 7.17), so a temporary is fine.
        if let value {
            _ = value.withCString { parley_curl_setopt_string(handle, option, $0) }
        } else {
            _ = parley_curl_setopt_string(handle, option, nil)
        }
    }

    /// Performs a transfer. The slist, if any, must stay alive during the call.
    func perform(url: String, customRequest: String?, sink: TransferSink, upload: Bool = false,
                 recipients: [String] = []) -> (CURLcode, String) {
        resetIfNeeded()
        set(CURLOPT_URL, url)
        set(CURLOPT_CUSTOMREQUEST, customRequest)
        set(CURLOPT_UPLOAD, upload ? 1 : 0)
        set(CURLOPT_NOSIGNAL, 1)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        _ = parley_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = parley_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = parley_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
        _ = parley_curl_setopt_data_cb(handle, CURLOPT_WRITEFUNCTION, { ptr, size, count, user in
            guard let ptr, let user else { return 0 }
            let sink = Unmanaged<TransferSink>.fromOpaque(user).takeUnretainedValue()
            let n = size * count
            if sink.body.count + n > sink.bodyLimit {
                sink.overLimit = true
                return 0
            }
            ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
                sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
            }
            return n
        })
        _ = parley_curl_setopt_data_cb(handle, CURLOPT_HEADERFUNCTION, { ptr, size, count, user in
            guard let ptr, let user else { return 0 }
            let sink = Unmanaged<TransferSink>.fromOpaque(user).takeUnretainedValue()
            let n = size * count
            let line = ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
                String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
            }
            sink.lines.append(line)
            sink.headerBytes += n
            return n
        })
        if upload {
            _ = parley_curl_setopt_data_cb(handle, CURLOPT_READFUNCTION, { ptr, size, count, user in
                guard let ptr, let user else { return 0 }
                let sink = Unmanaged<TransferSink>.fromOpaque(user).takeUnretainedValue()
                if let gate = sink.beforeUpload {
                    sink.beforeUpload = nil
                    if !gate() {
                        sink.uploadAborted = true
                        return Int(CURL_READFUNC_ABORT)
                    }
                }
                let n = min(size * count, sink.upload.count - sink.uploadOffset)
                if n > 0 {
                    sink.upload.withUnsafeBufferPointer { buf in
                        UnsafeMutableRawPointer(ptr).copyMemory(from: buf.baseAddress! + sink.uploadOffset, byteCount: n)
                    }
                    sink.uploadOffset += n
                }
                return n
            })
            set(CURLOPT_INFILESIZE, sink.upload.count)
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for r in recipients { list = curl_slist_append(list, r) }
        _ = parley_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list)
        errorBuffer.withUnsafeMutableBufferPointer { buf in
            buf[0] = 0
            _ = parley_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buf.baseAddress)
        }
        let code = curl_easy_perform(handle)
        performs += 1
        headerBytes += sink.headerBytes
        _ = parley_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
        _ = parley_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        curl_slist_free_all(list)
        var text = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if text.isEmpty, code != CURLE_OK { text = String(cString: curl_easy_strerror(code)) }
        return (code, text)
    }

    /// `curl_easy_send` on a CONNECT_ONLY connection.
    func rawSend(_ buffer: UnsafeRawPointer, _ length: Int, _ sent: inout Int) -> CURLcode {
        parley_curl_easy_send(handle, buffer, length, &sent)
    }

    /// `curl_easy_recv` on a CONNECT_ONLY connection.
    func rawRecv(_ buffer: UnsafeMutableRawPointer, _ length: Int, _ received: inout Int) -> CURLcode {
        parley_curl_easy_recv(handle, buffer, length, &received)
    }

    /// The connection's socket, for poll(2).
    var activeSocket: Int32? {
        var socket: curl_socket_t = -1
        guard parley_curl_getinfo_socket(handle, &socket) == CURLE_OK, socket >= 0 else { return nil }
        return socket
    }

    /// The last server reply code (SMTP) or 0.
    var responseCode: Int {
        var code: Int = 0
        _ = parley_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// Applies the options shared by IMAP and SMTP.
    func configure(_ options: ServerOptions) {
        self.options = options
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds)
        set(CURLOPT_SERVER_RESPONSE_TIMEOUT, options.responseTimeoutSeconds)
        // A stalled transfer (slower than 1 byte/s for the response timeout) is abandoned.
        set(CURLOPT_LOW_SPEED_LIMIT, 1)
        set(CURLOPT_LOW_SPEED_TIME, options.responseTimeoutSeconds)
        set(CURLOPT_TCP_KEEPALIVE, 1)
        set(CURLOPT_MAXAGE_CONN, 600)
        set(CURLOPT_USERNAME, options.username)
        set(CURLOPT_PASSWORD, options.password)
        if let bearer = options.oauth2Token {
            set(CURLOPT_XOAUTH2_BEARER, bearer)
            set(CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2")
        }
        switch options.tls {
        case .required: set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .optional: set(CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .never: set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        }
        if let ca = options.caFile, !ca.isEmpty { set(CURLOPT_CAINFO, ca) }
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
    }

    /// Turns a libcurl failure into a MailError a person can act on.
    /// `token`: the login was with an OAuth 2.0 bearer token (XOAUTH2).
    static func error(_ code: CURLcode, _ text: String, server: String, replyCode: Int = 0, token: Bool = false) -> MailError {
        let detail = "libcurl error \(code.rawValue): \(text)"
        switch code {
        case CURLE_LOGIN_DENIED where token:
            return MailError(.authentication, "\(server) refused the OAuth 2.0 token (XOAUTH2): it has probably expired; put a fresh one where oauth2_token_file (or _env) points — the file is read again at every new connection — Parley retries meanwhile", detail: detail, replyCode: replyCode)
        case CURLE_LOGIN_DENIED:
            return MailError(.authentication, "\(server) refused the login: check the username and password (or token) in the config", detail: detail, replyCode: replyCode)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_USE_SSL_FAILED:
            return MailError(.tls, "TLS with \(server) failed: the server's certificate is not trusted or TLS is unavailable; set ca_file to the CA that signed it, or check the starttls setting", detail: detail, replyCode: replyCode)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY:
            return MailError(.connection, "could not talk to \(server): is the server running and the URL right?", detail: detail, replyCode: replyCode)
        default:
            return MailError(.protocolError, "\(server) did not accept a command", detail: detail, replyCode: replyCode)
        }
    }
}
