import Foundation

/// The seed of a randomised test: `PARLEY_TEST_SEED` when set (to replay a failure),
/// else a fresh one; printed either way, so that every run can be replayed.
public enum TestSeed {
    public static func make(_ test: String) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["PARLEY_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): seed \(seed) (replay with PARLEY_TEST_SEED=\(seed))")
        return seed
    }
}
