// Hand-written row coding for the records on the hot paths (ingest, fan-out, flush).
// GRDB's Codable bridge encoded every Date through a DateFormatter (ICU) and decoded
// every row through a keyed decoder: measured at a third of the database time of a
// notification. The columns and the stored forms are exactly those of the Codable
// bridge (dates as "yyyy-MM-dd HH:mm:ss.SSS" UTC text, booleans as integers).
import Foundation
import GRDB

/// Dates as GRDB stores them ("yyyy-MM-dd HH:mm:ss.SSS" in UTC), without a DateFormatter.
public enum StoreDate {
    /// The stored text of a date; milliseconds truncated, as the formatter does.
    public static func text(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard millis.isFinite, abs(millis) < 1e15 else { return String.fromDatabaseValue(date.databaseValue) ?? "" }
        let total = Int64(millis)
        var seconds = time_t(total >= 0 ? total / 1000 : (total - 999) / 1000)
        let ms = Int(total - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        guard year >= 0 && year <= 9999 else { return String.fromDatabaseValue(date.databaseValue) ?? "" }
        var out = [UInt8](repeating: 0x30, count: 23)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var v = value
            for i in stride(from: at + width - 1, through: at, by: -1) {
                out[i] = UInt8(0x30 + v % 10)
                v /= 10
            }
        }
        put(year, 0, 4); out[4] = 0x2D
        put(Int(parts.tm_mon) + 1, 5, 2); out[7] = 0x2D
        put(Int(parts.tm_mday), 8, 2); out[10] = 0x20
        put(Int(parts.tm_hour), 11, 2); out[13] = 0x3A
        put(Int(parts.tm_min), 14, 2); out[16] = 0x3A
        put(Int(parts.tm_sec), 17, 2); out[19] = 0x2E
        put(ms, 20, 3)
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads the stored form back; anything else is left to GRDB's own reading.
    public static func date(_ value: DatabaseValue) -> Date? {
        if case .string(let s) = value.storage, let d = parse(s) { return d }
        return Date.fromDatabaseValue(value)
    }

    static func parse(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { b -> Date? in
            guard b.count == 23, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x2E else { return nil }
            func num(_ at: Int, _ width: Int) -> Int? {
                var v = 0
                for i in at..<(at + width) {
                    let c = b[i]
                    guard c >= 0x30 && c <= 0x39 else { return nil }
                    v = v * 10 + Int(c - 0x30)
                }
                return v
            }
            guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
                  let sec = num(17, 2), let ms = num(20, 3), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
            // Days from the civil date (proleptic Gregorian), H. Hinnant's algorithm.
            let yy = mo <= 2 ? y - 1 : y
            let era = (yy >= 0 ? yy : yy - 399) / 400
            let yoe = yy - era * 400
            let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146097 + doe - 719468
            let seconds = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + sec)
            return Date(timeIntervalSince1970: Double(seconds) + Double(ms) / 1000)
        }
    }
}

extension Row {
    /// A non-null date column.
    func date(_ column: String) throws -> Date {
        guard let d = StoreDate.date(self[column] as DatabaseValue) else {
            throw StoreError("column \(column) holds no date", detail: "\(self[column] as DatabaseValue)")
        }
        return d
    }

    /// A nullable date column.
    func optionalDate(_ column: String) -> Date? {
        let v: DatabaseValue = self[column]
        return v.isNull ? nil : StoreDate.date(v)
    }
}

