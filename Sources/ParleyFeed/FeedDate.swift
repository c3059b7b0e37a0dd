import Foundation

/// Dates as feeds write them: RFC 822 (RSS 2.0, with RFC 1123's four-digit years and the
/// usual liberties) and ISO 8601 / RFC 3339 (Atom, RSS 1.0's dc:date, JSON Feed), in any
/// zone. Parsed by hand: Foundation's formatters cost more than the rest of an entry.
public enum FeedDate {
    /// The instant a feed's date text names, or nil when it names none.
    public static func parse(_ text: String) -> Date? {
        let t = Array(text.utf8.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D })
        guard let first = t.first else { return nil }
        if first >= 0x30 && first <= 0x39, t.count >= 10, t[4] == 0x2D {
            return iso(t) ?? rfc822(t)
        }
        return rfc822(t) ?? iso(t)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole seconds (truncated).
    public static func iso8601(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let rest = seconds - days * 86400
        let (y, m, d) = civil(fromDays: days)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = y < 0 ? "\(y)" : String(repeating: "0", count: max(0, 4 - "\(y)".count)) + "\(y)"
        return "\(year)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
    }

    // MARK: ISO 8601

    private static func iso(_ t: [UInt8]) -> Date? {
        var i = 0
        func number(_ digits: Int) -> Int64? {
            guard i + digits <= t.count else { return nil }
            var n: Int64 = 0
            for k in i..<(i + digits) {
                let c = t[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                n = n * 10 + Int64(c - 0x30)
            }
            i += digits
            return n
        }
        func skip(_ c: UInt8) -> Bool {
            if i < t.count && t[i] == c { i += 1; return true }
            return false
        }
        guard let year = number(4), skip(0x2D), let month = number(2), skip(0x2D), let day = number(2) else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, offset: Int64 = 0
        if i < t.count, t[i] == 0x54 || t[i] == 0x74 || t[i] == 0x20 {
            i += 1
            guard let h = number(2), skip(0x3A), let mi = number(2) else { return nil }
            hour = h; minute = mi
            if skip(0x3A) {
                guard let s = number(2) else { return nil }
                second = s
                if i < t.count, t[i] == 0x2E || t[i] == 0x2C {
                    i += 1
                    while i < t.count, t[i] >= 0x30 && t[i] <= 0x39 { i += 1 }
                }
            }
            while i < t.count, t[i] == 0x20 { i += 1 }
            if i < t.count {
                switch t[i] {
                case 0x5A, 0x7A: i += 1
                case 0x2B, 0x2D:
                    let sign: Int64 = t[i] == 0x2D ? -1 : 1
                    i += 1
                    guard let oh = number(2) else { return nil }
                    _ = skip(0x3A)
                    let om = number(2) ?? 0
                    offset = sign * (oh * 3600 + om * 60)
                default:
                    let zone = String(decoding: t[i...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    guard let z = namedZones[zone.uppercased()] else { return nil }
                    offset = z
                    i = t.count
                }
            }
        }
        return instant(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset)
    }

    // MARK: RFC 822

    static let months: [String: Int64] = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                          "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
    /// RFC 822's zones, and the military Z.
    static let namedZones: [String: Int64] = [
        "GMT": 0, "UT": 0, "UTC": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
        "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
    ]

    private static func rfc822(_ t: [UInt8]) -> Date? {
        // Words, split on spaces and commas: [weekday] day month year time [zone]
        var words = String(decoding: t, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
        guard words.count >= 3 else { return nil }
        if let first = words.first, Int(first) == nil, months[String(first.prefix(3)).lowercased()] == nil { words.removeFirst() }
        guard words.count >= 3 else { return nil }
        // "2 Mar 2026" or "Mar 2 2026"
        var day: Int64, month: Int64
        if let d = Int64(words[0]), let m = months[String(words[1].prefix(3)).lowercased()] {
            day = d; month = m
        } else if let m = months[String(words[0].prefix(3)).lowercased()], let d = Int64(words[1]) {
            day = d; month = m
        } else {
            return nil
        }
        guard var year = Int64(words[2]) else { return nil }
        if words[2].count <= 2 { year += year < 50 ? 2000 : 1900 }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, offset: Int64 = 0
        if words.count >= 4 {
            let parts = words[3].split(separator: ":")
            guard parts.count >= 2, let h = Int64(parts[0]), let mi = Int64(parts[1]) else { return nil }
            hour = h; minute = mi
            if parts.count >= 3 {
                guard let s = Int64(parts[2].prefix(while: { $0.isNumber })) else { return nil }
                second = s
            }
        }
        if words.count >= 5 {
            let zone = words[4]
            if let sign = zone.first, sign == "+" || sign == "-", zone.count >= 5 {
                let digits = zone.dropFirst().replacingOccurrences(of: ":", with: "")
                guard digits.count == 4, let n = Int64(digits) else { return nil }
                offset = (sign == "-" ? -1 : 1) * (n / 100 * 3600 + n % 100 * 60)
            } else if let z = namedZones[zone.uppercased()] {
                offset = z
            }
        }
        return instant(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset)
    }

    // MARK: Calendar arithmetic

    private static func instant(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, offset: Int64) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
