// `parley-bench fanout SERVERS_DIR [N] [ROUNDS]`: one comment's notifications to N
// subscribers (default 1,000; best of ROUNDS rounds, default 3) through the SMTP server of throw-away test servers
// (scripts/testservers.sh start SERVERS_DIR), in messages per second, side by side in
// the same run with a minimal libcurl loop over one reused easy handle sending the same
// number of messages of the same size to the same server. libcurl waits for every reply
// (four round trips a message); Parley writes the transactions itself on libcurl's
// connection, pipelined where the server offers PIPELINING (one round trip a message),
// so the loop is a reference, not a ceiling.
//
// Parley's figures: queueing (plan recipients, render, build with GMime, insert; one
// transaction), flushing (the durable outbox over one reused connection: attempt saved
// before each try, outcome after), and the two together, which is what a reader waits for.
import CCurl
import Foundation
import Logging
import ParleyCore
import ParleyRelay
import ParleyStore

enum FanoutBench {
    static func run(_ args: [String]) {
        guard let serversDir = args.first, let env = try? String(contentsOfFile: serversDir + "/servers.env", encoding: .utf8) else {
            print("usage: parley-bench fanout SERVERS_DIR [N]   (start servers with scripts/testservers.sh start SERVERS_DIR)")
            exit(2)
        }
        let count = args.dropFirst().first.flatMap(Int.init) ?? 1000
        var values: [String: String] = [:]
        for line in env.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let smtpPort = values["SMTP_PORT"], let imapPort = values["IMAP_PORT"] else {
            print("\(serversDir)/servers.env has no SMTP_PORT/IMAP_PORT")
            exit(2)
        }
        let url = "smtp://127.0.0.1:\(smtpPort)"
        let rounds = args.dropFirst(2).first.flatMap(Int.init).map { max(1, $0) } ?? Self.rounds
        print("fan-out: one comment to \(count) subscribers, via \(url) (\(serversDir)), \(rounds) rounds after a 100-subscriber warm-up round")
        // The daemon is a long-lived process: the first round of a fresh one pays for
        // loading code and filling caches, so one small round goes first, not counted.
        do {
            _ = try parley(count: 100, url: url, imapPort: imapPort, round: 0)
        } catch {
            print("fan-out warm-up failed: \(error)")
            exit(1)
        }
        var best = (queue: 0.0, flush: 0.0, total: 0.0, raw: 0.0)
        for round in 1...rounds {
            do {
                let (queue, flush, sent, sample, flushCPU) = try parley(count: count, url: url, imapPort: imapPort, round: round)
                let (raw, rawCPU) = try rawLoop(count: sent, url: url, message: sample)
                let total = Double(sent) / (queue + flush)
                print(String(format: "  round %d: parley queue %.3f s (%.0f msgs/s), flush %.3f s (%.0f msgs/s), together %.0f msgs/s; libcurl loop %.0f msgs/s",
                             round, queue, Double(sent) / queue, flush, Double(sent) / flush, total, raw))
                print(String(format: "           this process's CPU per message: flush %.0f µs, raw loop %.0f µs",
                             flushCPU * 1e6 / Double(sent), rawCPU * 1e6 / Double(sent)))
                best = (max(best.queue, Double(sent) / queue), max(best.flush, Double(sent) / flush), max(best.total, total), max(best.raw, raw))
            } catch {
                print("fan-out failed: \(error)")
                exit(1)
            }
        }
        print(String(format: "parley queue (plan, render, build, insert; one transaction): %.0f msgs/s", best.queue))
        print(String(format: "parley flush (outbox → SMTP, one reused connection): %.0f msgs/s = %.0f%% of the libcurl loop", best.flush, 100 * best.flush / best.raw))
        print(String(format: "parley end to end (queue + flush): %.0f msgs/s = %.0f%% of the libcurl loop", best.total, 100 * best.total / best.raw))
        print(String(format: "libcurl loop (curl_easy_perform per message, one reused handle, no pipelining): %.0f msgs/s", best.raw))
    }

    static let rounds = 3

