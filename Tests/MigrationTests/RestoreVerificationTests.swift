import Foundation
import MigrationRunner
import PostgresNIO
import Templates
import Testing
import TestSupport

extension PostgresTests {
    /// The restore drill's checks (``RestoreVerification``, the `verify.sql` its CronJob runs)
    /// on a real restore: a migrated database with two tenants' rows, dumped with `pg_dump`
    /// and restored with `pg_restore` into a fresh database, then checked with `psql` as the
    /// drill does. Then the same restore with isolation broken must fail the drill.
    @Suite("Restore drill verification")
    struct RestoreVerificationTests {
        /// A migrated, seeded database dumped and restored into a new one; returns the restored one.
        static func restoredCopy() async throws -> TestDatabase {
            let source = try await TestDatabase.fresh()
            try await TenantFixture.seed(source)
            let folder = try TemporaryDirectory(prefix: "restore-drill")
            let dump = folder.url.appendingPathComponent("platform.dump").path
            let dumped = try TestTools.run("pg_dump", ["--format=custom", "--file", dump, source.url(user: "postgres")])
            try #require(dumped.succeeded, "\(dumped.stderr)")
            let restored = try await TestDatabase.fresh(migrated: false)
            let loaded = try TestTools.run("pg_restore", ["--exit-on-error", "--dbname", restored.url(user: "postgres"), dump])
            try #require(loaded.succeeded, "\(loaded.stderr)")
            return restored
        }

        /// Runs the drill's script on a database the way its container does (`psql --no-psqlrc --file`).
        static func verify(_ database: TestDatabase) throws -> ProcessResult {
            let folder = try TemporaryDirectory(prefix: "restore-drill-script")
            let script = folder.url.appendingPathComponent("verify.sql")
            try RestoreVerification.script().write(to: script, atomically: true, encoding: .utf8)
            return try TestTools.run("psql", ["--no-psqlrc", "--file", script.path, database.url(user: "postgres")])
        }

        @Test("a faithful restore passes and reports the rows of each organization per tenant table")
        func faithfulRestorePasses() async throws {
            _ = try TestTools.require("pg_dump")
            let restored = try await Self.restoredCopy()
            let result = try Self.verify(restored)
            #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("restore drill: passed"))
            // Every isolated table is checked, and each organization's rows are counted.
            #expect(RestoreVerification.isolatedTables().count == 6)
            for table in ["app.projects", "app.chat_counters", "app.project_members", "app.chat_sessions"] {
                for organization in [TenantFixture.orgA, TenantFixture.orgB] {
                    let line = result.stdout.split(separator: "\n").first { $0.contains(table) && $0.contains(organization) }
                    #expect(line.map { $0.split(separator: "|").last?.trimmingCharacters(in: .whitespaces) } == "1",
                            "\(table) rows of \(organization): \(result.stdout)")
                }
            }
            let organizations = result.stdout.split(separator: "\n").first { $0.contains("app.organizations") && $0.contains("|") }
            #expect(organizations.map { $0.split(separator: "|").last?.trimmingCharacters(in: .whitespaces) } == "2")
        }

        @Test("the generic checks of a store without the platform's schema pass on any restored database")
        func genericChecksPass() async throws {
            _ = try TestTools.require("pg_dump")
            let restored = try await Self.restoredCopy()
            let folder = try TemporaryDirectory(prefix: "restore-drill-generic")
            let script = folder.url.appendingPathComponent("verify.sql")
            try RestoreVerification.genericScript().write(to: script, atomically: true, encoding: .utf8)
            let result = try TestTools.run("psql", ["--no-psqlrc", "--file", script.path, restored.url(user: "postgres")])
            #expect(result.succeeded, "\(result.stderr)")
            #expect(result.stdout.contains("app.projects"), "\(result.stdout)")
            #expect(result.stdout.contains("restore drill: passed"))
        }

        @Test("a restore without forced row-level security, or missing a tenant policy, fails the drill and names what broke")
        func brokenIsolationFails() async throws {
            _ = try TestTools.require("pg_dump")
            let restored = try await Self.restoredCopy()
            try await restored.withConnection(as: "postgres") { db async throws in
                try await db.run("ALTER TABLE app.projects NO FORCE ROW LEVEL SECURITY")
            }
            let unforced = try Self.verify(restored)
            #expect(!unforced.succeeded)
            #expect(unforced.stderr.contains("tenant isolation is broken in the restored database: app.projects (row-level security not forced)"),
                    "\(unforced.stderr)")
            #expect(!unforced.stdout.contains("restore drill: passed"))

            try await restored.withConnection(as: "postgres") { db async throws in
                try await db.run("ALTER TABLE app.projects FORCE ROW LEVEL SECURITY")
                try await db.run("DROP POLICY chat_counters_tenant_isolation ON app.chat_counters")
            }
            let unguarded = try Self.verify(restored)
            #expect(!unguarded.succeeded)
            #expect(unguarded.stderr.contains("tenant policies are missing in the restored database: chat_counters_tenant_isolation on app.chat_counters"),
                    "\(unguarded.stderr)")

            try await restored.withConnection(as: "postgres") { db async throws in
                try await db.run("DROP TABLE app.chat_counters")
            }
            let missing = try Self.verify(restored)
            #expect(!missing.succeeded)
            #expect(missing.stderr.contains("app.chat_counters (missing)"), "\(missing.stderr)")
        }
    }
}
