import Crypto
import Foundation
import GRDB
import ParleyStore
import Testing

/// Databases written by every earlier version of Parley (Fixtures/schema-history, made by
/// scripts/make-schema-fixtures.sh with each version's own CLI) open, migrate and keep
/// every row: each value of the manifest beside the fixture is found again after the
/// migrations, where the schema moved it.
@Suite("Schema history")
struct SchemaHistoryTests {
    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/schema-history")
    static let fixtures: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasSuffix(".sqlite") }.map { String($0.dropLast(".sqlite".count)) }.sorted()

    /// Columns that a migration moved to another table: (table, column) → (table, key column).
    static let moved: [String: (table: String, key: String)] = ["outbound_messages.raw": ("outbound_raw", "outboundId")]

    /// Key columns of the tables that have no `id`.
    static let keys: [String: [String]] = [
        "checkpoints": ["mailbox"], "conversation_partners": ["conversationId", "personId"], "outbound_raw": ["outboundId"],
        "rejection_notices": ["emailKey", "reason", "day"], "view_updates": ["postId"],
    ]

    /// A stored value as the manifest writes it: blobs as their SHA-256 in hex.
    static func plain(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "null"
        case .int64(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .blob(let data): return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
    }

    static func plain(_ json: Any) -> String {
        switch json {
        case is NSNull: return "null"
        case let n as NSNumber:
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case let s as String: return s
        default: return "\(json)"
        }
    }

    @Test("fixtures of every earlier schema are present")
    func present() {
        #expect(Self.fixtures.count >= 4, "schema-history fixtures: \(Self.fixtures)")
        #expect(Self.fixtures.first?.hasSuffix("v1") == true)
    }

    @Test("a database written by an earlier version migrates with all its data", arguments: fixtures)
    func migrates(name: String) throws {
        let manifestData = try Data(contentsOf: Self.folder.appendingPathComponent(name + ".json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        let tables = try #require(manifest["tables"] as? [String: [String: Any]])
        // A copy: migrating writes to it.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-history-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("parley.sqlite").path
        try FileManager.default.copyItem(atPath: Self.folder.appendingPathComponent(name + ".sqlite").path, toPath: path)

        let store = try Store(path: path)  // applies every migration since
        let outbound = try store.read { try $0.outbound(limit: 100_000) }
        let inbound = try store.read { try $0.inbound(limit: 100_000) }
        #expect(outbound.count == (tables["outbound_messages"]?["count"] as? Int), "\(name): the outbox reads back")
        #expect(inbound.count == (tables["inbound_messages"]?["count"] as? Int), "\(name): the incoming log reads back")
        #expect(outbound.allSatisfy { !$0.raw.isEmpty }, "\(name): every outbound message keeps its bytes")

        let db = try DatabaseQueue(path: path)
        try db.read { db in
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            for m in ["v1", "v2-publishing", "v2-notify", "v3-indexes", "v4-outbound-raw", "v5-view-version", "v6-feeds"] {
                #expect(applied.contains(m), "\(name): migration \(m) applied")
            }
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            for (table, info) in tables {
                let count = info["count"] as? Int ?? -1
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") == count, "\(name): \(table) keeps its \(count) rows")
                let columns = Set(try db.columns(in: table).map(\.name))
                for row in info["rows"] as? [[String: Any]] ?? [] {
                    let keyColumns = row["id"] != nil ? ["id"] : (Self.keys[table] ?? [])
                    try #require(!keyColumns.isEmpty, "\(name): no key known for \(table)")
                    let condition = keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
                    let arguments = StatementArguments(keyColumns.map { row[$0].map(Self.plain) ?? "null" })
                    let found = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE \(condition)", arguments: arguments)
                    let stored = try #require(found, "\(name): \(table) row \(keyColumns.map { row[$0] ?? "" }) is gone")
                    for (column, value) in row where !column.hasSuffix("#length") {
                        var actual: DatabaseValue
                        if columns.contains(column) {
                            actual = stored[column] as DatabaseValue
                        } else if let target = Self.moved["\(table).\(column)"] {
                            actual = try DatabaseValue.fetchOne(db, sql: "SELECT \(column) FROM \(target.table) WHERE \(target.key) = ?",
                                                                arguments: [stored["id"] as DatabaseValue]) ?? .null
                        } else {
                            Issue.record("\(name): \(table).\(column) vanished in the migrations")
                            continue
                        }
                        #expect(Self.plain(actual) == Self.plain(value), "\(name): \(table).\(column) of \(keyColumns.map { row[$0] ?? "" })")
                    }
                }
            }
        }
    }
}
