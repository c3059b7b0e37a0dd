import Foundation
import ParleyCore
import ParleyCurl
import ParleyFeed
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
        for name in ["comments.html", "comments.atom", "web-page.html", "mention.txt", "mention.html"] {
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
        checkBlogs(line)
        do {
            let smtp = try CurlSMTPTransport(options: config.smtp.server.options, ehloName: config.smtp.ehloName)
            try smtp.check()
            line(true, "smtp: connected and logged in to \(config.smtp.server.url)")
        } catch {
            line(false, "smtp: \(error)")
        }
        return report
    }

    /// Each `[[blog]]`: its conversation exists, its feed answers and reads (format,
    /// entries, the newest), or exactly what is wrong. A feed the daemon found gone (410)
    /// is reported as such.
    private func checkBlogs(_ line: (Bool, String) -> Void) {
        guard !config.blogs.isEmpty else { return }
        let store = try? Store(path: config.databasePath)
        let fetcher = try? CurlFeedFetcher()
        for blog in config.blogs {
            if let conversation = blog.conversation {
                let exists = (try? store?.read { try $0.conversation(id: conversation) }) ?? nil
                if exists == nil {
                    line(false, "blog \(blog.name): conversation \"\(conversation)\" does not exist; make it with `parley conversation add --id \(conversation) --title … --partner … --partner …`")
                }
            }
            if let saved = (try? store?.read({ try $0.blog(name: blog.name) })) ?? nil, saved.feedURL == blog.feedURL, saved.state == .gone {
                line(false, "blog \(blog.name): \(blog.feedURL) answered 410 Gone; Parley stopped polling it (fix feed_url, or run `parley feed sync --blog \(blog.name)` to try again)")
            }
            guard let fetcher else { line(false, "blog \(blog.name): libcurl could not be initialised"); continue }
            var request = FeedRequest(url: blog.feedURL, caFile: blog.caFile, connectTimeoutSeconds: min(10, blog.timeoutSeconds),
                                      totalTimeoutSeconds: blog.timeoutSeconds)
            request.userAgent = CurlFeedFetcher.userAgent(site: config.site.baseURL)
            do {
                let response = try fetcher.fetch(request)
                guard (200..<300).contains(response.status) else {
                    line(false, "blog \(blog.name): \(blog.feedURL) answered HTTP \(response.status)\(response.status == 410 ? " Gone: the feed is gone for good; fix feed_url" : "")")
                    continue
                }
                let document = try FeedParser.parse(response.body, url: response.effectiveURL)
                let newest = document.entries.max { ($0.published ?? .distantPast) < ($1.published ?? .distantPast) }
                let newestText = newest.map { "newest: “\($0.title)”\($0.published.map { " (\(FeedDate.iso8601($0)))" } ?? "")" } ?? "no entries yet"
                var inCategory = ""
                if let category = blog.category {
                    let n = document.entries.filter { $0.categories.contains { $0.caseInsensitiveCompare(category) == .orderedSame } }.count
                    inCategory = ", \(n) in category \"\(category)\""
                }
                line(true, "blog \(blog.name): \(document.format.rawValue) feed at \(response.effectiveURL), \(document.entries.count) entries\(inCategory); \(newestText)")
            } catch let error as FeedFetchError {
                line(false, "blog \(blog.name): fetching \(blog.feedURL): \(error)")
            } catch {
                line(false, "blog \(blog.name): \(blog.feedURL) cannot be read as a feed: \(error)")
            }
        }
    }
}
