import Foundation
import GRDB
import ParleyCore

extension StoreTransaction {
    /// The person with this address, created if new; a newly learnt name is kept.
    public func person(for address: EmailAddress, now: Date) throws -> PersonRecord {
        let key = address.key
        let cached = cache.personIds[key].flatMap { cache.persons[$0] }
        if var existing = try cached ?? PersonRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM persons WHERE emailKey = ?"), arguments: [key]) {
            if existing.name == nil, let name = address.name {
                existing.name = name
                try existing.update(db)
            }
            cache.persons[existing.id!] = existing
            cache.personIds[key] = existing.id!
            return existing
        }
        var person = PersonRecord(email: address.address, emailKey: address.key, name: address.name, createdAt: now)
        try person.insert(db)
        cache.persons[person.id!] = person
        cache.personIds[key] = person.id!
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
        var unknown: Set<Int64> = []
        for id in ids {
            if let known = cache.persons[id] { out[id] = known } else { unknown.insert(id) }
        }
        var start = 0
        let unique = unknown.sorted()
        while start < unique.count {
            let chunk = Array(unique[start..<min(start + 500, unique.count)])
            let sql = "SELECT * FROM persons WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))"
            for p in try PersonRecord.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(chunk)) {
                out[p.id!] = p
                cache.persons[p.id!] = p
            }
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
        if let id = person.id {
            cache.persons[id] = person
            cache.personIds = cache.personIds.filter { $0.value != id }
        }
    }

    public func allPersons() throws -> [PersonRecord] {
        try PersonRecord.order(Column("id")).fetchAll(db)
    }
}
