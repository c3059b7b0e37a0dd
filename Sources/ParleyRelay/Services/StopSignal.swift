import Foundation

/// A stop request shared between a service and the thread running its blocking loop;
/// sleeps on it end as soon as it is triggered.
public final class StopSignal: @unchecked Sendable {
    // @unchecked: every access goes through `condition`.
    private let condition = NSCondition()
    private var stopped = false
    private var woken = false

    public init() {}

    /// Asks the loop to stop.
    public func trigger() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes a sleeping loop early without stopping it (e.g. "new mail queued").
    public func wake() {
        condition.lock()
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    public var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Sleeps up to `seconds`; returns true if asked to stop meanwhile.
    @discardableResult
    public func sleep(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopped && !woken {
            if !condition.wait(until: deadline) { break }
        }
        woken = false
        return stopped
    }
}

/// Exponential backoff for an unreachable server or a refused login: 1 s, 2 s, 4 s, …
/// up to `cap`. A pure function of the number of failures in a row.
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double

    public init(base: Double = 1, cap: Double = 300) {
        self.base = base
        self.cap = cap
    }

    /// Seconds to wait after the n-th failure in a row (n ≥ 1).
    public func delay(afterFailures n: Int) -> Double {
        min(cap, base * pow(2, Double(min(max(n - 1, 0), 30))))
    }
}

/// Runs a blocking loop on its own thread (never on Swift's cooperative pool, where a
/// blocking libcurl call would starve other tasks) and waits for it asynchronously.
func runBlocking(name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let thread = Thread {
            body()
            continuation.resume()
        }
        thread.name = name
        thread.start()
    }
}
