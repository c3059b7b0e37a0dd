import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// The person with this address, created if new; a newly learnt name is kept.
    public func person(for address: EmailAddress, now: Date) throws -> PersonRecord {
        if var existing = try PersonRecord.filter(Column("emailKey") == address.key).fetchOne(db) {
            if existing.name == nil, let name = address.name {
                existing.name = name
                try existing.update(db)
            }
            return existing
        }
        var person = PersonRecord(email: address.address, emailKey: address.key, name: address.name, createdAt: now)
        try person.insert(db)
        return person
    }

    /// The person with this id.
    public func person(id: Int64) throws -> PersonRecord? {
        try PersonRecord.fetchOne(db, key: id)
    }

    /// The person with this address, if known.
    public func person(address: EmailAddress) throws -> PersonRecord? {
        try PersonRecord.filter(Column("emailKey") == address.key).fetchOne(db)
    }

    /// Saves changes to a person.
    public func update(_ person: PersonRecord) throws {
        try person.update(db)
    }

    public func allPersons() throws -> [PersonRecord] {
        try PersonRecord.order(Column("id")).fetchAll(db)
    }
}
