import ArgumentParser
import Foundation
import ParleyRelay

/// `parley check`: validates the config and tests each login.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate the configuration and test the IMAP and SMTP logins.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        print("config \(options.config): ok")
        let report = CheckRunner(config: config).run()
        for line in report.lines { print(line) }
        if !report.ok { throw ExitCode(1) }
    }
}
