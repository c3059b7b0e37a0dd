import Foundation
import ParleyCore
import ParleyCurl
import ParleyRelay
import ParleyTesting

/// Issue 4's throughput and latency benchmarks, against private throw-away servers.
enum IngestBench {
    /// `parley-bench ingest [N]`: a backlog of N replies (each stored, its notification
    /// queued, the mail moved), side by side with the raw one-by-one fetch limit.
    static func throughput(_ args: [String]) throws {
        let n = args.first.flatMap(Int.init) ?? 10_000
        let servers = try TestServers.startPrivate()
        defer { servers.stopAll() }
        let env = try BenchEnvironment(servers: servers)
        let note = try env.setUpConversation()
        for i in 0..<n { try servers.deliver(env.reply(to: note, number: i), to: env.user) }
        // The raw loop swings by a third from one run to the next on this VM (2,434 and
        // 3,571 messages/s in two runs minutes apart): three runs, each printed, and the
        // ratio taken against their median and, to show the spread, their best.
        var rawRates: [Double] = []
        for _ in 0..<3 {
            let raw = shell(["/usr/bin/python3", TestServers.repoRoot + "/scripts/raw_imap_fetch.py", "127.0.0.1", "\(servers.imapPort)", env.user, "secret"])
            let rawLine = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            say(rawLine)
            // (The untrimmed output's last word ended in a newline, so the ratio read 0.00.)
            rawRates.append(rawLine.split(separator: " ").first { $0.hasPrefix("per_second=") }.flatMap { Double($0.dropFirst("per_second=".count)) } ?? 0)
        }
        rawRates.sort()
        let rawRate = rawRates[1]

        let client = try env.relay.imapClient(for: env.relay.config.mailboxes[0])
        // The daemon keeps its connection open between passes, and the raw loop logs in
        // and selects before its clock starts: so does this one (log in, SELECT, which
        // makes Dovecot clear \Recent on the whole backlog, about 0.25 s here).
        _ = try client.status()
        let serverBefore = serverCPU()
        var summary = PassSummary()
        // What `poll --once` pays: the pass, then the static views of what it published.
        var viewSeconds = 0.0
        let (seconds, cpu) = try measured {
            summary = try Ingestor(relay: env.relay, mailbox: env.relay.config.mailboxes[0], client: client).pass()
            let start = Date()
            try env.relay.publishPending()
            viewSeconds = Date().timeIntervalSince(start)
        }
        let serverAfter = serverCPU()
        let queued = try env.relay.store.read { try $0.outbound(status: "queued", limit: 1_000_000).count }
        // A rate is only worth printing for a pass that did the whole job.
        let published = try env.relay.commentViews(post: "p", status: "published").count
        guard summary.byStatus["published"] == n, published == n, queued == n else {
            say("parley_ingest FAILED: \(summary.line); \(published) comments published and \(queued) notifications queued of \(n): no rate printed")
            exit(1)
        }
        let rate = Double(summary.fetched) / seconds
        say(String(format: "parley_ingest messages=%d published=%d queued_notifications=%d seconds=%.3f per_second=%.0f (of which the static views of the post, rewritten once at the end: %.3f s)",
                     summary.fetched, summary.byStatus["published"] ?? 0, queued, seconds, rate, viewSeconds))
        say(String(format: "ratio parley/raw = %.2f against the median raw run (%.0f/s; target >= 0.50); %.2f against the best (%.0f/s)",
                     rawRate > 0 ? rate / rawRate : 0, rawRate, rawRates[2] > 0 ? rate / rawRates[2] : 0, rawRates[2]))
        say(cpu.line(per: summary.fetched))
        say(String(format: "cpu per message in Dovecot's imap processes: %.3f ms", (serverAfter - serverBefore) * 1000 / Double(max(summary.fetched, 1))))
    }

    /// Where a run's CPU went: by thread (the caller's is the process's main thread,
    /// named after it), the whole process, and how long the caller waited for a CPU.
    struct CPUUse {
        var threads: [String: Double] = [:]
        var process = 0.0
        var callerOnCPU = 0.0
        var callerWaiting = 0.0

        func line(per n: Int) -> String {
            let n = Double(max(n, 1))
            var parts: [String] = []
            for (name, used) in threads.sorted(by: { $0.key < $1.key }) where name.hasPrefix("parley") && used > 0.01 {
                parts.append(String(format: "%@ %.3f ms", name, used * 1000 / n))
            }
            parts.append(String(format: "whole process %.3f ms", process * 1000 / n))
            return String(format: "caller thread: %.2f s on a cpu, %.2f s runnable but waiting for one (a busy machine)\n", callerOnCPU, callerWaiting)
                + "cpu per message by thread: " + parts.joined(separator: ", ")
        }
    }

