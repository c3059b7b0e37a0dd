import ArgumentParser
import Foundation
import ParleyRelay

/// `parley poll --once`: one ingest pass.
struct Poll: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fetch and process new mail once, then exit (refused while another serve or poll uses the database).")

    @OptionGroup var options: ConfigOption
    @Flag(help: "Run one pass and exit (the daemon is `parley serve`).") var once = false
    @Option(help: "Only this mailbox (its name in the config).") var mailbox: String?

    func run() throws {
        guard once else { throw ValidationError("use `parley poll --once` for one pass; `parley serve` polls continuously") }
        let lock = try options.daemonLock("poll")
        defer { withExtendedLifetime(lock) {} }
        let relay = try options.relay()
        let tty = isatty(STDOUT_FILENO) != 0
        do {
            let results = try relay.pollOnce(mailbox: mailbox) { name, done, total in
                guard tty, total > 0 else { return }
                let width = 30
                let filled = done * width / total
                print("\r\(name) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total)", terminator: done == total ? "\n" : "")
                fflush(nil)
            }
            for (name, summary) in results.sorted(by: { $0.key < $1.key }) {
                print("\(name): \(summary.line)")
            }
        } catch {
            throw CLIError("poll failed: \(error)")
        }
    }
}
