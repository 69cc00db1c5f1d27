import Foundation
import MigrationRunner
import PostgresNIO
import Templates
import Testing
import TestSupport

/// Every suite that needs PostgreSQL is nested in this one: the trait starts a single server
/// (with `LocalPostgres`) for all of them and stops it at the end, and each test takes a
/// fresh database on it, so tests stay independent and can run in parallel.
@Suite(
    .enabled(if: PostgresAvailability.toolsPresentOrCI, "PostgreSQL server binaries (initdb, pg_ctl) are not installed"),
    .sharedPostgres
)
struct PostgresTests {}

enum PostgresAvailability {
    /// Under CI a missing PostgreSQL is a failure (the trait's start throws), never a skip.
    static let toolsPresentOrCI: Bool = {
        if TestTools.isCI { return true }
        return ((try? TestTools.require("initdb")) ?? false) && ((try? TestTools.require("pg_ctl")) ?? false)
    }()
}

/// The server shared by the suites nested in `PostgresTests`.
enum SharedPostgres {
    @TaskLocal static var server: LocalPostgres?

    static func current() throws -> LocalPostgres {
        guard let server else {
            throw LocalPostgres.LaunchError(description: "no shared PostgreSQL: nest the suite in PostgresTests")
        }
        return server
    }
}

/// Starts one PostgreSQL around a suite (and everything nested in it).
struct SharedPostgresTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        if SharedPostgres.server != nil { return try await function() }
        _ = try TestTools.require("initdb")
        _ = try TestTools.require("pg_ctl")
        let server = try await LocalPostgres.start(logger: testLogger)
        do {
            try await SharedPostgres.$server.withValue(server) { try await function() }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}

extension Trait where Self == SharedPostgresTrait {
    /// One PostgreSQL server for the suite.
    static var sharedPostgres: Self { SharedPostgresTrait() }
}

/// Quiet logger for tests: warnings and errors only.
let testLogger: Logger = {
    var logger = Logger(label: "scaffold.migration-tests")
    logger.logLevel = .warning
    return logger
}()

extension MigrationScript {
    /// The runner's view of a generated migration.
    init(_ migration: Migration) {
        self.init(version: migration.version, name: migration.name, sql: migration.sql)
    }
}

/// The generated schema, as the runner takes it.
func generatedScripts() -> [MigrationScript] {
    DatabaseMigrations.migrations().map(MigrationScript.init)
}

/// A fresh database on the shared server.
struct TestDatabase: Sendable {
    let server: LocalPostgres
    let name: String

    /// Creates an empty database owned by the migrator and, when `migrated`, applies the
    /// generated migrations to it as the migrator.
    static func fresh(migrated: Bool = true) async throws -> TestDatabase {
        let server = try SharedPostgres.current()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await server.createDatabase(String(name), logger: testLogger)
        let database = TestDatabase(server: server, name: String(name))
        if migrated {
            _ = try await MigrationRunner().apply(generatedScripts(), databaseURL: database.url(), logger: testLogger)
        }
        return database
    }

    /// The URL for `user` (default: the migrator) on this database.
    func url(user: String? = nil) -> String {
        server.url(user: user, database: name)
    }

    /// Runs `body` on a connection as `user` ("postgres" is the superuser, which bypasses RLS).
    func withConnection<Result: Sendable>(
        as user: String, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: server.configuration(user: user, database: name), id: 1, logger: testLogger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// Small query helpers for tests (PostgresNIO binds everything as parameters).
extension PostgresConnection {
    /// Runs a statement and discards its rows.
    func run(_ sql: String, _ binds: [String] = []) async throws {
        let rows = try await query(Self.query(sql, binds), logger: testLogger)
        for try await _ in rows {}
    }

    /// The single integer (e.g. `count(*)`) a query returns.
    func integer(_ sql: String, _ binds: [String] = []) async throws -> Int {
        let rows = try await query(Self.query(sql, binds), logger: testLogger)
        for try await value in rows.decode(Int.self) { return value }
        throw LocalPostgres.LaunchError(description: "no row from: \(sql)")
    }

    /// The single text value a query returns (NULL gives nil).
    func text(_ sql: String, _ binds: [String] = []) async throws -> String? {
        let rows = try await query(Self.query(sql, binds), logger: testLogger)
        for try await value in rows.decode(String?.self) { return value }
        return nil
    }

    /// Every row's columns as text.
    func rows(_ sql: String, _ binds: [String] = []) async throws -> [[String?]] {
        let result = try await query(Self.query(sql, binds), logger: testLogger)
        var rows: [[String?]] = []
        for try await row in result {
            rows.append(try row.map { cell in try cell.decode(String?.self) })
        }
        return rows
    }

    static func query(_ sql: String, _ binds: [String]) -> PostgresQuery {
        var query = PostgresQuery(unsafeSQL: sql)
        for bind in binds { query.binds.append(bind) }
        return query
    }
}

/// The SQLSTATE of a thrown database error, if it is one.
func sqlState(_ error: any Error) -> String? {
    PostgresErrorSummary(error).sqlState
}
