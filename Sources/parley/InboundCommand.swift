import ArgumentParser
import Foundation
import ParleyRelay
import ParleyStore

/// `parley inbound …`: the log of incoming mail.
struct InboundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inbound", abstract: "What became of every incoming email.",
                                                    subcommands: [List.self, Show.self, Replay.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List incoming emails, newest first.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this status.") var status: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "At most this many rows (newest first); how many more there are is said on stderr.") var limit = 1000

        func run() throws {
            let relay = try options.relay()
            let (records, total) = try relay.store.read { (try $0.inbound(status: status, limit: limit), try $0.inboundCount(status: status)) }
            let rows = records.map(InboundView.init)
            if json { try printJSON(rows) } else {
                for r in rows { print("\(r.id)\t\(r.status)\t\(r.from ?? "-")\t\(r.subject ?? "")\t\(r.reason)") }
            }
            printRemainder(shown: rows.count, total: total)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one incoming email and its outcome.")
        @OptionGroup var options: ConfigOption
        @Argument var id: Int64
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Print the raw message.") var raw = false

        func run() throws {
            let relay = try options.relay()
            guard let r = try relay.store.read({ try $0.inbound(id: id) }) else { throw CLIError("no inbound message \(id)") }
            if raw { FileHandle.standardOutput.write(r.raw); return }
            let v = InboundView(r)
            if json { try printJSON(v); return }
            print("inbound \(v.id) from mailbox \(v.mailbox), uid \(v.uid)\n  status: \(v.status)\n  reason: \(v.reason)\n  from: \(v.from ?? "-")\n  subject: \(v.subject ?? "-")\n  message-id: \(v.message_id ?? "-")\n  size: \(v.size) bytes")
        }
    }
}

extension InboundCommand {
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a rejected or failed email through the pipeline again.")
        @OptionGroup var options: ConfigOption
        @Argument var id: Int64

        func run() throws {
            let relay = try options.relay()
            do {
                let outcome = try relay.replay(inboundId: id)
                print("inbound \(id): \(outcome.status.rawValue): \(outcome.reason)")
            } catch let error as AdminError {
                throw CLIError(error.message)
            }
        }
    }
}

/// An inbound message as `inbound list --json` prints it.
struct InboundView: Encodable {
    var id: Int64
    var mailbox: String
    var uid: Int64
    var status: String
    var reason: String
    var from: String?
    var subject: String?
    var message_id: String?
    var size: Int
    var comment_id: Int64?
    var received_at: Date

    init(_ r: InboundRecord) {
        id = r.id!; mailbox = r.mailbox; uid = r.uid; status = r.status; reason = r.reason; from = r.fromAddress
        subject = r.subject; message_id = r.messageId; size = r.size; comment_id = r.commentId; received_at = r.receivedAt
    }
}
