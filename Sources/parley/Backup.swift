import ArgumentParser
import Foundation
import ParleyRelay

/// `parley backup FILE`: a consistent copy of the database, while the daemon runs.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database consistently into a new file, while `parley serve` runs (README: Backups).")

    @OptionGroup var options: ConfigOption
    @Argument(help: "The new file to write (never overwritten).") var file: String

    func run() throws {
        let relay = try options.relay()
        do {
            let summary = try relay.store.backup(to: file)
            print("backed up \(relay.config.databasePath) to \(summary.path): \(summary.bytes) bytes, \(summary.inbound) inbound and \(summary.outbound) outbound messages, integrity ok")
        } catch {
            throw CLIError("\(error)")
        }
    }
}
