import Foundation
import ParleyCore
import ParleyStore
import Testing

@Suite("SQLite store")
struct StoreTests {
    func tempStore() throws -> Store {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-store-\(UInt64.random(in: 0...UInt64.max)).sqlite").path
        return try Store(path: path)
    }

    @Test("migrations create a WAL-mode file that reopens")
    func reopen() throws {
        let store = try tempStore()
        try store.write { tx in _ = try tx.person(for: EmailAddress("liz@example.org")!, now: Date()) }
        let again = try Store(path: store.path)
        #expect(try again.read { try $0.allPersons().count } == 1)
        #expect(FileManager.default.fileExists(atPath: store.path + "-wal"))
    }

    @Test("a person is one row whatever the case of the address")
    func personUnique() throws {
        let store = try tempStore()
        let (a, b) = try store.write { tx in
            (try tx.person(for: EmailAddress("Liz@Example.org")!, now: Date()), try tx.person(for: EmailAddress("LIZ Strauss <liz@example.ORG>")!, now: Date()))
        }
        #expect(a.id == b.id)
        #expect(b.name == "LIZ Strauss")
    }

    @Test("a failed transaction leaves nothing behind")
    func atomic() throws {
        let store = try tempStore()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.write { tx in
                _ = try tx.person(for: EmailAddress("x@example.org")!, now: Date())
                throw Boom()
            }
        }
        #expect(try store.read { try $0.allPersons().isEmpty })
    }

    @Test("the same mailbox position cannot be recorded twice")
    func inboundUnique() throws {
        let store = try tempStore()
        let record = InboundRecord(mailbox: "talk", uidValidity: 1, uid: 7, messageId: "a@b", hash: "h", status: "published",
                                   reason: "r", fromAddress: nil, subject: nil, size: 1, raw: Data([1]), receivedAt: Date())
        _ = try store.write { try $0.insertInbound(record) }
        #expect(throws: (any Error).self) { _ = try store.write { try $0.insertInbound(record) } }
    }
}
