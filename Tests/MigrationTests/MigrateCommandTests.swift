import Foundation
import MigrationRunner
import PostgresNIO
import Yams
import Templates
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

extension PostgresTests {
    /// `scaffold migrate` on a server nobody prepared, and as the roles the generated
    /// CloudNativePG cluster creates.
    @Suite("scaffold migrate on a fresh server")
    struct MigrateFreshServerTests {
        static let migrator = "scaffold_migrator"
        static let allVersions = DatabaseMigrations.migrations().map { String($0.version) }.joined(separator: ", ")

        @Test("a superuser sets up the migrator; any other role is refused with the fix; the CloudNativePG roles migrate")
        func freshServer() async throws {
            // The server's own bootstrap role is not the migrator: scaffold_migrator does not exist yet.
            let server = try await LocalPostgres.start(options: .init(database: "bootstrap", migratorRole: "bootstrap_owner"), logger: testLogger)
            do {
                try await run(server)
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        }

        func scalar(_ server: LocalPostgres, _ database: String, _ sql: String) async throws -> String {
            try await server.asSuperuser(database: database, logger: testLogger) { connection in
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: testLogger)
                for try await value in rows.decode(String?.self) { return value ?? "NULL" }
                return "no row"
            }
        }

        func migrate(_ server: LocalPostgres, user: String, database: String) throws -> ProcessResult {
            let galaxy = TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path
            return try TestTools.run(TestTools.scaffoldExecutable, ["migrate", galaxy, "--region", "tr"],
                                     environment: ["DATABASE_URL": server.url(user: user, database: database)])
        }

        /// The SQL CloudNativePG's managed-role reconciliation runs for the generated roles
        /// (attributes as `CREATE ROLE … ` / `ALTER ROLE …` keywords, a password from the Secret).
        static func managedRoleSQL(valuesFile: String) throws -> [String] {
            let text = try String(contentsOf: TestTools.packageRoot.appendingPathComponent(valuesFile), encoding: .utf8)
            let values = try #require(try Yams.load(yaml: text) as? [String: Any])
            let roles = try #require((values["cluster"] as? [String: Any])?["roles"] as? [[String: Any]])
            return roles.flatMap { role -> [String] in
                let name = role["name"] as? String ?? ""
                let flags: [(String, String)] = [("login", "LOGIN"), ("inherit", "INHERIT"), ("superuser", "SUPERUSER"), ("createdb", "CREATEDB"),
                                                 ("createrole", "CREATEROLE"), ("replication", "REPLICATION"), ("bypassrls", "BYPASSRLS")]
                let attributes = flags.compactMap { key, keyword in (role[key] as? Bool).map { $0 ? keyword : "NO\(keyword)" } }
                return [
                    "DO $$ BEGIN CREATE ROLE \"\(name)\"; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                    "ALTER ROLE \"\(name)\" \(attributes.joined(separator: " ")) PASSWORD 'from-the-secret-store'",
                ]
            }
        }

        func run(_ server: LocalPostgres) async throws {
            // 1. A role that is neither the migrator nor a superuser: refused, naming the role and
            //    the statements that create it, with nothing written.
            let refused = try migrate(server, user: "bootstrap_owner", database: "bootstrap")
            #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("role scaffold_migrator does not exist"), "\(refused.stderr)")
            #expect(refused.stderr.contains("CREATE ROLE \"scaffold_migrator\" LOGIN CREATEROLE"), "\(refused.stderr)")
            #expect(try await scalar(server, "bootstrap", "SELECT to_regclass('public.scaffold_migrations')::text") == "NULL")
            #expect(try await scalar(server, "postgres", "SELECT count(*)::text FROM pg_roles WHERE rolname = '\(Self.migrator)'") == "0")

            // 2. A superuser on a fresh database: creates the migrator, gives it the database,
            //    and migrates as it, so the schema belongs to the migrator, not the superuser.
            try await server.createDatabase("fresh", owner: "postgres", logger: testLogger)
            let setUp = try migrate(server, user: "postgres", database: "fresh")
            #expect(setUp.succeeded, "\(setUp.stderr)")
            #expect(setUp.stdout.contains("region tr: applied migrations \(Self.allVersions)"), "\(setUp.stdout)")
            #expect(try await scalar(server, "fresh", "SELECT datdba::regrole::text FROM pg_database WHERE datname = 'fresh'") == Self.migrator)
            #expect(try await scalar(server, "fresh", "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'app'") == Self.migrator)
            #expect(try await scalar(server, "fresh", "SELECT tableowner::text FROM pg_tables WHERE schemaname = 'public' AND tablename = 'scaffold_migrations'") == Self.migrator)
            #expect(try await scalar(server, "fresh", "SELECT rolcreaterole::text FROM pg_roles WHERE rolname = '\(Self.migrator)'") == "true")
            #expect(try await scalar(server, "fresh", "SELECT rolbypassrls::text FROM pg_roles WHERE rolname = 'scaffold_app'") == "false")
            let again = try migrate(server, user: "postgres", database: "fresh")
            #expect(again.succeeded && again.stdout.contains("up to date"), "\(again.stdout)\(again.stderr)")

            // A database another ordinary role owns is not taken from it.
            try await server.createDatabase("theirs", owner: "bootstrap_owner", logger: testLogger)
            let theirs = try migrate(server, user: "postgres", database: "theirs")
            #expect(theirs.status == 1 && theirs.stderr.contains("database theirs is owned by bootstrap_owner"), "\(theirs.stderr)")

            // 3. As CloudNativePG sets it up from the generated values: initdb makes the migrator
            //    own the database, the managed roles set both roles' attributes and passwords;
            //    the migrator, no superuser, then runs the same migrations.
            try await server.createDatabase("cnpg", owner: Self.migrator, logger: testLogger)
            try await server.asSuperuser(database: "cnpg", logger: testLogger) { connection in
                for statement in try Self.managedRoleSQL(valuesFile: "Tests/Golden/galaxy/ops/cluster/data/staging-tr/values/data-postgres.yaml") {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: testLogger)
                }
            }
            let cnpg = try migrate(server, user: Self.migrator, database: "cnpg")
            #expect(cnpg.succeeded, "\(cnpg.stderr)")
            #expect(cnpg.stdout.contains("region tr: applied migrations \(Self.allVersions)"), "\(cnpg.stdout)")
            #expect(try await scalar(server, "cnpg", "SELECT rolinherit::text || ' ' || rolbypassrls::text || ' ' || rolsuper::text FROM pg_roles WHERE rolname = 'scaffold_app'") == "false false false")
            #expect(try await scalar(server, "cnpg", "SELECT (rolpassword IS NOT NULL)::text FROM pg_authid WHERE rolname = 'scaffold_app'") == "true")
            // Row-level security still binds the application role there.
            #expect(try await scalar(server, "cnpg", "SELECT bool_and(relforcerowsecurity)::text FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind = 'r' AND relrowsecurity") == "true")
        }
    }
}
