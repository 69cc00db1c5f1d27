import Foundation
import MigrationRunner
import PostgresNIO
import Templates
import Testing
import TestSupport

extension PostgresTests {
    @Suite("Migration runner")
    struct MigrationRunnerTests {
        /// Catalogue objects and ledger rows: equal snapshots mean the database did not change.
        static func schemaSnapshot(_ database: TestDatabase) async throws -> [[String?]] {
            try await database.withConnection(as: "postgres") { db async throws in
                try await db.rows(
                    """
                    SELECT 'class', count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('app', 'public')
                    UNION ALL SELECT 'policy', count(*)::text FROM pg_policy
                    UNION ALL SELECT 'proc', count(*)::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'app'
                    UNION ALL SELECT 'trigger', count(*)::text FROM pg_trigger WHERE NOT tgisinternal
                    UNION ALL SELECT 'constraint', count(*)::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'app'
                    UNION ALL SELECT 'ledger', string_agg(version || ':' || checksum || ':' || applied_at, ',' ORDER BY version) FROM public.scaffold_migrations
                    """)
            }
        }

        @Test("applies every migration once, as the migrator, recording checksums; re-running changes nothing")
        func applyThenReapply() async throws {
            let database = try await TestDatabase.fresh(migrated: false)
            let scripts = generatedScripts()
            let first = try await MigrationRunner().apply(scripts, databaseURL: database.url(), logger: testLogger)
            #expect(first.applied == scripts.map(\.version))
            #expect(first.alreadyApplied.isEmpty)

            let ledger = try await database.withConnection(as: "postgres") { db async throws in
                try await db.rows("SELECT version::text, name, checksum FROM public.scaffold_migrations ORDER BY version")
            }
            #expect(ledger == scripts.map { [String($0.version), $0.name, $0.checksum] })
            let owner = try await database.withConnection(as: "postgres") { db async throws in
                try await db.text("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'app' AND tablename = 'organizations'")
            }
            #expect(owner == DatabaseMigrations.migratorRole)

            let before = try await Self.schemaSnapshot(database)
            let second = try await MigrationRunner().apply(scripts, databaseURL: database.url(), logger: testLogger)
            #expect(second.isNoOp)
            #expect(second.alreadyApplied == scripts.map(\.version))
            #expect(try await Self.schemaSnapshot(database) == before)
        }

        @Test("a changed migration that was already applied is refused, naming version and both checksums")
        func tamperedMigrationIsRefused() async throws {
            let database = try await TestDatabase.fresh()
            var scripts = generatedScripts()
            let original = scripts[2]
            scripts[2].sql = scripts[2].sql.replacingOccurrences(of: "slot BETWEEN 1 AND 3", with: "slot BETWEEN 1 AND 4")
            #expect(scripts[2].sql != original.sql)
            let extra = MigrationScript(version: 99, name: "after_tampering", sql: "CREATE TABLE app.must_not_exist (id integer);")
            let before = try await Self.schemaSnapshot(database)
            do {
                _ = try await MigrationRunner().apply(scripts + [extra], databaseURL: database.url(), logger: testLogger)
                Issue.record("a tampered migration was accepted")
            } catch let error as MigrationError {
                #expect(
                    error
                        == .checksumMismatch([
                            .init(version: 3, name: original.name, recorded: original.checksum, current: scripts[2].checksum)
                        ]))
                let message = error.description
                #expect(message.contains("0003_chat"))
                #expect(message.contains(original.checksum))
                #expect(message.contains(scripts[2].checksum))
            }
            // Nothing was applied, not even the new migration.
            #expect(try await Self.schemaSnapshot(database) == before)
        }

