import Foundation
import MigrationRunner
import PostgresNIO
import Templates
import Testing
import TestSupport

/// Two tenants' worth of rows, written by the superuser (which bypasses row-level security).
enum TenantFixture {
    static let orgA = "a0000000-0000-4000-8000-00000000000a"
    static let orgB = "b0000000-0000-4000-8000-00000000000b"
    static let userA = "a0000000-0000-4000-8000-0000000000a1"
    static let userB = "b0000000-0000-4000-8000-0000000000b1"
    static let projectA = "a0000000-0000-4000-8000-0000000000a2"
    static let projectB = "b0000000-0000-4000-8000-0000000000b2"

    /// Seeds both tenants in every tenant table. A tenant table added to the schema without
    /// rows here fails the isolation proof (it cannot be attacked without rows to attack).
    static func seed(_ database: TestDatabase) async throws {
        try await database.withConnection(as: "postgres") { db async throws in
            try await db.run(
                """
                INSERT INTO app.organizations (id, operation_id, slug, display_name, home_region, status) VALUES
                    ('\(orgA)', 'op-a', 'tenant-a', 'Tenant A', 'eu-west', 'COMMITTED'),
                    ('\(orgB)', 'op-b', 'tenant-b', 'Tenant B', 'us-east', 'COMMITTED')
                """)
            try await db.run(
                "INSERT INTO app.users (id, guest_key) VALUES ('\(userA)', 'guest-0001'), ('\(userB)', 'guest-0002')")
            try await db.run(
                """
                INSERT INTO app.projects (id, org_id, slug, display_name) VALUES
                    ('\(projectA)', '\(orgA)', 'alpha', 'Alpha'), ('\(projectB)', '\(orgB)', 'beta', 'Beta')
                """)
            try await db.run(
                """
                INSERT INTO app.project_members (org_id, project_id, user_id, role) VALUES
                    ('\(orgA)', '\(projectA)', '\(userA)', 'owner'), ('\(orgB)', '\(projectB)', '\(userB)', 'owner')
                """)
            try await db.run(
                """
                INSERT INTO app.chat_sessions (org_id, project_id, user_id, slot) VALUES
                    ('\(orgA)', '\(projectA)', '\(userA)', 1), ('\(orgB)', '\(projectB)', '\(userB)', 1)
                """)
            try await db.run(
                """
                INSERT INTO app.chat_counters (org_id, project_id, action, count) VALUES
                    ('\(orgA)', '\(projectA)', 'thumbs_up', 3), ('\(orgB)', '\(projectB)', 'ready', 1)
                """)
        }
    }
}

/// Who a request claims to be: the transaction-local settings it sets.
struct RequestContext: Sendable, CustomStringConvertible {
    var description: String
    /// nil: the setting is never set in the session.
    var settings: [(String, String)]

    static let tenantA = RequestContext(
        description: "tenant A",
        settings: [
            ("app.org_id", TenantFixture.orgA), ("app.user_id", TenantFixture.userA),
            ("app.project_id", TenantFixture.projectA),
        ])
    static let tenantB = RequestContext(
        description: "tenant B",
        settings: [
            ("app.org_id", TenantFixture.orgB), ("app.user_id", TenantFixture.userB),
            ("app.project_id", TenantFixture.projectB),
        ])
    static let noTenant = RequestContext(description: "no tenant set", settings: [])
    static let emptyTenant = RequestContext(
        description: "tenant settings empty", settings: [("app.org_id", ""), ("app.user_id", ""), ("app.project_id", "")])
}

/// What one attempt did.
enum AttemptOutcome: Equatable {
    /// The statement ran; this many rows were seen or changed.
    case rows(Int)
    /// PostgreSQL refused it with this SQLSTATE.
    case refused(String?, String)
}

