// `parley-bench feeds DIR`: feed parsing speed on one core — every feed document in DIR
// (the fixtures of Tests/ParleyFeedTests) parsed again and again for at least three
// CPU-seconds, as entries per CPU-second. `scripts/bench.sh` prints Python's feedparser
// on the same files beside it.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ParleyFeed

enum FeedBench {
    static func run(_ args: [String]) {
        guard let dir = args.first else { print("usage: parley-bench feeds DIR"); exit(2) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            ($0.hasSuffix(".xml") || $0.hasSuffix(".json")) && !$0.hasSuffix(".expected.json") && $0 != "urls.json"
        }.sorted()
        let documents = names.compactMap { FileManager.default.contents(atPath: dir + "/" + $0).map { Array($0) } }
        guard !documents.isEmpty else { print("no feed documents in \(dir)"); exit(1) }
        var failures: [String] = []
        for (name, doc) in zip(names, documents) {
            do { _ = try FeedParser.parse(doc) } catch { failures.append("\(name): \(error)") }
        }
        let start = cpuSeconds()
        var entries = 0, passes = 0
        while cpuSeconds() - start < 3 {
            for doc in documents { entries += (try? FeedParser.parse(doc))?.entries.count ?? 0 }
            passes += 1
        }
        let seconds = cpuSeconds() - start
        let bytes = documents.reduce(0) { $0 + $1.count }
        print(String(format: "Parley: %d entries in %.2f CPU-s over %d files (%d KB, %d passes) = %.0f entries per CPU-second",
                     entries, seconds, documents.count, bytes / 1024, passes, Double(entries) / seconds))
        for f in failures { print("warning: \(f)") }
        print(String(format: "parley-rate %.0f", Double(entries) / seconds))
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
