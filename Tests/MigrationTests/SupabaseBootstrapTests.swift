import BlueprintModel
import Foundation
import MigrationRunner
import PostgresNIO
import Templates
import Testing
import TestSupport

extension PostgresTests {
    /// The SQL harbor's Supabase store runs after its first `initdb` (CloudNativePG's
    /// `postInitSQL`, as the superuser in `postgres`), on a real server: it runs (twice:
    /// an operator may replay it on an existing store), and leaves each admin owning the
    /// schema its service migrates into, and no other.
    @Suite("Supabase's store bootstrap")
    struct SupabaseBootstrapTests {
        @Test func postInitSQLMakesTheSchemasSupabasesServicesMigrate() async throws {
            let loaded = try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/harbor/harbor.yaml").path)
            let context = try #require(ClusterContext.all(loaded).first { $0.scope.name == "production-ch" })
            let store = try #require(context.dataStore("identity"))
            let statements = Supabase.postInitSQL(store, context)
            #expect(!statements.isEmpty)
            #expect(Supabase.postInitSQL(try #require(context.dataStore("records")), context).isEmpty)

            let server = try await LocalPostgres.start(options: .init(database: "bootstrap"), logger: testLogger)
            do {
                try await server.asSuperuser(logger: testLogger) { db async throws in
                    for _ in 0..<2 {
                        for statement in statements {
                            do {
                                try await db.query(PostgresQuery(unsafeSQL: statement), logger: testLogger)
                            } catch {
                                Issue.record("\(statement): \(PostgresErrorSummary(error))")
                                throw error
                            }
                        }
                    }
                    #expect(try await db.rows("""
                        SELECT nspname::text, pg_get_userbyid(nspowner)::text FROM pg_namespace
                        WHERE nspname IN ('auth', 'storage', '_realtime', 'extensions') ORDER BY 1
                        """) == [["_realtime", "supabase_admin"], ["auth", "supabase_auth_admin"],
                                 ["extensions", "supabase_admin"], ["storage", "supabase_storage_admin"]])
                    #expect(try await db.integer("SELECT count(*)::int FROM pg_roles WHERE rolname = ANY($1::text[])",
                                                 ["{\((Supabase.loginRoles + Supabase.apiRoles).joined(separator: ","))}"])
                            == Supabase.loginRoles.count + Supabase.apiRoles.count)
                    // Auth's first migration, in short: its admin creates its tables with the extensions.
                    try await db.query("SET ROLE supabase_auth_admin", logger: testLogger)
                    try await db.query(PostgresQuery(unsafeSQL: "CREATE TABLE auth.users (id uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(), secret text DEFAULT extensions.gen_random_uuid()::text)"), logger: testLogger)
                    try await db.query("RESET ROLE", logger: testLogger)
                    // Storage's admin cannot write into Auth's schema.
                    try await db.query("SET ROLE supabase_storage_admin", logger: testLogger)
                    await #expect(throws: (any Error).self) {
                        try await db.query(PostgresQuery(unsafeSQL: "CREATE TABLE auth.objects (id int)"), logger: testLogger)
                    }
                    try await db.query("RESET ROLE", logger: testLogger)
                }
            } catch {
                try? await server.stop()
                Issue.record("\(PostgresErrorSummary(error))")
                throw error
            }
            try await server.stop()
        }
    }
}