extension PostgresConnection {
    /// Runs `sql` (returning one integer) in its own transaction under `context`, committing
    /// when it succeeds, so a leaked write would persist and show in the final snapshot.
    func attempt(_ context: RequestContext, _ sql: String, _ binds: [String], commit: Bool = true) async -> AttemptOutcome {
        do {
            try await run("BEGIN")
            for (name, value) in context.settings {
                try await run("SELECT set_config($1, $2, true)", [name, value])
            }
            let count = try await integer(sql, binds)
            try await run(commit ? "COMMIT" : "ROLLBACK")
            return .rows(count)
        } catch {
            try? await run("ROLLBACK")
            let summary = PostgresErrorSummary(error)
            return .refused(summary.sqlState, summary.message)
        }
    }
}

extension PostgresTests {
    @Suite("Row-level security")
    struct RowLevelSecurityTests {
        static let app = DatabaseMigrations.applicationRole
        /// Platform tables: not tenant data, deliberately without row-level security.
        static let platformTables: Set<String> = [
            "app.service_configs", "app.config_history", "app.token_denylist", "public.scaffold_migrations",
        ]

        struct CatalogTable {
            var schema: String
            var name: String
            var rowSecurity: Bool
            var forced: Bool
            var hasOrgID: Bool
            var qualified: String { "\(schema).\(name)" }
            var quoted: String { "\"\(schema)\".\"\(name)\"" }
        }

        /// Every ordinary or partitioned table in the database, from the catalogue.
        static func catalogTables(_ database: TestDatabase) async throws -> [CatalogTable] {
            try await database.withConnection(as: "postgres") { db async throws in
                try await db.rows(
                    """
                    SELECT n.nspname::text, c.relname::text, c.relrowsecurity::text, c.relforcerowsecurity::text,
                           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id'
                                   AND a.attnum > 0 AND NOT a.attisdropped)::text
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                      AND n.nspname NOT LIKE 'pg_toast%'
                    ORDER BY 1, 2
                    """
                ).map {
                    CatalogTable(
                        schema: $0[0]!, name: $0[1]!, rowSecurity: $0[2] == "true", forced: $0[3] == "true",
                        hasOrgID: $0[4] == "true")
                }
            }
        }

        /// "Tenant table": one with an org_id column, or organizations, or users.
        static func isTenantTable(_ table: CatalogTable) -> Bool {
            table.hasOrgID || table.qualified == "app.organizations" || table.qualified == "app.users"
        }

        /// The column naming a row's tenant, and tenant A's and B's value of it.
        static func tenantKey(_ table: CatalogTable) -> (column: String, a: String, b: String) {
            switch table.qualified {
            case "app.organizations": return ("id", TenantFixture.orgA, TenantFixture.orgB)
            case "app.users": return ("id", TenantFixture.userA, TenantFixture.userB)
            default: return ("org_id", TenantFixture.orgA, TenantFixture.orgB)
            }
        }

        /// Problems with the catalogue's tables: a tenant table without RLS enabled and forced
        /// or without a policy for the application role, or a table that is neither a tenant
        /// table nor an allowlisted platform table.
        static func classificationProblems(_ database: TestDatabase) async throws -> [String] {
            let tables = try await Self.catalogTables(database)
            var problems: [String] = []
            for table in tables {
                if Self.isTenantTable(table) {
                    if !table.rowSecurity { problems.append("\(table.qualified): row-level security is not enabled") }
                    if !table.forced { problems.append("\(table.qualified): row-level security is not forced") }
                    let policies = try await database.withConnection(as: "postgres") { db async throws in
                        try await db.integer(
                            "SELECT count(*) FROM pg_policies WHERE schemaname = $1 AND tablename = $2 AND $3 = ANY (roles)",
                            [table.schema, table.name, Self.app])
                    }
                    if policies == 0 { problems.append("\(table.qualified): no policy for \(Self.app)") }
                } else if !Self.platformTables.contains(table.qualified) {
                    problems.append(
                        "\(table.qualified) has no org_id and is not an allowlisted platform table: give it row-level security or justify it in the allowlist"
                    )
                }
            }
            return problems
        }