    /// The CPU time this process has used, in seconds (all threads). On a shared
    /// 2-core machine wall times swing with the neighbours' load; this does much less,
    /// and every microsecond of it per message is one the SMTP sink waits for.
    static func processCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// One comment's notifications, queued then flushed; returns both times, how many
    /// were sent, one of the messages (for the raw loop), and the flush's CPU time.
    static func parley(count: Int, url: String, imapPort: String, round: Int) throws -> (Double, Double, Int, [UInt8], Double) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-fanout-\(getpid())-\(round)").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let domain = "fanout\(round).bench"
        let toml = """
        [site]
        name = "one2one"
        base_url = "https://talk.example.org"
        secret = "fan-out-benchmark-secret-0123456789"
        moderation = "none"
        [database]
        path = "\(dir)/parley.sqlite"
        [smtp]
        url = "\(url)"
        starttls = "never"
        from = "one2one <talk@\(domain)>"
        [[mailbox]]
        name = "talk"
        url = "imap://127.0.0.1:\(imapPort)/INBOX"
        starttls = "never"
        username = "fanout"
        password = "secret"
        reply_address = "talk+{token}@\(domain)"
        [publish]
        templates_dir = "templates"
        output_dir = "\(dir)/public"
        """
        try toml.write(toFile: dir + "/parley.toml", atomically: true, encoding: .utf8)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let relay = try Relay.open(config: try ParleyConfig.load(path: dir + "/parley.toml", environment: [:]), logger: logger)
        let liz = EmailAddress(address: "liz@\(domain)", name: "Liz Strauss")!, ann = EmailAddress(address: "ann@\(domain)", name: "Ann Handley")!
        try relay.addConversation(id: "c", title: "Liz & Ann", partners: [liz, ann])
        try relay.addPost(id: "trust", title: "On trust, and what it costs", url: "https://liz.example.org/trust", author: liz, conversation: "c")
        _ = try relay.store.write { tx in try tx.outbound().map { message in
            var m = message
            m.status = "sent"
            try tx.update(m)
        } }
        let commentId = try relay.store.write { tx -> Int64 in
            let now = Date()
            for i in 0..<count {
                let p = try tx.person(for: EmailAddress(address: "reader\(i)@\(domain)", name: "Reader Nummer \(i)")!, now: now)
                try tx.subscribe(personId: p.id!, scope: "post", postId: "trust", conversationId: nil, now: now)
            }
            let author = try tx.person(for: ann, now: now)
            let body = "Liz, this is the best thing you have written on trust.\n\nI will answer with a post of my own next week; "
                + "until then, a few thoughts on the costs you list, one by one.\n" + String(repeating: "Trust is built slowly and spent quickly. ", count: 12)
            return try tx.insertComment(CommentRecord(postId: "trust", parentId: nil, authorId: author.id!, body: body, elided: "",
                                                      status: "pending", source: "email", messageId: nil, inboundId: nil, createdAt: now)).id!
        }
        let clock = ContinuousClock()
        let queue = try clock.measure { try relay.moderate(commentId: commentId, approve: true) }
        var summary = FlushSummary()
        let cpuBefore = processCPU()
        let flush = try clock.measure { summary = try relay.flushOutbox() }
        let flushCPU = processCPU() - cpuBefore
        guard summary.sent == count + 1, summary.failed == 0, summary.deferred == 0 else {
            throw BenchError("expected \(count + 1) sent, got \(summary.line)")
        }
        let sample = try relay.store.read { try $0.outbound(status: "sent").last.map { [UInt8]($0.raw) } } ?? []
        return (queue.seconds, flush.seconds, summary.sent, sample, flushCPU)
    }

    /// The raw limit: `count` messages over one reused easy handle, nothing else.
    static func rawLoop(count: Int, url: String, message: [UInt8]) throws -> (Double, Double) {
        guard curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK, let h = curl_easy_init() else { throw BenchError("libcurl init failed") }
        defer { curl_easy_cleanup(h) }
        final class Body { var bytes: [UInt8] = []; var offset = 0 }
        let body = Body()
        body.bytes = message
        _ = parley_curl_setopt_string(h, CURLOPT_URL, url + "/bench.local")
        _ = parley_curl_setopt_string(h, CURLOPT_MAIL_FROM, "<bounces@raw.bench>")
        _ = parley_curl_setopt_long(h, CURLOPT_UPLOAD, 1)
        _ = parley_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = parley_curl_setopt_long(h, CURLOPT_INFILESIZE, message.count)
        _ = parley_curl_setopt_pointer(h, CURLOPT_READDATA, Unmanaged.passUnretained(body).toOpaque())
        _ = parley_curl_setopt_data_cb(h, CURLOPT_READFUNCTION) { ptr, size, n, user in
            let body = Unmanaged<Body>.fromOpaque(user!).takeUnretainedValue()
            let k = min(size * n, body.bytes.count - body.offset)
            if k > 0 {
                body.bytes.withUnsafeBufferPointer { UnsafeMutableRawPointer(ptr!).copyMemory(from: $0.baseAddress! + body.offset, byteCount: k) }
                body.offset += k
            }
            return k
        }
        let clock = ContinuousClock()
        var failure: CURLcode?
        let cpuBefore = processCPU()
        let elapsed = clock.measure {
            for i in 0..<count {
                body.offset = 0
                let list = curl_slist_append(nil, "<reader\(i)@raw.bench>")
                _ = parley_curl_setopt_slist(h, CURLOPT_MAIL_RCPT, list)
                let code = curl_easy_perform(h)
                curl_slist_free_all(list)
                if code != CURLE_OK { failure = code; break }
            }
        }
        if let failure { throw BenchError("raw loop: libcurl error \(failure.rawValue): \(String(cString: curl_easy_strerror(failure)))") }
        return (Double(count) / elapsed.seconds, processCPU() - cpuBefore)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