    /// Runs `body` and returns its wall time and the CPU it used. Threads that end
    /// before it returns are seen by sampling /proc while it runs.
    static func measured(_ body: () throws -> Void) throws -> (Double, CPUUse) {
        final class Sampler: @unchecked Sendable {
            let lock = NSLock()
            var seen: [String: Double] = [:]
            var stop = false
        }
        let sampler = Sampler()
        let cpuBefore = threadCPU(), processBefore = processCPU()
        let schedBefore = schedStat()
        let samplerThread = Thread {
            while sampler.lock.withLock({ !sampler.stop }) {
                let now = threadCPU()
                sampler.lock.withLock { for (k, v) in now { sampler.seen[k] = max(sampler.seen[k] ?? 0, v) } }
                usleep(50_000)
            }
        }
        samplerThread.start()
        let start = ContinuousClock.now
        defer { sampler.lock.withLock { sampler.stop = true } }
        try body()
        let seconds = (ContinuousClock.now - start).seconds
        let cpuAfter = threadCPU(), processAfter = processCPU(), schedAfter = schedStat()
        var use = CPUUse()
        let seen = sampler.lock.withLock { sampler.seen.merging(cpuAfter) { max($0, $1) } }
        for (name, after) in seen { use.threads[name] = after - (cpuBefore[name] ?? 0) }
        use.process = processAfter - processBefore
        use.callerOnCPU = schedAfter.0 - schedBefore.0
        use.callerWaiting = schedAfter.1 - schedBefore.1
        return (seconds, use)
    }

    /// This thread's time on a CPU and time runnable but waiting, in seconds.
    static func schedStat() -> (Double, Double) {
        let text = (try? String(contentsOfFile: "/proc/thread-self/schedstat", encoding: .utf8)) ?? ""
        let f = text.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return f.count >= 2 ? (f[0] / 1e9, f[1] / 1e9) : (0, 0)
    }

    /// CPU seconds used so far by this process, all threads, ended ones included.
    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU seconds used so far by the machine's Dovecot `imap` processes (the benchmark's
    /// private server's, when nothing else runs one).
    static func serverCPU() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                  stat[stat.index(after: open)..<close] == "imap" else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / ticks
        }
        return total
    }

    /// CPU seconds used so far by each of this process's threads, by name (/proc).
    static func threadCPU() -> [String: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var out: [String: Double] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            out[name, default: 0] += (user + system) / ticks
        }
        return out
    }

    /// `parley-bench latency [N]`: with the mailbox loop running and IDLE on, the time
    /// from delivering a reply to the inbox until its comment is published; median of N.
    static func latency(_ args: [String]) throws {
        let n = args.first.flatMap(Int.init) ?? 20
        let servers = try TestServers.startPrivate()
        defer { servers.stopAll() }
        let env = try BenchEnvironment(servers: servers, idle: true, pollInterval: "60s")
        let note = try env.setUpConversation()
        let health = HealthBoard()
        let stop = StopSignal()
        let service = MailboxService(relay: env.relay, mailbox: env.relay.config.mailboxes[0], health: health)
        let thread = Thread { service.loop(stop) }
        thread.start()
        defer { stop.trigger() }
        usleep(500_000)
        var samples: [Double] = []
        for i in 0..<n {
            let before = try env.relay.store.read { try $0.comments(post: "p").count }
            let start = ContinuousClock.now
            try servers.deliver(env.reply(to: note, number: i), to: env.user)
            while try env.relay.store.read({ try $0.comments(post: "p").count }) == before {
                if (ContinuousClock.now - start).seconds > 70 { break }
                usleep(2_000)
            }
            samples.append((ContinuousClock.now - start).seconds)
            if ProcessInfo.processInfo.environment["PARLEY_LOG_LEVEL"] != nil { say("sample \(i): \(samples.last!)") }
            usleep(100_000)
        }
        samples.sort()
        let median = samples[samples.count / 2]
        say(String(format: "idle_latency n=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f (target median < 1000 ms)",
                     n, median * 1000, samples.first! * 1000, samples.last! * 1000))
    }

    static func shell(_ args: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        try? p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

