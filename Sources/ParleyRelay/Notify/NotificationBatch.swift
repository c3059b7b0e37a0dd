import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Notifications queued inside one write transaction, rendered and built on worker
/// threads while the writer goes on deciding, and inserted before the transaction
/// commits. Nothing changes for the outbox: every row is in the same transaction as the
/// comment that caused it, with the id it was given when it was queued.
///
/// Without a batch (`NotificationBatch.current` nil) ``Notifier`` renders, builds and
/// inserts each message at once, as before; a batch only moves the rendering and the
/// GMime build (most of a notification's cost) off the writer's thread.
///
/// Use: `NotificationBatch.$current.withValue(batch) { … }` around the decisions,
/// ``mark`` / ``discard(from:)`` around a savepoint that may roll back, and
/// ``insertAll(tx:)`` before the commit.
final class NotificationBatch: @unchecked Sendable {
    @TaskLocal static var current: NotificationBatch?

    private struct Item {
        var record: OutboundRecord
        var make: (() -> [UInt8])?
        var raw: [UInt8]?
        var dropped = false
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var nextToBuild = 0
    private var built = 0
    private var closing = false
    private var nextId: Int64?

    /// - Parameter workers: build threads (one beside an ingest's IMAP reader; more when
    ///   the writer has nothing else to do, as in a fan-out).
    init(workers: Int = 1) {
        for n in 0..<max(1, workers) {
            // The thread keeps the batch alive until `close()` lets it finish.
            let thread = Thread {
                ThreadName.set("parley-build-\(n)")
                self.work()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// The id the next queued row gets: read once per transaction, then counted here.
    func allocateId(tx: StoreTransaction) throws -> Int64 {
        let id = try nextId ?? tx.nextOutboundId()
        nextId = id + 1
        return id
    }

    /// Queues a row whose `raw` the worker makes with `make`.
    func add(_ record: OutboundRecord, make: @escaping () -> [UInt8]) {
        condition.lock()
        items.append(Item(record: record, make: make))
        condition.broadcast()
        condition.unlock()
    }

    /// The Message-IDs of rows queued in this transaction (not yet inserted) for this
    /// post: its new-post notifications and those about these comments. A reply to a
    /// comment made earlier in the same batch threads under that comment's
    /// notification, as it would one batch later (``Notifier/queueNewComment``).
    func queuedMessageIDs(postId: String, commentIds: Set<Int64>) -> [KnownMessageID] {
        condition.lock()
        defer { condition.unlock() }
        var out: [KnownMessageID] = []
        for item in items where !item.dropped && item.record.postId == postId {
            let r = item.record
            guard let recipient = r.recipientId else { continue }
            if let comment = r.commentId, commentIds.contains(comment) {
                out.append(KnownMessageID(recipientId: recipient, commentId: comment, messageId: r.messageId))
            } else if r.commentId == nil && r.kind == "new-post" {
                out.append(KnownMessageID(recipientId: recipient, commentId: nil, messageId: r.messageId))
            }
        }
        return out
    }

    /// How many rows are queued so far (for ``discard(from:)``).
    var mark: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    /// Forgets the rows queued since `mark` (their savepoint rolled back).
    func discard(from mark: Int) {
        condition.lock()
        for i in mark..<items.count { items[i].dropped = true }
        condition.unlock()
    }

    /// Waits for every queued row to be built and inserts them in the caller's
    /// transaction, in the order they were queued; then starts afresh for the next
    /// transaction. Returns how many were inserted.
    ///
    /// Each row is inserted as soon as it and those before it are built, so the inserts
    /// overlap the building; while the next row is not built, the caller builds an
    /// unstarted one itself rather than wait.
    @discardableResult
    func insertAll(tx: StoreTransaction) throws -> Int {
        var n = 0
        var index = 0
        while true {
            condition.lock()
            var next: OutboundRecord?
            while next == nil && index < items.count {
                if items[index].dropped {
                    index += 1
                } else if let raw = items[index].raw {
                    var record = items[index].record
                    record.raw = Data(raw)
                    items[index].raw = []  // still built; the bytes now live in `record`
                    next = record
                    index += 1
                } else if nextToBuild < items.count {
                    buildNext()
                } else {
                    condition.wait()
                }
            }
            condition.unlock()
            guard let record = next else { break }
            _ = try tx.insertOutbound(record)
            n += 1
        }
        _ = drain()
        return n
    }

    /// Drops whatever was not inserted (the transaction failed) and starts afresh.
    func reset() {
        _ = drain()
    }

    /// The rows queued, once all are built; the batch is empty afterwards. The caller
    /// builds what no worker has started rather than wait for one (at the end of an
    /// ingest batch the writer otherwise sat idle while the builder caught up).
    private func drain() -> [Item] {
        condition.lock()
        defer { condition.unlock() }
        while nextToBuild < items.count { buildNext() }
        while built < items.count { condition.wait() }
        let all = items
        items = []
        nextToBuild = 0
        built = 0
        nextId = nil
        return all
    }

    /// Stops the workers (after the rows in hand are built).
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            if nextToBuild < items.count {
                buildNext()
                continue
            }
            if closing { break }
            condition.wait()
        }
        condition.unlock()
    }

    /// Builds the next unstarted row; called and returns with the lock held.
    private func buildNext() {
        let index = nextToBuild
        nextToBuild += 1
        let make = items[index].make
        let skip = items[index].dropped
        condition.unlock()
        let raw = skip ? [] : (make?() ?? [])
        condition.lock()
        items[index].raw = raw
        items[index].make = nil
        built += 1
        condition.broadcast()
    }
}

extension Relay {
    /// A write transaction whose notifications are rendered and built on `workers`
    /// threads while `body` goes on, and inserted before it commits: for decisions that
    /// notify many people at once (a held comment approved for a post with many
    /// subscribers).
    func writeNotifying<T>(workers: Int = 2, _ body: (StoreTransaction) throws -> T) throws -> T {
        let batch = NotificationBatch(workers: workers)
        defer {
            batch.reset()
            batch.close()
        }
        return try store.write { tx in
            try NotificationBatch.$current.withValue(batch) {
                let result = try body(tx)
                try batch.insertAll(tx: tx)
                return result
            }
        }
    }
}
