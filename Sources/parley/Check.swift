import ArgumentParser
import Foundation
import ParleyRelay

/// `parley check`: validates the config and tests each login.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check what a first run needs: the configuration and its secrets, the database, the templates, the IMAP and SMTP logins, each folder's name on the IMAP server, and the HTTP port.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        print("config \(options.config): ok")
        let report = CheckRunner(config: config).run()
        for line in report.lines { print(line) }
        if !report.ok { throw ExitCode(1) }
    }
}
