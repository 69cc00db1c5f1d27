/// One numbered database migration: the SQL text of `db/migrations/NNNN_name.sql`.
///
/// `sql` is the complete file, header comment included, so the checksum the migration
/// runner records is the checksum of the file a reviewer sees in the ops repository.
public struct Migration: Sendable, Equatable {
    /// The migration's number; migrations apply in ascending order, each exactly once.
    public var version: Int
    /// A short snake_case name (`roles_and_schema`).
    public var name: String
    /// The full SQL file, printed from a `SQLScript` by `SQLPrinter`.
    public var sql: String

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// `0001_roles_and_schema.sql`: the version zero-padded to four digits, so files sort by version.
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }
}
