import Foundation
import Logging
import ParleyCore
import ParleyCurl
import ServiceLifecycle

/// What a mailbox loop is doing, for logs and `/healthz`.
public struct MailboxHealth: Sendable, Equatable {
    public var state: String
    public var lastError: String?
    public var lastSuccess: Date?

    public init(state: String, lastError: String?, lastSuccess: Date?) {
        self.state = state
        self.lastError = lastError
        self.lastSuccess = lastSuccess
    }
}

/// Shared, thread-safe view of every mailbox's state.
public final class HealthBoard: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var mailboxes: [String: MailboxHealth] = [:]

    public init() {}

    public func set(_ name: String, _ health: MailboxHealth) {
        lock.lock(); defer { lock.unlock() }
        mailboxes[name] = health
    }

    public var snapshot: [String: MailboxHealth] {
        lock.lock(); defer { lock.unlock() }
        return mailboxes
    }
}

/// One mailbox's ingest loop as a service: poll, then wait for new mail with IMAP IDLE
/// where the server has it (else sleep the poll interval); on failure back off
/// exponentially and log once per change of state. It never gives up: an unreachable
/// server or a refused login is retried for as long as the daemon runs.
public struct MailboxService: Service {
    let relay: Relay
    let mailbox: ParleyConfig.Mailbox
    let health: HealthBoard
    /// Woken after each pass that queued notifications.
    let outboxWake: StopSignal?

    public init(relay: Relay, mailbox: ParleyConfig.Mailbox, health: HealthBoard, outboxWake: StopSignal? = nil) {
        self.relay = relay
        self.mailbox = mailbox
        self.health = health
        self.outboxWake = outboxWake
    }

    public func run() async throws {
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            await runBlocking(name: "mailbox \(mailbox.name)") { loop(stop) }
        } onGracefulShutdown: {
            stop.trigger()
        }
    }

    /// The loop; returns when `stop` is triggered, after finishing the batch in hand.
    public func loop(_ stop: StopSignal) {
        var logger = relay.logger
        logger[metadataKey: "mailbox"] = "\(mailbox.name)"
        let backoff = Backoff()
        var failures = 0
        var lastProblem: String?
        var client: CurlIMAPClient?
        var idler: CurlIMAPIdler?
        var lastSuccess: Date?
        health.set(mailbox.name, MailboxHealth(state: "starting", lastError: nil, lastSuccess: nil))
        while !stop.isStopped {
            do {
                let c = try client ?? relay.imapClient(for: mailbox)
                client = c
                let started = Date()
                let summary = try Ingestor(relay: relay, mailbox: mailbox, client: c).pass(shouldStop: { stop.isStopped })
                RelayMetrics.pass(mailbox: mailbox.name, summary, seconds: Date().timeIntervalSince(started))
                if lastProblem != nil {
                    logger.notice("mailbox reachable again; ingesting")
                    lastProblem = nil
                }
                failures = 0
                lastSuccess = relay.now()
                health.set(mailbox.name, MailboxHealth(state: "ok", lastError: nil, lastSuccess: lastSuccess))
                if summary.fetched > 0 {
                    logger.info("\(summary.line)")
                    // Static views and webhooks follow each publication at once.
                    _ = try relay.publishPending()
                    outboxWake?.wake()
                }
                if stop.isStopped { break }
                if mailbox.idle, try c.supportsIdle() {
                    let i = try idler ?? CurlIMAPIdler(options: mailbox.server.options)
                    idler = i
                    _ = try i.wait(timeout: mailbox.pollInterval.seconds, shouldStop: { stop.isStopped })
                } else {
                    stop.sleep(mailbox.pollInterval.seconds)
                }
            } catch {
                failures += 1
                RelayMetrics.failedPass(mailbox: mailbox.name)
                client = nil
                idler = nil
                let problem = "\(error)"
                // The state is the kind of failure (unreachable, login refused, TLS…), not
                // its exact words, which change from one retry to the next.
                let state = (error as? MailError).map { "mail:\($0.kind.rawValue)" } ?? problem
                let wait = backoff.delay(afterFailures: failures)
                if state != lastProblem {
                    // Logged once per change of state, not on every retry.
                    logger.error("\(problem); retrying with backoff (next in \(Int(wait)) s)")
                    lastProblem = state
                }
                health.set(mailbox.name, MailboxHealth(state: "failing", lastError: problem, lastSuccess: lastSuccess))
                stop.sleep(wait)
            }
        }
        health.set(mailbox.name, MailboxHealth(state: "stopped", lastError: nil, lastSuccess: lastSuccess))
        logger.info("mailbox loop stopped")
    }
}
