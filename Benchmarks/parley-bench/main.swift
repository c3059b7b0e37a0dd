// parley-bench: `make bench` runs it in a release build. Each benchmark is a
// subcommand; figures are printed as measured.
import Foundation

let args = CommandLine.arguments.dropFirst()
guard let which = args.first else {
    print("usage: parley-bench mail [N] | build [N] | ingest [N] | ingest-cpu [N] [BATCH] | latency [N] | fanout SERVERS_DIR [N] | feeds DIR")
    exit(2)
}
switch which {
case "mail":
    MailBench.run(Array(args.dropFirst()))
case "build":
    BuildBench.run(Array(args.dropFirst()))
case "ingest":
    do { try IngestBench.throughput(Array(args.dropFirst())) } catch { print("ingest benchmark failed: \(error)"); exit(1) }
case "ingest-cpu":
    do { try LocalIngestBench.run(Array(args.dropFirst())) } catch { print("ingest-cpu benchmark failed: \(error)"); exit(1) }
case "latency":
    do { try IngestBench.latency(Array(args.dropFirst())) } catch { print("latency benchmark failed: \(error)"); exit(1) }
case "fanout":
    FanoutBench.run(Array(args.dropFirst()))
case "feeds":
    FeedBench.run(Array(args.dropFirst()))
default:
    print("unknown benchmark \(which)")
    exit(2)
}
