import Foundation
import MigrationRunner
import Testing
import TestSupport

extension PostgresTests {
    /// `scaffold migrate` as an operator runs it, against a real PostgreSQL 15.
    @Suite("scaffold migrate")
    struct MigrateCommandTests {
        @Test("applies the generated migrations, re-runs as a no-op, refuses an unknown region and a missing URL")
        func migrateCommand() async throws {
            let server = try await LocalPostgres.start(options: .init(database: "cli"), logger: testLogger)
            do {
                try run(server)
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        }

        func run(_ server: LocalPostgres) throws {
            let scaffold = TestTools.scaffoldExecutable
            let galaxy = TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path

            let first = try TestTools.run(scaffold, ["migrate", galaxy, "--region", "tr"], environment: ["DATABASE_URL": server.migratorURL])
            #expect(first.succeeded, "\(first.stderr)")
            #expect(first.stdout.contains("region tr: applied migrations 1, 2, 3, 4, 5"), "\(first.stdout)")

            let again = try TestTools.run(scaffold, ["migrate", galaxy, "--region", "tr", "--database-url", server.migratorURL])
            #expect(again.succeeded && again.stdout.contains("up to date"), "\(again.stdout)\(again.stderr)")

            let unknown = try TestTools.run(scaffold, ["migrate", galaxy, "--region", "fr", "--database-url", server.migratorURL])
            #expect(unknown.status == 1 && unknown.stderr.contains("unknown region `fr`"), "\(unknown.stderr)")

            let missing = try TestTools.run(scaffold, ["migrate", galaxy, "--region", "tr"], environment: ["DATABASE_URL": ""])
            #expect(missing.status == 1)
        }
    }
}
