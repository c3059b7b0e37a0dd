import ArgumentParser
import Foundation
import ParleyMail
import ParleyRelay

/// `parley message …`: look at one email without a config.
struct MessageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "message", abstract: "Read one email from stdin.",
                                                    subcommands: [Trim.self, Inspect.self])

    struct Trim: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print only the new text the sender wrote (a whole message or a bare body on stdin).")

        func run() throws {
            let input = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            print(MessageReading.read(input).trimmed)
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print JSON: headers, decoded text, trimmed and elided text, classification, token.")
        @Option(help: "A reply-address pattern, to find the token in recipients (e.g. talk+{token}@example.org).")
        var replyAddress: String?
        @Option(help: "An installation's configuration: the reply is also read against the notification its token names, looked up in its database (original_reading, trimmed_by).")
        var config: String?

        func run() throws {
            let input = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            if let config {
                var option = ConfigOption()
                option.config = config
                let relay = try option.relay()
                try printJSON(try relay.inspectMessage(input))
                return
            }
            let report = MessageReading.read(input, replyAddress: replyAddress)
            try printJSON(report)
        }
    }
}
