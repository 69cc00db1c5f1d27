import Foundation
import Logging
import PostgresNIO

/// Applies numbered migrations to a PostgreSQL database, each exactly once.
///
/// - A ledger table `public.scaffold_migrations(version, name, checksum, applied_at)` records
///   every applied migration with the SHA-256 of its text.
/// - Each migration runs in one transaction together with its ledger row: it applies
///   completely or not at all.
/// - Runners are serialised by a session-level advisory lock, so several replicas of a
///   migration Job (or `scaffold migrate` racing `scaffold dev`) apply each migration once.
///   The lock needs a session: connect directly or through a session-pooling proxy.
/// - Re-running is a no-op. An applied migration whose text changed is refused, naming the
///   version, the recorded and the new checksum, before anything is applied.
public struct MigrationRunner: Sendable {
    /// Where applied migrations are recorded.
    public static let ledgerTable = "public.scaffold_migrations"
    /// The advisory lock key every runner takes (an arbitrary constant: "5CAFF01D", then 1).
    public static let advisoryLockKey: Int64 = 0x5CAF_F01D_0000_0001

    /// How long a migration statement may wait for a table lock before the migration fails
    /// (`SET LOCAL lock_timeout`), so a migration never queues behind a long transaction
    /// while blocking the application. `nil` waits indefinitely.
    public var lockTimeout: Duration?
    /// The role that must own everything the migrations create (and the database), or nil
    /// for whatever role connects. Connected as that role, or as a member of it, the runner
    /// migrates as it (`SET ROLE`). Connected as a superuser, it first creates the role when
    /// missing (`LOGIN CREATEROLE`, no password) and gives it a database a superuser owns.
    /// Any other role is refused before anything is written, with the statements that fix it.
    public var owner: String?

    /// Creates a runner.
    public init(lockTimeout: Duration? = nil, owner: String? = nil) {
        self.lockTimeout = lockTimeout
        self.owner = owner
    }

    /// Connects to `databaseURL` (see `DatabaseURL`), applies the pending migrations and
    /// disconnects. The URL's password is never logged.
    public func apply(_ migrations: [MigrationScript], databaseURL: String, logger: Logger) async throws
        -> MigrationReport
    {
        let url = try DatabaseURL(databaseURL)
        var logger = logger
        logger[metadataKey: "database"] = "\(url)"
        return try await apply(migrations, configuration: url.configuration(), logger: logger)
    }