        @Test("every table is a tenant table with RLS enabled and forced, or an allowlisted platform table")
        func everyTableIsClassified() async throws {
            let database = try await TestDatabase.fresh()
            #expect(try await Self.classificationProblems(database) == [])
            let tenantTables = Set(try await Self.catalogTables(database).filter(Self.isTenantTable).map(\.qualified))
            #expect(
                tenantTables
                    == [
                        "app.organizations", "app.projects", "app.users", "app.project_members", "app.chat_sessions",
                        "app.chat_counters",
                    ])
        }

        /// The outcome of attacking every tenant table.
        struct IsolationProof {
            var tables = 0
            var attempts = 0
            var refusedByPostgres = 0
            /// Attempts that saw or changed tenant A's rows.
            var leaks: [String] = []
            /// Attempts refused for another reason than privileges or RLS (they prove nothing).
            var otherRefusals: [String] = []
            /// Tables missing fixture rows, or where tenant A cannot reach its own rows.
            var setupProblems: [String] = []
            /// Tables whose content changed during the attacks.
            var changedTables: [String] = []
        }

        /// Seeds two tenants, then for every tenant table of the catalogue tries, as tenant B,
        /// with no tenant set and with empty settings, to SELECT, UPDATE, DELETE and INSERT
        /// tenant A's rows (and, as B, to move its own rows into A); each write is committed
        /// when it succeeds. Positive controls run as tenant A.
        static func attackTenantTables(_ database: TestDatabase) async throws -> IsolationProof {
            try await TenantFixture.seed(database)
            var proof = IsolationProof()
            let tables = try await Self.catalogTables(database).filter(Self.isTenantTable)

            // Per table: tenant A's rows as JSON, the first column the app may UPDATE, and a snapshot.
            struct Target {
                var table: CatalogTable
                var key: (column: String, a: String, b: String)
                var rowsOfA: [String]
                var updatableColumn: String?
            }
            var targets: [Target] = []
            let snapshotSQL = { (table: CatalogTable) in
                "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') FROM \(table.quoted) t"
            }
            var before: [String: String] = [:]
            try await database.withConnection(as: "postgres") { db async throws in
                for table in tables {
                    let key = Self.tenantKey(table)
                    let rows = try await db.rows(
                        "SELECT to_jsonb(t)::text FROM \(table.quoted) t WHERE \"\(key.column)\" = $1::uuid ORDER BY 1",
                        [key.a]
                    ).compactMap { $0[0] }
                    let ownB = try await db.integer(
                        "SELECT count(*) FROM \(table.quoted) WHERE \"\(key.column)\" = $1::uuid", [key.b])
                    if rows.isEmpty { proof.setupProblems.append("\(table.qualified): no rows of tenant A; seed it in TenantFixture") }
                    if ownB == 0 { proof.setupProblems.append("\(table.qualified): no rows of tenant B; seed it in TenantFixture") }
                    let column = try await db.text(
                        """
                        SELECT a.attname::text FROM pg_attribute a
                        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
                          AND has_column_privilege($2, a.attrelid, a.attnum, 'UPDATE')
                        ORDER BY a.attnum LIMIT 1
                        """, [table.quoted, Self.app])
                    targets.append(Target(table: table, key: key, rowsOfA: rows, updatableColumn: column))
                    before[table.qualified] = try await db.text(snapshotSQL(table))
                }
            }

            for context in [RequestContext.tenantB, .noTenant, .emptyTenant] {
                // A new session per context: "no tenant" means the settings were never set at all.
                try await database.withConnection(as: Self.app) { db async throws in
                    for target in targets {
                        let table = target.table.quoted
                        let key = "\"\(target.key.column)\""
                        let setColumn = "\"\(target.updatableColumn ?? target.key.column)\""
                        let scopedToA = context.description == RequestContext.tenantB.description
                        let filter = scopedToA ? " WHERE \(key) = $1::uuid" : ""
                        let filterBinds = scopedToA ? [target.key.a] : []
                        var tries: [(String, String, [String])] = [
                            ("SELECT", "SELECT count(*) FROM \(table)\(filter)", filterBinds),
                            (
                                "UPDATE",
                                "WITH changed AS (UPDATE \(table) SET \(setColumn) = \(setColumn)\(filter) RETURNING 1) SELECT count(*) FROM changed",
                                filterBinds
                            ),
                            (
                                "DELETE", "WITH gone AS (DELETE FROM \(table)\(filter) RETURNING 1) SELECT count(*) FROM gone",
                                filterBinds
                            ),
                        ]
                        for row in target.rowsOfA {
                            tries.append(
                                (
                                    "INSERT",
                                    "WITH added AS (INSERT INTO \(table) SELECT * FROM jsonb_populate_record(NULL::\(table), $1::jsonb) RETURNING 1) SELECT count(*) FROM added",
                                    [row]
                                ))
                        }
                        if scopedToA {
                            // Writing into another tenant: move B's own rows into tenant A.
                            tries.append(
                                (
                                    "UPDATE (re-key)",
                                    "WITH moved AS (UPDATE \(table) SET \(key) = $1::uuid WHERE \(key) = $2::uuid RETURNING 1) SELECT count(*) FROM moved",
                                    [target.key.a, target.key.b]
                                ))
                        }
                        for (operation, sql, binds) in tries {
                            proof.attempts += 1
                            let outcome = await db.attempt(context, sql, binds)
                            switch outcome {
                            case .rows(0):
                                break
                            case .rows(let count):
                                proof.leaks.append("\(context) \(operation) on \(target.table.qualified): \(count) row(s)")
                            case .refused(let state, let message):
                                proof.refusedByPostgres += 1
                                if state != "42501" {
                                    proof.otherRefusals.append(
                                        "\(context) \(operation) on \(target.table.qualified): \(state ?? "?") \(message)")
                                }
                            }
                        }
                    }
                }
            }

            // Positive control: the same statements do reach tenant A's rows as tenant A, so the
            // zeros above come from the policies, not from a broken query or setting.
            try await database.withConnection(as: Self.app) { db async throws in
                for target in targets {
                    let table = target.table.quoted
                    let key = "\"\(target.key.column)\""
                    let seen = await db.attempt(
                        .tenantA, "SELECT count(*) FROM \(table) WHERE \(key) = $1::uuid", [target.key.a], commit: false)
                    if seen != .rows(target.rowsOfA.count) {
                        proof.setupProblems.append("\(target.table.qualified): tenant A cannot see its own rows (\(seen))")
                    }
                    if let column = target.updatableColumn.map({ "\"\($0)\"" }) {
                        let changed = await db.attempt(
                            .tenantA,
                            "WITH changed AS (UPDATE \(table) SET \(column) = \(column) WHERE \(key) = $1::uuid RETURNING 1) SELECT count(*) FROM changed",
                            [target.key.a], commit: false)
                        if changed != .rows(target.rowsOfA.count) {
                            proof.setupProblems.append("\(target.table.qualified): tenant A cannot update its own rows (\(changed))")
                        }
                    }
                }
            }

            // Nothing committed by any attempt changed any tenant's data.
            try await database.withConnection(as: "postgres") { db async throws in
                for target in targets {
                    let after = try await db.text(snapshotSQL(target.table))
                    if after != before[target.table.qualified] { proof.changedTables.append(target.table.qualified) }
                }
            }

            proof.tables = targets.count
            return proof
        }

