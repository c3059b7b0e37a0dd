import GRDB

extension Migrations {
    /// "v5-view-version": a view request counts its versions. A rewrite used to clear
    /// every request made no later than its own start, but a request carries the time of
    /// its transaction's start, not of its commit: a rewrite that began between the two
    /// cleared a request whose comment it never saw, and that comment's view was never
    /// written. Now a rewrite clears only the version it read before rendering.
    static func registerViewVersion(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-view-version") { db in
            try db.alter(table: "view_updates") { t in
                t.add(column: "version", .integer).notNull().defaults(to: 1)
            }
        }
    }
}
