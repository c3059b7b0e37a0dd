import ArgumentParser
import Foundation
import ParleyFeed
import ParleyRelay

/// `parley feed`: the blogs' feeds.
struct FeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed", abstract: "The blogs' feeds: sync them, list their state, read one document.",
        subcommands: [Sync.self, List.self, Inspect.self])

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch every blog's feed now (or one), whatever its poll_interval, then exit.",
            discussion: "New entries become posts; the first sync of a blog registers what its feed holds without notifying anyone. A blog whose feed answered 410 Gone is fetched again only when named with --blog.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this [[blog]].") var blog: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let relay = try options.relay()
            var blogs = relay.config.blogs
            if let name = blog { blogs = [try adminCall { try relay.blog(named: name) }] }
            if blogs.isEmpty { throw CLIError("\(relay.config.path) has no [[blog]] section; see config/parley.example.toml") }
            let syncer = try adminCall { try FeedSyncer(relay: relay) }
            syncer.logsChanges = false
            let tty = isatty(STDOUT_FILENO) != 0 && !json
            var reports: [FeedSyncReport] = []
            var failed = 0
            for (i, b) in blogs.enumerated() {
                if tty { print("[\(i + 1)/\(blogs.count)] \(b.name): fetching \(b.feedURL)…") }
                // Named: try a gone feed again too. All: leave gone feeds alone.
                let report = try syncer.sync(b, force: true, retryGone: blog != nil)
                if report.outcome == FeedSyncReport.Outcome.failed || report.outcome == FeedSyncReport.Outcome.gone { failed += 1 }
                if json {
                    reports.append(report)
                } else {
                    print(report.line)
                }
            }
            _ = try? relay.publishPending()
            if json { try printJSON(reports) }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each blog: feed URL, last fetch, last status, ETag kept, posts registered.")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let relay = try options.relay()
            let views = try relay.blogViews()
            if json { try printJSON(views); return }
            if views.isEmpty { print("no [[blog]] in \(relay.config.path)") }
            for v in views {
                print("\(v.name)\t\(v.state)\t\(v.feedURL)")
                print("  last fetch: \(v.lastFetch.map(FeedDate.iso8601) ?? "never")\(v.lastStatus.map { " (HTTP \($0))" } ?? "")")
                if let e = v.lastError { print("  problem: \(e)") }
                print("  etag: \(v.etag ?? "-")  last-modified: \(v.lastModified ?? "-")")
                print("  posts: \(v.posts)  conversation: \(v.conversation ?? "-")  category: \(v.category ?? "(all)")  poll: \(v.pollInterval)")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read one feed document (FILE or stdin) and print what Parley finds in it as JSON.",
            discussion: "Prints {\"title\",\"link\",\"entries\":[{\"id\",\"title\",\"link\",\"published\",\"author\",\"categories\",\"excerpt\"}]}; published is ISO 8601 UTC or null.")
        @Argument(help: "The document; stdin when absent.") var file: String?
        @Option(help: "Where the document was fetched from, for relative links.") var url: String?

        func run() throws {
            let bytes: [UInt8]
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
                bytes = Array(data)
            } else {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            }
            do {
                let document = try FeedParser.parse(bytes, url: url)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(document), as: UTF8.self))
            } catch let error as FeedError {
                throw CLIError("\(file ?? "stdin") cannot be read as a feed: \(error.message)")
            }
        }
    }
}

/// Runs an admin operation, its refusal made a CLI error.
func adminCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AdminError {
        throw CLIError(error.message)
    }
}
