import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// The person with this address, created if new; a newly learnt name is kept.
    public func person(for address: EmailAddress, now: Date) throws -> PersonRecord {
        if var existing = try PersonRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM persons WHERE emailKey = ?"), arguments: [address.key]) {
            if existing.name == nil, let name = address.name {
                existing.name = name
                try existing.update(db)
            }
            cache.persons[existing.id!] = existing
            return existing
        }
        var person = PersonRecord(email: address.address, emailKey: address.key, name: address.name, createdAt: now)
        try person.insert(db)
        cache.persons[person.id!] = person
        return person
    }

    /// The person with this id.
    public func person(id: Int64) throws -> PersonRecord? {
        if let known = cache.persons[id] { return known }
        let person = try PersonRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM persons WHERE id = ?"), arguments: [id])
        if let person { cache.persons[id] = person }
        return person
    }

    /// The persons with these ids, by id (unknown ids are left out): one query per 500.
    public func persons(ids: [Int64]) throws -> [Int64: PersonRecord] {
        var out: [Int64: PersonRecord] = [:]
        out.reserveCapacity(ids.count)
        var start = 0
        let unique = Array(Set(ids)).sorted()
        while start < unique.count {
            let chunk = Array(unique[start..<min(start + 500, unique.count)])
            let sql = "SELECT * FROM persons WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))"
            for p in try PersonRecord.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(chunk)) { out[p.id!] = p }
            start += 500
        }
        return out
    }

    /// The person with this address, if known.
    public func person(address: EmailAddress) throws -> PersonRecord? {
        try PersonRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM persons WHERE emailKey = ?"), arguments: [address.key])
    }

    /// Saves changes to a person.
    public func update(_ person: PersonRecord) throws {
        try person.update(db)
        if let id = person.id { cache.persons[id] = person }
    }

    public func allPersons() throws -> [PersonRecord] {
        try PersonRecord.order(Column("id")).fetchAll(db)
    }
}
