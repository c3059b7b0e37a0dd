import Foundation
import GRDB

/// A row of `bounces`: one report that a message to a person could not be delivered.
public struct BounceRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "bounces"
    public var id: Int64?
    public var personId: Int64
    /// The outbound message that bounced, when the report could be matched to one.
    public var outboundId: Int64?
    /// A hard bounce (5.x.x, `Action: failed`); soft ones are kept but never suspend.
    public var permanent: Bool
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`.
    public var status: String?
    /// The remote server's words.
    public var diagnostic: String?
    public var receivedAt: Date

    public init(id: Int64? = nil, personId: Int64, outboundId: Int64?, permanent: Bool,
                status: String?, diagnostic: String?, receivedAt: Date) {
        self.id = id; self.personId = personId; self.outboundId = outboundId
        self.permanent = permanent; self.status = status; self.diagnostic = diagnostic; self.receivedAt = receivedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
