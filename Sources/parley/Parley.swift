import ArgumentParser
import Foundation
import Logging
import ParleyCore
import ParleyRelay

/// The `parley` command line: argument parsing and output only; the work is in ParleyRelay.
@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Email-based conversation relay for blogs: replies by email become comments.",
        version: ParleyVersion.current,
        subcommands: [
            Serve.self, Check.self, Poll.self, OutboxCommand.self, ConversationCommand.self, PostCommand.self,
            CommentCommand.self, Subscribe.self, Unsubscribe.self, SubscriberCommand.self,
            InboundCommand.self, MessageCommand.self, FeedCommand.self, MentionCommand.self, Backup.self,
        ])
}

/// `--config FILE`, shared by every command that reads the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config: String = "config/parley.toml"

    func load() throws -> ParleyConfig {
        do {
            return try ParleyConfig.load(path: config)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The one-process-per-database lock, for commands that ingest or send
    /// (``DaemonLock``); held until the returned object is released.
    func daemonLock(_ command: String) throws -> DaemonLock {
        let config = try load()
        do {
            return try DaemonLock(databasePath: config.databasePath, command: command)
        } catch {
            throw CLIError("\(error)")
        }
    }

    func relay() throws -> Relay {
        let config = try load()
        do {
            return try Relay.open(config: config, logger: CLILogging.logger())
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// An error printed as one line to stderr, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

enum CLILogging {
    /// Logs go to stderr; `PARLEY_LOG_LEVEL` (trace…critical) sets the level, default info.
    static func logger() -> Logger {
        let level = ProcessInfo.processInfo.environment["PARLEY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        var logger = Logger(label: "parley") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}

func parseAddress(_ text: String, option: String) throws -> EmailAddress {
    guard let a = EmailAddress(text) else {
        throw ValidationError("\(option) \"\(text)\" is not an address like liz@example.org or \"Liz Strauss <liz@example.org>\"")
    }
    return a
}

/// JSON as the `--json` outputs print it: sorted keys, ISO 8601 dates.
/// Says on stderr how many rows a listing left out (stdout stays the rows alone, JSON
/// included), so that a long list never stops silently.
func printRemainder(shown: Int, total: Int) {
    guard total > shown else { return }
    FileHandle.standardError.write(Data("\(total - shown) more not shown (\(total) in all); use --limit \(total) to see them all\n".utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}
