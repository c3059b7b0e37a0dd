import Foundation
import ParleyCore
import TOMLKit

extension ConfigReader {
    /// `[site] previous_secret_until` and `[site] token_expiry`.
    ///
    /// The grace period of a rotation is written as its last day, not as a duration: a
    /// duration needs a start the config file cannot know, and a fixed day makes a leaked
    /// old secret stop working on a day the admin chose.
    func readTokenSettings(_ site: TOMLTable, into config: inout ParleyConfig.Site) throws {
        if let value = site["previous_secret_until"] {
            guard !config.previousSecrets.isEmpty else {
                throw fail("site.previous_secret_until", "set only together with previous_secret (or previous_secret_env / previous_secret_file)")
            }
            let day: Int64?
            if let date = value.date {
                day = ConfigValues.day(year: date.year, month: date.month, day: date.day)
            } else if let text = value.string {
                day = ConfigValues.day(text)
            } else {
                day = nil
            }
            guard let day else {
                throw fail("site.previous_secret_until", "expected a date like 2026-07-01 (the last day, UTC, tokens signed with the previous secret are accepted)")
            }
            config.previousSecretsThroughDay = day
        }
        if let value = site["token_expiry"] {
            guard let table = value.table else {
                throw fail("site.token_expiry", "expected a table like { moderation = \"30d\", subscription = \"90d\" }")
            }
            let kinds: [String: TokenTarget] = ["post": .post, "comment": .comment, "moderation": .moderation,
                                                 "subscription": .subscription, "outbound": .outbound, "mention": .mention]
            for key in table.keys.sorted() {
                guard let kind = kinds[key] else {
                    throw fail("site.token_expiry.\(key)", "unknown token kind; expected one of \(kinds.keys.sorted().joined(separator: ", "))")
                }
                let d = try duration(table, "site.token_expiry", key, default: "0d")
                let days = Int64((d.seconds / 86400).rounded(.up))
                guard days >= 1 else { throw fail("site.token_expiry.\(key)", "expected at least \"1d\"") }
                config.tokenMaxAgeDays[kind] = days
            }
        }
    }

    /// `[publish] webhook_secret` (or `_env` / `_file`), required when a webhook is set:
    /// the receiver verifies the signature with it, so it must not be the site secret.
    func webhookSecret(_ publish: TOMLTable) throws -> [UInt8]? {
        let url = try optionalString(publish, "publish", "webhook_url")
        let secretText = try secret(publish, "publish", "webhook_secret", required: url != nil)
        if let url {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw fail("publish.webhook_url", "expected an http(s):// URL, found \"\(url)\"")
            }
        }
        guard let secretText else { return nil }
        guard secretText.utf8.count >= 16 else {
            throw fail("publish.webhook_secret", "too short: use at least 16 random characters (e.g. openssl rand -hex 32)")
        }
        return Array(secretText.utf8)
    }
}

extension ConfigValues {
    /// Days since 1970-01-01 for `YYYY-MM-DD`, or nil.
    public static func day(_ text: String) -> Int64? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return day(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 for a calendar date (proleptic Gregorian, UTC), or nil.
    public static func day(year: Int, month: Int, day: Int) -> Int64? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return Int64((date.timeIntervalSince1970 / 86400).rounded(.down))
    }
}