    /// Connects with `configuration`, applies the pending migrations and disconnects.
    public func apply(
        _ migrations: [MigrationScript], configuration: PostgresConnection.Configuration, logger: Logger
    ) async throws -> MigrationReport {
        let plan = try Self.prepare(migrations)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw MigrationError.database(PostgresErrorSummary(error))
        }
        do {
            let report = try await apply(plan, on: connection, logger: logger)
            try? await connection.close()
            return report
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Applies the pending migrations on an open connection (which must not be inside a
    /// transaction). The connection's role becomes the owner of everything created.
    public func apply(_ migrations: [MigrationScript], on connection: PostgresConnection, logger: Logger) async throws
        -> MigrationReport
    {
        try await apply(try Self.prepare(migrations), on: connection, logger: logger)
    }

    // MARK: - Implementation

    /// A migration with its statements, split before anything touches the database.
    struct PreparedMigration {
        var script: MigrationScript
        var checksum: String
        var statements: [SQLStatementSplitter.Statement]
    }

    static func prepare(_ migrations: [MigrationScript]) throws -> [PreparedMigration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for script in sorted {
            guard script.version > 0 else {
                throw MigrationError.invalidMigrations("version \(script.version) of \(script.name) is not positive")
            }
            guard MigrationScript.isValidName(script.name) else {
                throw MigrationError.invalidMigrations("migration \(script.version) has name \"\(script.name)\", which is not snake_case")
            }
        }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError.invalidMigrations("\(previous.label) and \(next.label) share version \(next.version)")
        }
        return try sorted.map { script in
            do {
                return PreparedMigration(
                    script: script, checksum: script.checksum, statements: try SQLStatementSplitter.split(script.sql))
            } catch let error as SQLStatementSplitter.UnterminatedError {
                throw MigrationError.unreadableScript(version: script.version, name: script.name, problem: error.description)
            }
        }
    }

    private func apply(_ plan: [PreparedMigration], on connection: PostgresConnection, logger: Logger) async throws
        -> MigrationReport
    {
        let database = DatabaseSession(connection: connection, logger: logger)
        try await database.execute("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
        do {
            if let owner { try await assume(owner, database: database, logger: logger) }
            let report = try await applyLocked(plan, database: database, logger: logger)
            if owner != nil { try await database.execute("RESET ROLE") }
            try await database.execute("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
            return report
        } catch {
            // Closing the session would release the lock too; unlock so a reused connection is clean.
            try? await database.execute("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
            throw error
        }
    }

    /// Makes the session act as `owner` (see ``owner``), or refuses.
    private func assume(_ owner: String, database: DatabaseSession, logger: Logger) async throws {
        let state = try await database.ownership(of: owner)
        let quoted = DatabaseSession.identifier(owner)
        let databaseName = DatabaseSession.identifier(state.database)
        let giveDatabase = "ALTER DATABASE \(databaseName) OWNER TO \(quoted)"
        if state.sessionUser != owner {
            if state.isSuperuser {
                if !state.ownerExists {
                    // Another runner may create it at the same moment (roles are cluster-wide).
                    try await database.execute(
                        "DO $$ BEGIN CREATE ROLE \(quoted) LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS; "
                            + "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
                    logger.notice("created the migrator role (LOGIN CREATEROLE, no password: set one before it connects over the network)",
                                  metadata: ["role": "\(owner)"])
                }
                if state.databaseOwner != owner {
                    guard state.databaseOwnerIsSuperuser else {
                        throw MigrationError.ownerUnavailable(
                            "database \(state.database) is owned by \(state.databaseOwner), not \(owner), which must own it and the schema: "
                                + "run `\(giveDatabase)` if \(state.databaseOwner) holds nothing of the platform's, or use another database")
                    }
                    try await database.execute(giveDatabase)
                    logger.notice("the migrator role now owns the database", metadata: ["role": "\(owner)", "database": "\(state.database)"])
                }
            } else if !state.ownerExists {
                throw MigrationError.ownerUnavailable(
                    "role \(owner) does not exist, and \(state.sessionUser) is not a superuser that could create it: "
                        + "connect once as a superuser (scaffold creates the role and gives it the database), or run as one "
                        + "`CREATE ROLE \(quoted) LOGIN CREATEROLE PASSWORD '…'; \(giveDatabase)` and connect as \(owner)")
            } else if !state.isMember {
                throw MigrationError.ownerUnavailable(
                    "connected as \(state.sessionUser), which is neither \(owner) nor a member of it: connect as \(owner) "
                        + "(or as a superuser, or run `GRANT \(quoted) TO \(DatabaseSession.identifier(state.sessionUser))` as one)")
            } else if state.databaseOwner != owner {
                throw MigrationError.ownerUnavailable(
                    "database \(state.database) is owned by \(state.databaseOwner), not \(owner): run `\(giveDatabase)` as a superuser")
            }
        } else if state.databaseOwner != owner && !state.isSuperuser {
            throw MigrationError.ownerUnavailable(
                "database \(state.database) is owned by \(state.databaseOwner), not \(owner), which must own it and the schema: "
                    + "run `\(giveDatabase)` as a superuser")
        }
        try await database.execute("SET ROLE \(quoted)")
    }

    private func applyLocked(_ plan: [PreparedMigration], database: DatabaseSession, logger: Logger) async throws
        -> MigrationReport
    {
        if try await database.isSuperuser() {
            logger.warning("migrating as a superuser: the schema will be owned by it; use the migrator role")
        }
        try await database.execute(
            """
            CREATE TABLE IF NOT EXISTS \(Self.ledgerTable) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let recorded = try await database.ledger()
        let known = Dictionary(uniqueKeysWithValues: plan.map { ($0.script.version, $0) })
        let newestKnown = plan.last?.script.version ?? 0

        var mismatches: [MigrationError.ChecksumMismatch] = []
        var newer: [Int] = []
        for entry in recorded {
            if let migration = known[entry.version] {
                if migration.checksum != entry.checksum {
                    mismatches.append(
                        .init(version: entry.version, name: entry.name, recorded: entry.checksum, current: migration.checksum))
                } else if migration.script.name != entry.name {
                    logger.warning(
                        "migration was renamed since it was applied",
                        metadata: ["version": "\(entry.version)", "recorded": "\(entry.name)", "now": "\(migration.script.name)"])
                }
            } else if entry.version > newestKnown {
                newer.append(entry.version)
            } else {
                throw MigrationError.missingFromBuild(version: entry.version, name: entry.name)
            }
        }
        if !mismatches.isEmpty { throw MigrationError.checksumMismatch(mismatches) }
        if !newer.isEmpty {
            logger.warning(
                "the database has migrations newer than this build", metadata: ["versions": "\(newer)"])
        }

        let appliedVersions = Set(recorded.map(\.version))
        let pending = plan.filter { !appliedVersions.contains($0.script.version) }
        if let firstPending = pending.first, let newestApplied = recorded.map(\.version).filter({ known[$0] != nil }).max(),
            firstPending.script.version < newestApplied
        {
            throw MigrationError.outOfOrder(pending: firstPending.script.version, alreadyApplied: newestApplied)
        }

        var report = MigrationReport(
            alreadyApplied: plan.map(\.script.version).filter(appliedVersions.contains), newerInDatabase: newer)
        for migration in pending {
            let started = ContinuousClock.now
            try await applyOne(migration, database: database)
            report.applied.append(migration.script.version)
            logger.info(
                "applied migration",
                metadata: [
                    "migration": "\(migration.script.label)", "checksum": "\(migration.checksum)",
                    "statements": "\(migration.statements.count)",
                    "duration": "\(ContinuousClock.now - started)",
                ])
        }
        if pending.isEmpty {
            logger.info("database schema is up to date", metadata: ["version": "\(recorded.map(\.version).max() ?? 0)"])
        }
        return report
    }

    private func applyOne(_ migration: PreparedMigration, database: DatabaseSession) async throws {
        let script = migration.script
        func failed(_ statement: Int, _ line: Int, _ error: any Error) -> MigrationError {
            .statementFailed(
                version: script.version, name: script.name, statement: statement, line: line,
                error: PostgresErrorSummary(error))
        }
        do {
            try await database.execute("BEGIN")
        } catch {
            throw MigrationError.database(PostgresErrorSummary(error))
        }
        do {
            if let lockTimeout {
                let milliseconds = lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
                try await database.execute("SET LOCAL lock_timeout = '\(milliseconds)ms'")
            }
            for (index, statement) in migration.statements.enumerated() {
                do {
                    try await database.execute(statement.text)
                } catch {
                    throw failed(index + 1, statement.line, error)
                }
            }
            do {
                try await database.record(script, checksum: migration.checksum)
                try await database.execute("COMMIT")
            } catch {
                throw MigrationError.database(PostgresErrorSummary(error))
            }
        } catch {
            try? await database.execute("ROLLBACK")
            throw error
        }
    }
}

/// The few queries the runner itself sends, on one connection.
struct DatabaseSession {
    var connection: PostgresConnection
    var logger: Logger

    /// One ledger row.
    struct LedgerEntry {
        var version: Int
        var name: String
        var checksum: String
    }

    /// Runs one statement (no parameters) and waits for it to finish.
    func execute(_ sql: String) async throws {
        try await drain(PostgresQuery(unsafeSQL: sql))
    }

    func drain(_ query: PostgresQuery) async throws {
        let rows = try await connection.query(query, logger: logger)
        for try await _ in rows {}
    }

    /// Who is connected, and how the database and a role relate to it.
    struct Ownership {
        var sessionUser: String
        var isSuperuser: Bool
        var database: String
        var databaseOwner: String
        var databaseOwnerIsSuperuser: Bool
        var ownerExists: Bool
        var isMember: Bool
    }

    func ownership(of role: String) async throws -> Ownership {
        let rows = try await connection.query(
            """
            SELECT session_user::text, s.rolsuper, current_database()::text, o.rolname::text, o.rolsuper,
                   r.oid IS NOT NULL, r.oid IS NOT NULL AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
            FROM pg_catalog.pg_roles s
            JOIN pg_catalog.pg_database d ON d.datname = current_database()
            JOIN pg_catalog.pg_roles o ON o.oid = d.datdba
            LEFT JOIN pg_catalog.pg_roles r ON r.rolname = \(role)
            WHERE s.rolname = session_user
            """,
            logger: logger)
        for try await (user, superuser, database, owner, ownerSuper, exists, member) in rows.decode((String, Bool, String, String, Bool, Bool, Bool).self) {
            return Ownership(sessionUser: user, isSuperuser: superuser, database: database, databaseOwner: owner,
                             databaseOwnerIsSuperuser: ownerSuper, ownerExists: exists, isMember: member)
        }
        throw MigrationError.ownerUnavailable("cannot read the connected role from pg_roles")
    }

    /// A double-quoted SQL identifier.
    static func identifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    func isSuperuser() async throws -> Bool {
        let rows = try await connection.query("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user", logger: logger)
        for try await flag in rows.decode(Bool.self) { return flag }
        return false
    }

    func ledger() async throws -> [LedgerEntry] {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT version, name, checksum FROM \(MigrationRunner.ledgerTable) ORDER BY version"),
            logger: logger)
        var entries: [LedgerEntry] = []
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            entries.append(LedgerEntry(version: version, name: name, checksum: checksum))
        }
        return entries
    }

    func record(_ script: MigrationScript, checksum: String) async throws {
        let version = script.version
        let name = script.name
        var query = PostgresQuery(unsafeSQL: "INSERT INTO \(MigrationRunner.ledgerTable) (version, name, checksum) VALUES ($1, $2, $3)")
        query.binds.append(version)
        query.binds.append(name)
        query.binds.append(checksum)
        try await drain(query)
    }
}
