/// Why migrations were refused or failed. Every case names the migration concerned.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    /// Already-applied migrations whose text changed since they were applied.
    case checksumMismatch([ChecksumMismatch])
    /// Two scripts share a version, or a version is not positive, or a name is not snake_case.
    case invalidMigrations(String)
    /// A migration's SQL cannot be split into statements (an unterminated quote or comment).
    case unreadableScript(version: Int, name: String, problem: String)
    /// A pending migration is older than one already applied: migrations must apply in order.
    case outOfOrder(pending: Int, alreadyApplied: Int)
    /// The ledger records a migration this build does not have, older than the newest it has
    /// (the file was deleted or renumbered).
    case missingFromBuild(version: Int, name: String)
    /// A statement failed; the migration's transaction was rolled back, nothing of it remains.
    case statementFailed(version: Int, name: String, statement: Int, line: Int, error: PostgresErrorSummary)
    /// The database could not be reached or the ledger could not be read or written.
    case database(PostgresErrorSummary)
    /// The connected role cannot act as the role that must own the schema; says how to fix it.
    case ownerUnavailable(String)

    /// One changed migration.
    public struct ChecksumMismatch: Sendable, Equatable {
        public var version: Int
        public var name: String
        /// The checksum in the ledger, recorded when the migration was applied.
        public var recorded: String
        /// The checksum of the text given now.
        public var current: String

        public init(version: Int, name: String, recorded: String, current: String) {
            self.version = version
            self.name = name
            self.recorded = recorded
            self.current = current
        }
    }

    public var description: String {
        switch self {
        case .checksumMismatch(let mismatches):
            let lines = mismatches.map {
                "migration \(MigrationScript(version: $0.version, name: $0.name, sql: "").label) was applied with checksum \($0.recorded) but its text now has checksum \($0.current)"
            }
            return lines.joined(separator: "\n")
                + "\nan applied migration must never change: restore its original text and add a new migration instead"
        case .invalidMigrations(let problem):
            return "invalid migrations: \(problem)"
        case .unreadableScript(let version, let name, let problem):
            return "migration \(MigrationScript(version: version, name: name, sql: "").label): \(problem)"
        case .outOfOrder(let pending, let applied):
            return "migration \(pending) is not applied but the newer migration \(applied) is: migrations must apply in order (renumber the new migration above \(applied))"
        case .missingFromBuild(let version, let name):
            return "migration \(MigrationScript(version: version, name: name, sql: "").label) is recorded as applied but is missing from the migrations given (deleted or renumbered?)"
        case .statementFailed(let version, let name, let statement, let line, let error):
            return "migration \(MigrationScript(version: version, name: name, sql: "").label) failed at statement \(statement) (line \(line)), rolled back: \(error)"
        case .database(let error):
            return "database error: \(error)"
        case .ownerUnavailable(let problem):
            return problem
        }
    }
}
