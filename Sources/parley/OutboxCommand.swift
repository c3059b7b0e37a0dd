import ArgumentParser
import Foundation
import ParleyRelay
import ParleyStore

/// `parley outbox …`
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "The durable outbox of notifications.",
                                                    subcommands: [Flush.self, List.self, Retry.self])

    struct Flush: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send everything due now, then exit.")
        @OptionGroup var options: ConfigOption

        func run() throws {
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

        func run() throws {
            let relay = try options.relay()
            let rows = try relay.store.read { try $0.outbound(status: status) }
            let views = rows.map(OutboundView.init)
            if json { try printJSON(views); return }
            for v in views {
                print("\(v.id)\t\(v.status)\t\(v.kind)\t\(v.recipient)\tattempts \(v.attempts)\(v.last_error.map { "\t\($0)" } ?? "")")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make deferred (or failed) messages due now.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The message id.") var id: Int64?
        @Flag(help: "Every deferred message.") var all = false

        func run() throws {
            guard (id == nil) == all else { throw ValidationError("give a message id or --all") }
            let relay = try options.relay()
            let n = try relay.store.write { tx -> Int in
                var rows = try id.map { try tx.outbound(id: $0).map { [$0] } ?? [] } ?? tx.outbound(status: "deferred")
                if id != nil && rows.isEmpty { throw CLIError("no outbound message \(id!)") }
                for i in rows.indices where rows[i].status != "sent" {
                    rows[i].status = "queued"
                    rows[i].nextAttemptAt = relay.now()
                    try tx.update(rows[i])
                }
                return rows.count
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
