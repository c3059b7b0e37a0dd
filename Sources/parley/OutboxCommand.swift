import ArgumentParser
import Foundation
import ParleyRelay
import ParleyStore

/// `parley outbox …`
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "The durable outbox of notifications.",
                                                    subcommands: [Flush.self, List.self, Retry.self, Prune.self])

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Empty the bytes of notifications sent or failed longer ago than [outbox] keep_sent (180d), then exit.",
            discussion: "The rows stay (replies to them still thread); the bytes, which replies are read against, go. The daemon does this every hour.")
        @OptionGroup var options: ConfigOption
        @Option(name: .customLong("older-than"), help: "Instead of keep_sent, e.g. \"90d\".") var olderThan: String?

        func run() throws {
            let relay = try options.relay()
            var age: Duration?
            if let text = olderThan {
                guard let d = ConfigValues.duration(text) else { throw CLIError("--older-than: expected a duration like \"90d\", found \"\(text)\"") }
                age = d
            }
            print("emptied the bytes of \(try relay.pruneOutbox(olderThan: age)) notification(s)")
        }
    }

    struct Flush: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send everything due now, then exit.")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let lock = try options.daemonLock("outbox flush")
            defer { withExtendedLifetime(lock) {} }
            let relay = try options.relay()
            do {
                print(try relay.flushOutbox().line)
            } catch {
                throw CLIError("outbox flush failed: \(error)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outbound messages.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this status: queued, deferred, sent, failed.") var status: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "At most this many rows (oldest first); how many more there are is said on stderr.") var limit = 1000

        func run() throws {
            let relay = try options.relay()
            let (rows, total) = try relay.store.read { (try $0.outbound(status: status, limit: limit), try $0.outboundCount(status: status)) }
            let views = rows.map(OutboundView.init)
            if json { try printJSON(views) } else {
                for v in views {
                    print("\(v.id)\t\(v.status)\t\(v.kind)\t\(v.recipient)\tattempts \(v.attempts)\(v.last_error.map { "\t\($0)" } ?? "")")
                }
            }
            printRemainder(shown: rows.count, total: total)
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make deferred (or failed) messages due now.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The message id.") var id: Int64?
        @Flag(help: "Every message not yet sent (deferred, or queued and waiting for its next attempt).") var all = false

        func run() throws {
            guard (id == nil) == all else { throw ValidationError("give a message id or --all") }
            let relay = try options.relay()
            let n = try relay.store.write { tx -> Int in
                guard let id else { return try tx.makeAllDue(now: relay.now()) }
                guard var row = try tx.outbound(id: id) else { throw CLIError("no outbound message \(id)") }
                guard row.status != "sent" else { return 0 }
                row.status = "queued"
                row.nextAttemptAt = relay.now()
                try tx.update(row)
                return 1
            }
            print("\(n) message(s) due now")
        }
    }
}

/// An outbound message as `outbox list --json` prints it.
struct OutboundView: Encodable {
    var id: Int64
    var recipient: String
    var kind: String
    var status: String
    var attempts: Int
    var last_error: String?
    var next_attempt_at: Date
    var message_id: String
    var smtp_reply: String?

    init(_ r: OutboundRecord) {
        id = r.id!; recipient = r.recipient; kind = r.kind; status = r.status; attempts = r.attempts
        last_error = r.lastError; next_attempt_at = r.nextAttemptAt; message_id = r.messageId; smtp_reply = r.smtpReply
    }

    enum CodingKeys: String, CodingKey {
        case id, recipient, kind, status, attempts, last_error, next_attempt_at, message_id, smtp_reply
    }

    /// Every key is always present: `last_error` and `smtp_reply` are `null` when empty.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(recipient, forKey: .recipient)
        try c.encode(kind, forKey: .kind)
        try c.encode(status, forKey: .status)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(last_error, forKey: .last_error)
        try c.encode(next_attempt_at, forKey: .next_attempt_at)
        try c.encode(message_id, forKey: .message_id)
        try c.encode(smtp_reply, forKey: .smtp_reply)
    }
}