        @Test("a failing migration leaves nothing behind, and applies once fixed")
        func failedMigrationRollsBack() async throws {
            let database = try await TestDatabase.fresh()
            let last = generatedScripts().count
            let broken = MigrationScript(
                version: last + 1, name: "broken",
                sql: "-- adds a table, then fails\nCREATE TABLE app.partial (id integer);\n\nSELECT 1 / 0;\n")
            do {
                _ = try await MigrationRunner().apply(generatedScripts() + [broken], databaseURL: database.url(), logger: testLogger)
                Issue.record("a failing migration succeeded")
            } catch let MigrationError.statementFailed(version, _, statement, line, error) {
                #expect(version == last + 1)
                #expect(statement == 2)
                #expect(line == 4)
                #expect(error.sqlState == "22012")
            }
            try await database.withConnection(as: "postgres") { db async throws in
                #expect(try await db.text("SELECT to_regclass('app.partial')::text") == nil)
                #expect(try await db.integer("SELECT max(version) FROM public.scaffold_migrations") == last)
            }
            var fixed = broken
            fixed.sql = "CREATE TABLE app.partial (id integer);\n"
            let report = try await MigrationRunner().apply(generatedScripts() + [fixed], databaseURL: database.url(), logger: testLogger)
            #expect(report.applied == [last + 1])
        }

        @Test("concurrent runners apply each migration exactly once")
        func concurrentRunnersAreSerialised() async throws {
            let database = try await TestDatabase.fresh(migrated: false)
            let scripts = generatedScripts()
            let url = database.url()
            let reports = try await withThrowingTaskGroup(of: MigrationReport.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await MigrationRunner().apply(scripts, databaseURL: url, logger: testLogger) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.flatMap(\.applied).sorted() == scripts.map(\.version))
            #expect(reports.filter(\.isNoOp).count == 3)
            try await database.withConnection(as: "postgres") { db async throws in
                #expect(try await db.integer("SELECT count(*) FROM public.scaffold_migrations") == scripts.count)
            }
        }

        @Test("order is enforced: a gap, a missing applied migration and a newer database")
        func orderingRules() async throws {
            let database = try await TestDatabase.fresh()
            let scripts = generatedScripts()
            let last = scripts.count
            let seven = MigrationScript(version: last + 2, name: "seven", sql: "CREATE TABLE app.seven (id integer);")
            let six = MigrationScript(version: last + 1, name: "six", sql: "CREATE TABLE app.six (id integer);")
            _ = try await MigrationRunner().apply(scripts + [seven], databaseURL: database.url(), logger: testLogger)
            await #expect(throws: MigrationError.outOfOrder(pending: last + 1, alreadyApplied: last + 2)) {
                try await MigrationRunner().apply(scripts + [six, seven], databaseURL: database.url(), logger: testLogger)
            }
            var withoutThree = scripts + [seven]
            withoutThree.remove(at: 2)
            await #expect(throws: MigrationError.missingFromBuild(version: 3, name: "chat")) {
                try await MigrationRunner().apply(withoutThree, databaseURL: database.url(), logger: testLogger)
            }
            let older = try await MigrationRunner().apply(Array(scripts.prefix(2)), databaseURL: database.url(), logger: testLogger)
            #expect(older == MigrationReport(applied: [], alreadyApplied: [1, 2], newerInDatabase: Array(3...last) + [last + 2]))
        }

        @Test("the migration files load back from disk with the same checksums")
        func filesRoundTrip() async throws {
            let folder = try TemporaryDirectory(prefix: "scaffold-migrations")
            for file in DatabaseMigrations.files() {
                let url = folder.url.appendingPathComponent(file.path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url)
            }
            let loaded = try MigrationScript.load(from: folder.url.appendingPathComponent(DatabaseMigrations.directory))
            #expect(loaded == generatedScripts())
            #expect(loaded.map(\.checksum) == generatedScripts().map(\.checksum))

            // A database migrated from the files accepts the in-memory migrations as already applied.
            let database = try await TestDatabase.fresh(migrated: false)
            _ = try await MigrationRunner().apply(loaded, databaseURL: database.url(), logger: testLogger)
            let again = try await MigrationRunner().apply(generatedScripts(), databaseURL: database.url(), logger: testLogger)
            #expect(again.isNoOp)

            try Data("SELECT 1;".utf8).write(to: folder.url.appendingPathComponent("db/migrations/0006-bad-name.sql"))
            #expect(throws: MigrationScript.LoadError.self) {
                try MigrationScript.load(from: folder.url.appendingPathComponent(DatabaseMigrations.directory))
            }
        }
    }
}