        @Test("tenant B and requests without a tenant can neither see nor change tenant A's rows")
        func crossTenantAttemptsAllFail() async throws {
            let proof = try await Self.attackTenantTables(try await TestDatabase.fresh())
            print(
                "row-level security proof: \(proof.tables) tenant tables, \(proof.attempts) cross-tenant attempts, \(proof.leaks.count) leaked (\(proof.refusedByPostgres) refused by PostgreSQL, \(proof.attempts - proof.refusedByPostgres - proof.leaks.count) saw or changed nothing)"
            )
            #expect(proof.tables == 6)
            #expect(proof.attempts >= proof.tables * 13)
            #expect(proof.leaks == [])
            #expect(proof.otherRefusals == [])
            #expect(proof.setupProblems == [])
            #expect(proof.changedTables == [])
        }

        @Test("the proof catches a leaky policy and an unprotected table")
        func proofDetectsSabotage() async throws {
            let database = try await TestDatabase.fresh()
            let sabotage = MigrationScript(
                version: 90, name: "sabotage",
                sql: """
                    CREATE POLICY chat_counters_everyone ON app.chat_counters FOR SELECT TO scaffold_app USING (true);
                    CREATE TABLE app.notes (org_id uuid, note text);
                    GRANT SELECT ON app.notes TO scaffold_app;
                    """)
            _ = try await MigrationRunner().apply(generatedScripts() + [sabotage], databaseURL: database.url(), logger: testLogger)
            let problems = try await Self.classificationProblems(database)
            #expect(problems.contains("app.notes: row-level security is not enabled"))
            #expect(problems.contains("app.notes: no policy for scaffold_app"))
            let proof = try await Self.attackTenantTables(database)
            #expect(proof.leaks.contains { $0.hasPrefix("tenant B SELECT on app.chat_counters") })
            #expect(proof.leaks.contains { $0.hasPrefix("no tenant set SELECT on app.chat_counters") })
            #expect(proof.setupProblems.contains { $0.hasPrefix("app.notes: no rows of tenant A") })
        }

