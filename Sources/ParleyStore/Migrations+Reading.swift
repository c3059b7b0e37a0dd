import Foundation
import GRDB

extension Migrations {
    /// "v9-outbound-token": replies are read against the notification their token names
    /// (``StoreTransaction/originalMessage(token:)``), found by the token.
    static func registerReading(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-outbound-token") { db in
            try db.create(index: "outbound_by_token", on: "outbound_messages", columns: ["token"])
        }
    }
}

extension StoreTransaction {
    /// The bytes of the newest notification sent with this reply token, while the outbox
    /// keeps them (`[outbox] keep_sent`); nil when none was sent or its bytes are pruned.
    public func originalMessage(token: String) throws -> [UInt8]? {
        let raw = try Data.fetchOne(db.cachedStatement(sql: """
            SELECT r.raw FROM outbound_messages m CROSS JOIN outbound_raw r ON r.outboundId = m.id
            WHERE m.token = ? AND m.status = 'sent' ORDER BY m.id DESC LIMIT 1
            """), arguments: [token])
        guard let raw, !raw.isEmpty else { return nil }
        return [UInt8](raw)
    }
}
