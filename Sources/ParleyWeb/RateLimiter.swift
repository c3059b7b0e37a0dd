import Foundation

/// Counts requests per key (a client IP, an address) in a sliding window, in memory:
/// `admit` says whether one more is allowed now, else how many seconds until it is.
/// Bounded: at most `maximumKeys` keys are kept (the oldest windows go first).
final class RateLimiter: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var hits: [String: [Date]] = [:]
    let limit: Int
    let window: TimeInterval
    let maximumKeys = 50_000

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// nil when admitted (and counted); else the seconds to wait.
    func admit(_ key: String, now: Date = Date()) -> Int? {
        lock.lock(); defer { lock.unlock() }
        var times = (hits[key] ?? []).filter { now.timeIntervalSince($0) < window }
        if times.count >= limit {
            hits[key] = times
            return max(1, Int((window - now.timeIntervalSince(times[0])).rounded(.up)))
        }
        times.append(now)
        hits[key] = times
        if hits.count > maximumKeys {
            hits = hits.filter { now.timeIntervalSince($0.value.last ?? .distantPast) < window }
        }
        return nil
    }
}