        @Test("inside one organization a user sees only their own chat sessions")
        func chatSessionsArePerUser() async throws {
            let database = try await TestDatabase.fresh()
            try await TenantFixture.seed(database)
            try await database.withConnection(as: "postgres") { db async throws in
                try await db.run(
                    "INSERT INTO app.project_members (org_id, project_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3::uuid, 'member')",
                    [TenantFixture.orgA, TenantFixture.projectA, TenantFixture.userB])
            }
            let colleague = RequestContext(
                description: "user B in organization A",
                settings: [("app.org_id", TenantFixture.orgA), ("app.user_id", TenantFixture.userB)])
            try await database.withConnection(as: Self.app) { db async throws in
                let seen = await db.attempt(
                    colleague, "SELECT count(*) FROM app.chat_sessions WHERE user_id = $1::uuid", [TenantFixture.userA])
                #expect(seen == .rows(0))
                let closed = await db.attempt(
                    colleague,
                    "WITH c AS (UPDATE app.chat_sessions SET closed_at = now() WHERE user_id = $1::uuid RETURNING 1) SELECT count(*) FROM c",
                    [TenantFixture.userA])
                #expect(closed == .rows(0))
                let forged = await db.attempt(
                    colleague,
                    "WITH c AS (INSERT INTO app.chat_sessions (org_id, project_id, user_id, slot) VALUES ($1::uuid, $2::uuid, $3::uuid, 2) RETURNING 1) SELECT count(*) FROM c",
                    [TenantFixture.orgA, TenantFixture.projectA, TenantFixture.userA])
                guard case .refused("42501", _) = forged else {
                    Issue.record("opening a chat for another user was not refused: \(forged)")
                    return
                }
                // Project data of the organization is shared: B sees the project and its members.
                #expect(await db.attempt(colleague, "SELECT count(*) FROM app.project_members", []) == .rows(2))
                // Co-members see each other's guest key (not any other user's).
                #expect(await db.attempt(colleague, "SELECT count(*) FROM app.users", []) == .rows(2))
                #expect(await db.attempt(.tenantB, "SELECT count(*) FROM app.users WHERE id = $1::uuid", [TenantFixture.userA]) == .rows(0))
            }
        }

        @Test("a setting made with set_config(..., true) ends with its transaction")
        func settingsAreTransactionLocal() async throws {
            let database = try await TestDatabase.fresh()
            try await TenantFixture.seed(database)
            try await database.withConnection(as: Self.app) { db async throws in
                #expect(await db.attempt(.tenantA, "SELECT count(*) FROM app.projects", []) == .rows(1))
                // Same session, next transaction, nothing set: the setting reads '' and matches nothing.
                #expect(await db.attempt(.noTenant, "SELECT count(*) FROM app.projects", []) == .rows(0))
                #expect(await db.attempt(.noTenant, "SELECT count(*) FROM app.organizations", []) == .rows(0))
            }
        }
    }
}
