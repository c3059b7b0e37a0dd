// `parley-bench ingest-cpu [N] [BATCH]`: the ingest pass's own CPU per reply, without an IMAP
// server: the same Ingestor (reader, writer and builder threads, the real SQLite file
// and templates) reading a backlog of N replies from memory. Dovecot's share and its
// swings stay out, so a change to the pipeline can be compared run against run; the
// throughput against the raw fetch limit is `ingest`'s figure, not this one.
import Foundation
import ParleyCore
import ParleyRelay
import ParleyTesting

enum LocalIngestBench {
    /// A mailbox held in memory: the seam the ingest pass reads through.
    final class MemoryMailbox: MailboxClient {
        var messages: [UInt32: [UInt8]]
        var moved = 0

        init(_ raws: [[UInt8]]) {
            var messages: [UInt32: [UInt8]] = [:]
            for (i, raw) in raws.enumerated() { messages[UInt32(i + 1)] = raw }
            self.messages = messages
        }

        func status() throws(MailError) -> MailboxStatus {
            MailboxStatus(uidValidity: 1, uidNext: UInt32(messages.count + 1), messages: messages.count)
        }
        func uids(after: UInt32) throws(MailError) -> [UInt32] { messages.keys.filter { $0 > after }.sorted() }
        func sizes(of uids: [UInt32]) throws(MailError) -> [UInt32: Int] {
            var out: [UInt32: Int] = [:]
            for uid in uids { out[uid] = messages[uid]?.count }
            return out
        }
        func markSeen(_ uids: [UInt32]) throws(MailError) {}
        func fetch(uid: UInt32, limit: Int) throws(MailError) -> [UInt8] {
            guard let raw = messages[uid] else { throw MailError(.protocolError, "no message \(uid)") }
            return raw
        }
        func move(uids: [UInt32], to folder: String) throws(MailError) {
            for uid in uids { messages[uid] = nil }
            moved += uids.count
        }
    }

    static func run(_ args: [String]) throws {
        let n = args.first.flatMap(Int.init) ?? 10_000
        // The messages per transaction, to compare (the daemon's default otherwise).
        let batch = args.dropFirst().first.flatMap(Int.init)
        let servers = try TestServers.startPrivate()
        defer { servers.stopAll() }
        let env = try BenchEnvironment(servers: servers)
        let note = try env.setUpConversation()
        let mailbox = MemoryMailbox((0..<n).map { env.reply(to: note, number: $0) })
        say("backlog of \(n) replies ready")
        var summary = PassSummary()
        let (seconds, cpu) = try IngestBench.measured {
            let mailboxConfig = env.relay.config.mailboxes[0]
            let ingestor = batch.map { Ingestor(relay: env.relay, mailbox: mailboxConfig, client: mailbox, batchSize: $0) }
                ?? Ingestor(relay: env.relay, mailbox: mailboxConfig, client: mailbox)
            summary = try ingestor.pass()
        }
        say(String(format: "local_ingest messages=%d published=%d moved=%d seconds=%.3f per_second=%.0f (no IMAP server)",
                     summary.fetched, summary.byStatus["published"] ?? 0, mailbox.moved, seconds, Double(summary.fetched) / seconds))
        say(cpu.line(per: summary.fetched))
    }
}