extension PersonRecord {
    public init(row: Row) throws {
        id = row["id"]; email = row["email"]; emailKey = row["emailKey"]; name = row["name"]
        trusted = row["trusted"]; bounceScore = row["bounceScore"]
        suspendedUntil = row.optionalDate("suspendedUntil"); createdAt = try row.date("createdAt")
        lastBounceAt = row.optionalDate("lastBounceAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["email"] = email; container["emailKey"] = emailKey; container["name"] = name
        container["trusted"] = trusted; container["bounceScore"] = bounceScore
        container["suspendedUntil"] = suspendedUntil.map(StoreDate.text); container["createdAt"] = StoreDate.text(createdAt)
        container["lastBounceAt"] = lastBounceAt.map(StoreDate.text)
    }
}

extension PostRecord {
    public init(row: Row) throws {
        number = row["number"]; id = row["id"]; title = row["title"]; url = row["url"]; authorId = row["authorId"]
        conversationId = row["conversationId"]; closed = row["closed"]; createdAt = try row.date("createdAt")
        blog = row["blog"]; entryId = row["entryId"]; excerpt = row["excerpt"]; answersPostId = row["answersPostId"]
        publishedAt = row.optionalDate("publishedAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["number"] = number; container["id"] = id; container["title"] = title; container["url"] = url
        container["authorId"] = authorId; container["conversationId"] = conversationId; container["closed"] = closed
        container["createdAt"] = StoreDate.text(createdAt)
        container["blog"] = blog; container["entryId"] = entryId; container["excerpt"] = excerpt
        container["answersPostId"] = answersPostId; container["publishedAt"] = publishedAt.map(StoreDate.text)
    }
}

extension BlogRecord {
    public init(row: Row) throws {
        name = row["name"]; feedURL = row["feedURL"]; etag = row["etag"]; lastModified = row["lastModified"]
        lastFetchAt = row.optionalDate("lastFetchAt"); lastStatus = row["lastStatus"]; lastError = row["lastError"]
        state = State(rawValue: row["state"] ?? "new") ?? .new; failures = row["failures"]
        nextAttemptAt = row.optionalDate("nextAttemptAt"); firstSyncAt = row.optionalDate("firstSyncAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["name"] = name; container["feedURL"] = feedURL; container["etag"] = etag; container["lastModified"] = lastModified
        container["lastFetchAt"] = lastFetchAt.map(StoreDate.text); container["lastStatus"] = lastStatus; container["lastError"] = lastError
        container["state"] = state.rawValue; container["failures"] = failures
        container["nextAttemptAt"] = nextAttemptAt.map(StoreDate.text); container["firstSyncAt"] = firstSyncAt.map(StoreDate.text)
    }
}

extension CommentRecord {
    public init(row: Row) throws {
        id = row["id"]; postId = row["postId"]; parentId = row["parentId"]; authorId = row["authorId"]; body = row["body"]
        elided = row["elided"]; status = row["status"]; holdReason = row["holdReason"]; source = row["source"]
        messageId = row["messageId"]; inboundId = row["inboundId"]; createdAt = try row.date("createdAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["postId"] = postId; container["parentId"] = parentId; container["authorId"] = authorId
        container["body"] = body; container["elided"] = elided; container["status"] = status; container["holdReason"] = holdReason
        container["source"] = source; container["messageId"] = messageId; container["inboundId"] = inboundId
        container["createdAt"] = StoreDate.text(createdAt)
    }
}

extension SubscriptionRecord {
    public init(row: Row) throws {
        id = row["id"]; personId = row["personId"]; scope = row["scope"]; postId = row["postId"]
        conversationId = row["conversationId"]; active = row["active"]; createdAt = try row.date("createdAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["personId"] = personId; container["scope"] = scope; container["postId"] = postId
        container["conversationId"] = conversationId; container["active"] = active; container["createdAt"] = StoreDate.text(createdAt)
    }
}

extension InboundRecord {
    public init(row: Row) throws {
        id = row["id"]; mailbox = row["mailbox"]; uidValidity = row["uidValidity"]; uid = row["uid"]; messageId = row["messageId"]
        hash = row["hash"]; status = row["status"]; reason = row["reason"]; fromAddress = row["fromAddress"]; subject = row["subject"]
        size = row["size"]; raw = row["raw"]; commentId = row["commentId"]; receivedAt = try row.date("receivedAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["mailbox"] = mailbox; container["uidValidity"] = uidValidity; container["uid"] = uid
        container["messageId"] = messageId; container["hash"] = hash; container["status"] = status; container["reason"] = reason
        container["fromAddress"] = fromAddress; container["subject"] = subject; container["size"] = size; container["raw"] = raw
        container["commentId"] = commentId; container["receivedAt"] = StoreDate.text(receivedAt)
    }
}

extension OutboundRecord {
    /// The bytes live in `outbound_raw` (see `Migrations.registerOutbox`): a request of
    /// the query interface fetches them beside the row's own columns.
    public static var databaseSelection: [any SQLSelectable] {
        [AllColumns(), SQL(sql: "(SELECT raw FROM outbound_raw WHERE outbound_raw.outboundId = outbound_messages.id) AS raw")]
    }

    /// The start of a select of whole records, the row as `m`: `SELECT … FROM … JOIN …`.
    /// CROSS JOIN keeps `outbound_messages` the outer loop, so its indexes serve the
    /// WHERE and ORDER BY that follow.
    static let selectSQL = "SELECT m.*, r.raw FROM outbound_messages m CROSS JOIN outbound_raw r ON r.outboundId = m.id"

    public init(row: Row) throws {
        id = row["id"]; recipientId = row["recipientId"]; recipient = row["recipient"]; kind = row["kind"]; token = row["token"]
        messageId = row["messageId"]; envelopeFrom = row["envelopeFrom"]; raw = row["raw"]; status = row["status"]
        attempts = row["attempts"]; nextAttemptAt = try row.date("nextAttemptAt"); lastError = row["lastError"]
        smtpReply = row["smtpReply"]; postId = row["postId"]; commentId = row["commentId"]; createdAt = try row.date("createdAt")
        sentAt = row.optionalDate("sentAt")
    }

    /// The row of `outbound_messages`; the bytes are written by `insertOutbound` and
    /// `update(_:)` into `outbound_raw`.
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id; container["recipientId"] = recipientId; container["recipient"] = recipient; container["kind"] = kind
        container["token"] = token; container["messageId"] = messageId; container["envelopeFrom"] = envelopeFrom
        container["status"] = status; container["attempts"] = attempts; container["nextAttemptAt"] = StoreDate.text(nextAttemptAt)
        container["lastError"] = lastError; container["smtpReply"] = smtpReply; container["postId"] = postId
        container["commentId"] = commentId; container["createdAt"] = StoreDate.text(createdAt); container["sentAt"] = sentAt.map(StoreDate.text)
    }
}

extension CheckpointRecord {
    public init(row: Row) throws {
        mailbox = row["mailbox"]; uidValidity = row["uidValidity"]; lastUid = row["lastUid"]; updatedAt = try row.date("updatedAt")
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["mailbox"] = mailbox; container["uidValidity"] = uidValidity; container["lastUid"] = lastUid
        container["updatedAt"] = StoreDate.text(updatedAt)
    }
}
