import Foundation
import ParleyStore

extension Relay {
    /// Runs a rejected or failed inbound message through the pipeline again (after a fix
    /// or a config change), from the raw bytes kept. Returns the new outcome; the record
    /// keeps its id and notes that it was replayed.
    public func replay(inboundId: Int64) throws -> InboundOutcome {
        guard let record = try store.read({ try $0.inbound(id: inboundId) }) else {
            throw AdminError("no inbound message \(inboundId)")
        }
        guard record.status == InboundOutcome.Status.rejected.rawValue || record.status == InboundOutcome.Status.failed.rawValue else {
            throw AdminError("inbound message \(inboundId) is \(record.status); only rejected or failed messages are replayed")
        }
        guard !record.raw.isEmpty else {
            throw AdminError("inbound message \(inboundId) has no stored bytes (it was refused unread: \(record.reason)); raise the limit and move it back to the inbox instead")
        }
        let mail = ReadMail(raw: [UInt8](record.raw), ownAddresses: ownAddresses)
        return try store.write { tx in
            let outcome = try Decider(relay: self, inboundId: inboundId).decide(mail, tx: tx, replaying: inboundId)
            var updated = record
            updated.status = outcome.status.rawValue
            updated.reason = outcome.reason + " (replayed; before: \(record.status): \(record.reason))"
            updated.commentId = outcome.commentId
            try tx.update(updated)
            return outcome
        }
    }
}
