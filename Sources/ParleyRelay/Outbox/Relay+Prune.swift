import Foundation

extension Relay {
    /// Empties the bytes of notifications sent or failed longer ago than `olderThan`
    /// (default `[outbox] keep_sent`). Returns how many.
    @discardableResult
    public func pruneOutbox(olderThan: Duration? = nil) throws -> Int {
        let keep = (olderThan ?? config.outboxKeepSent).seconds
        return try store.write { try $0.pruneSentBytes(before: now().addingTimeInterval(-keep)) }
    }
}
