import Foundation
import ParleyCore
import ParleyCurl
import ParleyStore

/// What `parley check` finds, line by line.
public struct CheckReport: Sendable {
    public var lines: [String] = []
    public var ok = true
}

/// Checks everything a first run needs: database, templates, the HTTP port, each IMAP
/// and SMTP login.
public struct CheckRunner {
    let config: ParleyConfig

    public init(config: ParleyConfig) { self.config = config }

    public func run() -> CheckReport {
        var report = CheckReport()
        func line(_ ok: Bool, _ text: String) {
            report.lines.append((ok ? "ok    " : "FAIL  ") + text)
            if !ok { report.ok = false }
        }
        do {
            _ = try Store(path: config.databasePath)
            line(true, "database \(config.databasePath) is writable")
        } catch {
            line(false, "database: \(error)")
        }
        do {
            _ = try MailTemplates(directory: config.publish.templatesDir)
            line(true, "templates in \(config.publish.templatesDir) parse")
        } catch {
            line(false, "templates: \(error)")
        }
        for name in ["comments.html", "comments.atom", "web-page.html"] {
            let path = (config.publish.templatesDir as NSString).appendingPathComponent(name + ".mustache")
            if !FileManager.default.fileExists(atPath: path) { line(false, "template \(path) is missing: copy it from Parley's templates/ folder") }
        }
        if let problem = ListenAddress.bindProblem(config.httpListen) {
            line(false, "http.listen: \(problem) (is another parley serve running?)")
        } else {
            line(true, "http: \(config.httpListen) is free to listen on")
        }
        for box in config.mailboxes {
            do {
                let client = try CurlIMAPClient(options: box.server.options)
                let status = try client.status()
                line(true, "mailbox \(box.name): logged in to \(CurlIMAPClient.split(box.server.url)?.base ?? box.server.url), \(status.messages) message(s) in \(client.mailbox)")
                for (key, folder) in [("processed_folder", box.processedFolder), ("rejected_folder", box.rejectedFolder)] {
                    do {
                        let found = try client.inspectFolder(folder)
                        line(true, "mailbox \(box.name): \(key) \"\(folder)\" is \"\(found.serverName)\" on the server\(found.exists ? "" : " (created on first use)")")
                    } catch {
                        line(false, "mailbox \(box.name): \(key): \(error)")
                    }
                }
            } catch {
                line(false, "mailbox \(box.name): \(error)")
            }
        }
        do {
            let smtp = try CurlSMTPTransport(options: config.smtp.server.options, ehloName: config.smtp.ehloName)
            try smtp.check()
            line(true, "smtp: connected and logged in to \(config.smtp.server.url)")
        } catch {
            line(false, "smtp: \(error)")
        }
        return report
    }
}
