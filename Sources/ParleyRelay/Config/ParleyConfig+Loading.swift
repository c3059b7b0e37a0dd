import Foundation
import ParleyCore
import TOMLKit

extension ParleyConfig {
    /// Reads and validates a config file. Secrets come from the key itself, `KEY_env`
    /// (an environment variable's name) or `KEY_file` (a file's path).
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> ParleyConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: nil, "cannot read the file (does it exist? see config/parley.example.toml)")
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            let table = try TOMLTable(string: text)
            var reader = ConfigReader(file: path, environment: environment)
            return try reader.read(table)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, key: nil, "not valid TOML: \(error.description) at line \(error.source.begin.line), column \(error.source.begin.column)")
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: path, key: nil, "\(error)")
        }
    }
}

/// Reads typed values out of the TOML table, naming the key in every error.
struct ConfigReader {
    let file: String
    let environment: [String: String]

    func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: file, key: key, message) }

    func table(_ t: TOMLTable, _ key: String, required: Bool = true) throws -> TOMLTable? {
        guard let v = t[key] else {
            if required { throw fail("[\(key)]", "missing section") }
            return nil
        }
        guard let sub = v.table else { throw fail(key, "expected a table ([\(key)])") }
        return sub
    }

    func string(_ t: TOMLTable, _ section: String, _ key: String, default value: String? = nil) throws -> String {
        guard let v = t[key] else {
            if let value { return value }
            throw fail("\(section).\(key)", "missing; expected a string")
        }
        guard let s = v.string else { throw fail("\(section).\(key)", "expected a string, found \(v.type)") }
        guard !s.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) else {
            throw fail("\(section).\(key)", "must not contain line breaks or control characters")
        }
        return s
    }

    func optionalString(_ t: TOMLTable, _ section: String, _ key: String) throws -> String? {
        guard t[key] != nil else { return nil }
        let s = try string(t, section, key)
        return s.isEmpty ? nil : s
    }

    func bool(_ t: TOMLTable, _ section: String, _ key: String, default value: Bool) throws -> Bool {
        guard let v = t[key] else { return value }
        guard let b = v.bool else { throw fail("\(section).\(key)", "expected true or false, found \(v.type)") }
        return b
    }

    /// A secret from `key`, `key_env` or `key_file` (one of them).
    func secret(_ t: TOMLTable, _ section: String, _ key: String, required: Bool) throws -> String? {
        let direct = try optionalString(t, section, key)
        let env = try optionalString(t, section, key + "_env")
        let file = try optionalString(t, section, key + "_file")
        let given = [direct, env, file].compactMap { $0 }.count
        if given > 1 { throw fail("\(section).\(key)", "give only one of \(key), \(key)_env and \(key)_file") }
        if let direct { return direct }
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                throw fail("\(section).\(key)_env", "the environment variable \(env) is not set")
            }
            return value
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw fail("\(section).\(key)_file", "cannot read \(file)")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if required { throw fail("\(section).\(key)", "missing; set \(key)_env (an environment variable's name), \(key)_file or \(key)") }
        return nil
    }

    func integer(_ t: TOMLTable, _ section: String, _ key: String, default value: Int, minimum: Int) throws -> Int {
        guard let v = t[key] else { return value }
        guard let n = v.int else { throw fail("\(section).\(key)", "expected a whole number, found \(v.type)") }
        guard n >= minimum else { throw fail("\(section).\(key)", "expected a number of at least \(minimum), found \(n)") }
        return n
    }

    func duration(_ t: TOMLTable, _ section: String, _ key: String, default value: String) throws -> Duration {
        let s = try string(t, section, key, default: value)
        guard let d = ConfigValues.duration(s) else { throw fail("\(section).\(key)", "expected a duration like \"90s\", \"5m\", \"3d\", found \"\(s)\"") }
        return d
    }

    func size(_ t: TOMLTable, _ section: String, _ key: String, default value: String) throws -> Int {
        let s = try string(t, section, key, default: value)
        guard let n = ConfigValues.size(s) else { throw fail("\(section).\(key)", "expected a size like \"25MB\", found \"\(s)\"") }
        return n
    }

    func server(_ t: TOMLTable, _ section: String, schemes: [String]) throws -> ParleyConfig.ServerSettings {
        let url = try string(t, section, "url")
        guard schemes.contains(where: { url.lowercased().hasPrefix($0 + "://") }) else {
            throw fail("\(section).url", "expected a URL starting with \(schemes.map { $0 + "://" }.joined(separator: " or ")), found \"\(url)\"")
        }
        let starttls = try string(t, section, "starttls", default: "required")
        guard ["required", "optional", "never"].contains(starttls) else {
            throw fail("\(section).starttls", "expected required, optional or never, found \"\(starttls)\"")
        }
        let oauth = try secret(t, section, "oauth2_token", required: false)
        let password = try secret(t, section, "password", required: false)
        let timeout = try duration(t, section, "timeout", default: "60s")
        guard timeout.seconds >= 1 else { throw fail("\(section).timeout", "expected at least \"1s\", found \(timeout)") }
        var settings = ParleyConfig.ServerSettings(url: url, starttls: starttls, username: try optionalString(t, section, "username"),
                                                   password: password, oauth2Token: oauth, caFile: try optionalString(t, section, "ca_file"),
                                                   timeoutSeconds: Int(timeout.seconds.rounded()))
        settings.oauth2TokenFile = try optionalString(t, section, "oauth2_token_file")
        return settings
    }

    mutating func read(_ root: TOMLTable) throws -> ParleyConfig {
        let site = try table(root, "site")!
        let secretText = try secret(site, "site", "secret", required: true)!
        guard secretText.utf8.count >= 16 else { throw fail("site.secret", "too short: use at least 16 random characters (e.g. openssl rand -hex 32)") }
        var previous: [[UInt8]] = []
        if let prev = try secret(site, "site", "previous_secret", required: false) { previous.append(Array(prev.utf8)) }
        let moderationText = try string(site, "site", "moderation", default: "first-time")
        guard let moderation = ModerationPolicy(rawValue: moderationText) else {
            throw fail("site.moderation", "expected none, first-time or all, found \"\(moderationText)\"")
        }
        let baseURL = try string(site, "site", "base_url")
        guard baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://") else {
            throw fail("site.base_url", "expected an http(s):// URL, found \"\(baseURL)\"")
        }
        var siteConfig = ParleyConfig.Site(name: try string(site, "site", "name"), baseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL,
                                           secret: Array(secretText.utf8), previousSecrets: previous, moderation: moderation)
        try readTokenSettings(site, into: &siteConfig)

        let database = try table(root, "database")!
        let dbPath = try string(database, "database", "path")

        let smtpTable = try table(root, "smtp")!
        let fromText = try string(smtpTable, "smtp", "from")
        guard let from = EmailAddress(fromText) else { throw fail("smtp.from", "expected an address like \"one2one <talk@example.org>\", found \"\(fromText)\"") }
        let smtp = ParleyConfig.SMTP(server: try server(smtpTable, "smtp", schemes: ["smtp", "smtps"]), from: from,
                                     ehloName: try string(smtpTable, "smtp", "ehlo_name", default: from.domain))

        guard let boxes = root["mailbox"]?.array, boxes.count > 0 else { throw fail("[[mailbox]]", "at least one [[mailbox]] section is needed") }
        var mailboxes: [ParleyConfig.Mailbox] = []
        for (i, value) in boxes.enumerated() {
            guard let box = value.table else { throw fail("mailbox[\(i)]", "expected a table") }
            let section = "mailbox[\(i)]"
            let name = try string(box, section, "name")
            if mailboxes.contains(where: { $0.name == name }) { throw fail("\(section).name", "\"\(name)\" is used by two mailboxes") }
            let reply = try string(box, section, "reply_address")
            guard reply.contains("{token}"), EmailAddress(reply.replacingOccurrences(of: "{token}", with: "x")) != nil else {
                throw fail("\(section).reply_address", "expected an address holding {token}, like \"talk+{token}@example.org\", found \"\(reply)\"")
            }
            mailboxes.append(.init(name: name, server: try server(box, section, schemes: ["imap", "imaps"]), replyAddress: reply,
                                   processedFolder: try string(box, section, "processed_folder", default: "Parley/Processed"),
                                   rejectedFolder: try string(box, section, "rejected_folder", default: "Parley/Rejected"),
                                   pollInterval: try duration(box, section, "poll_interval", default: "60s"),
                                   idle: try bool(box, section, "idle", default: true),
                                   maxMessageSize: try size(box, section, "max_message_size", default: "25MB")))
        }

        let http = try table(root, "http", required: false)
        let listen = try http.map { try string($0, "http", "listen", default: "127.0.0.1:8080") } ?? "127.0.0.1:8080"
        let publishTable = try table(root, "publish", required: false)
        let publish = ParleyConfig.Publish(
            outputDir: try publishTable.map { try string($0, "publish", "output_dir", default: "public") } ?? "public",
            templatesDir: try publishTable.map { try string($0, "publish", "templates_dir", default: "templates") } ?? "templates",
            webhookURL: try publishTable.flatMap { try optionalString($0, "publish", "webhook_url") },
            webhookSecret: try publishTable.flatMap { try webhookSecret($0) })
        let outbox = try table(root, "outbox", required: false)
        let retryFor = try outbox.map { try duration($0, "outbox", "retry_for", default: "3d") } ?? .seconds(3 * 86400)
        let bounceThreshold = try outbox.map { try integer($0, "outbox", "bounce_threshold", default: 3, minimum: 1) } ?? 3
        let bounceResetAfter = try outbox.map { try duration($0, "outbox", "bounce_reset_after", default: "30d") } ?? .seconds(30 * 86400)

        let retryBase = try outbox.map { try duration($0, "outbox", "retry_base", default: "1m") } ?? .seconds(60)
        guard retryBase.seconds >= 1 else { throw fail("outbox.retry_base", "expected at least \"1s\", found \(retryBase)") }
        var config = ParleyConfig(site: siteConfig, databasePath: dbPath, smtp: smtp, mailboxes: mailboxes, httpListen: listen,
                                  publish: publish, outboxRetryFor: retryFor, bounceThreshold: bounceThreshold,
                                  bounceResetAfter: bounceResetAfter, path: file)
        config.outboxRetryBase = retryBase
        config.outboxKeepSent = try outbox.map { try duration($0, "outbox", "keep_sent", default: "180d") } ?? .seconds(180 * 86400)
        config.blogs = try blogs(root)
        if let webmention = try table(root, "webmention", required: false) {
            config.webmentionAllowPrivateAddresses = try bool(webmention, "webmention", "allow_private_addresses", default: false)
        }
        if let http {
            config.followLimitPerIP = try integer(http, "http", "follow_limit_per_ip", default: 10, minimum: 1)
            config.followLimitPerAddress = try integer(http, "http", "follow_limit_per_address", default: 5, minimum: 1)
            if let list = http["allowed_origins"] {
                guard let array = list.array else { throw fail("http.allowed_origins", "expected a list of origins like [\"https://blog.example.org\"]") }
                config.allowedOrigins = try array.map { v in
                    guard let s = v.string, let o = ConfigReader.origin(of: s), o == s.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/")) else {
                        throw fail("http.allowed_origins", "expected web origins like \"https://blog.example.org\" (scheme and host, no path, never *), found \(v)")
                    }
                    return o
                }
            }
        }
        return config
    }
}

/// Parsers for the config's value syntaxes.
public enum ConfigValues {
    /// `"500ms"`, `"90s"`, `"5m"`, `"2h"`, `"3d"`.
    public static func duration(_ s: String) -> Duration? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604800)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let v = Double(number), v >= 0, !(suffix == "m" && number.hasSuffix("m")) {
                return .milliseconds(Int64((v * factor * 1000).rounded()))
            }
        }
        return nil
    }

    /// `"25MB"`, `"512KB"`, `"1GB"`, `"1000"` (bytes); decimal units, and KiB/MiB/GiB binary.
    public static func size(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1048576), ("gib", 1073741824),
                                         ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("b", 1), ("", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v >= 0 {
                return Int(v * factor)
            }
        }
        return nil
    }
}
