// A connection libcurl sets up and then hands over (CURLOPT_CONNECT_ONLY): libcurl
// connects, negotiates TLS or STARTTLS, reads the greeting and logs in; the protocol
// after that is read and written here with curl_easy_send / curl_easy_recv, so TLS
// stays libcurl's. Dropping the stream closes the connection (libcurl sends nothing
// more on a CONNECT_ONLY connection when its handle is cleaned up).
import CCurl
import Foundation
import ParleyCore

final class CurlStream {
    private let curl: CurlHandle
    let server: String
    /// Seconds to wait for the server to take or send a byte.
    let timeout: Double
    /// The server's lines libcurl saw while connecting (greeting, EHLO answer).
    let connectLines: [String]
    private var chunk: [UInt8]

    /// Connects and logs in; `url` is the server's URL (with a path where the protocol
    /// wants one: the EHLO name for SMTP). `readSize`: the most one read takes.
    init(options: ServerOptions, url: String, server: String, readSize: Int = 16 * 1024) throws(MailError) {
        let handle = try CurlHandle()
        handle.configure(options)
        handle.set(CURLOPT_CONNECT_ONLY, 1)
        let sink = TransferSink()
        let (code, message) = handle.perform(url: url, customRequest: nil, sink: sink)
        guard code == CURLE_OK else {
            throw CurlHandle.error(code, message, server: server, replyCode: handle.responseCode, token: options.oauth2Token != nil)
        }
        curl = handle
        self.server = server
        timeout = Double(options.responseTimeoutSeconds)
        connectLines = sink.lines
        chunk = [UInt8](repeating: 0, count: readSize)
    }

    /// Writes all of `bytes`, waiting up to the timeout whenever the server takes none.
    func write(_ bytes: [UInt8]) throws(MailError) {
        var offset = 0
        while offset < bytes.count {
            var sent = 0
            let code = bytes.withUnsafeBytes { buf in curl.rawSend(buf.baseAddress! + offset, buf.count - offset, &sent) }
            if code == CURLE_AGAIN {
                guard try wait(forWrite: true, seconds: timeout) else {
                    throw MailError(.connection, "\(server) took nothing for \(Int(timeout)) s")
                }
                continue
            }
            guard code == CURLE_OK else {
                throw MailError(.connection, "the connection to \(server) broke", detail: "libcurl error \(code.rawValue): \(String(cString: curl_easy_strerror(code)))")
            }
            offset += sent
        }
    }

    /// Appends what has arrived (at least one byte) to `buffer`; false if nothing came
    /// within `seconds`. Throws `.connection` when the server closed the connection.
    func receive(into buffer: inout [UInt8], waitingUpTo seconds: Double) throws(MailError) -> Bool {
        while true {
            var got = 0
            let code = chunk.withUnsafeMutableBytes { curl.rawRecv($0.baseAddress!, $0.count, &got) }
            if code == CURLE_AGAIN {
                // TLS may hold decrypted bytes the socket no longer shows: libcurl is
                // asked first, the socket waited on only when it has nothing.
                if try !wait(forWrite: false, seconds: seconds) { return false }
                continue
            }
            guard code == CURLE_OK, got > 0 else {
                throw MailError(.connection, "\(server) closed the connection",
                                detail: code == CURLE_OK ? "end of stream" : "libcurl error \(code.rawValue): \(String(cString: curl_easy_strerror(code)))")
            }
            buffer.append(contentsOf: chunk[0..<got])
            return true
        }
    }

    /// Whether the socket became ready within `seconds`.
    private func wait(forWrite: Bool, seconds: Double) throws(MailError) -> Bool {
        guard let socket = curl.activeSocket else { throw MailError(.connection, "the connection to \(server) has no socket") }
        var fds = pollfd(fd: socket, events: Int16(forWrite ? POLLOUT : POLLIN), revents: 0)
        return poll(&fds, 1, Int32(max(0, min(seconds, 3600)) * 1000)) > 0
    }
}

extension CurlStream: SMTPWire {
    func receive(into buffer: inout [UInt8]) throws(MailError) {
        guard try receive(into: &buffer, waitingUpTo: timeout) else {
            throw MailError(.connection, "\(server) did not answer within \(Int(timeout)) s")
        }
    }
}
