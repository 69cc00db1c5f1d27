import Foundation
import MigrationRunner
import PostgresNIO
import Templates
import Testing
import TestSupport

extension PostgresTests {
    @Suite("Schema contract")
    struct SchemaContractTests {
        static let app = DatabaseMigrations.applicationRole
        static let migrator = DatabaseMigrations.migratorRole

        @Test("the application role owns nothing, cannot bypass RLS and cannot change the schema")
        func applicationRoleIsPowerless() async throws {
            let database = try await TestDatabase.fresh()
            try await database.withConnection(as: "postgres") { db async throws in
                let attributes = try await db.rows(
                    """
                    SELECT rolsuper::text, rolbypassrls::text, rolinherit::text, rolcreaterole::text,
                           rolcreatedb::text, rolreplication::text
                    FROM pg_roles WHERE rolname = $1
                    """, [Self.app])
                #expect(attributes == [["false", "false", "false", "false", "false", "false"]])
                #expect(
                    try await db.integer(
                        "SELECT count(*) FROM pg_shdepend WHERE refobjid = $1::regrole AND deptype = 'o'", [Self.app]) == 0)
                #expect(try await db.integer("SELECT count(*) FROM pg_auth_members WHERE member = $1::regrole", [Self.app]) == 0)
                #expect(try await db.text("SELECT has_schema_privilege($1, 'app', 'CREATE')::text", [Self.app]) == "false")
                #expect(try await db.text("SELECT has_schema_privilege($1, 'public', 'CREATE')::text", [Self.app]) == "false")
                #expect(
                    try await db.text(
                        "SELECT has_table_privilege($1, 'public.scaffold_migrations', 'SELECT, INSERT, UPDATE, DELETE')::text",
                        [Self.app]) == "false")
                // Everything in the schema belongs to the migrator.
                #expect(
                    try await db.integer(
                        """
                        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'app' AND pg_get_userbyid(c.relowner) <> $1
                        """, [Self.migrator]) == 0)
                #expect(
                    try await db.integer(
                        """
                        SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = 'app' AND pg_get_userbyid(p.proowner) <> $1
                        """, [Self.migrator]) == 0)
                #expect(try await db.text("SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = 'app'") == Self.migrator)
            }
            try await database.withConnection(as: Self.app) { db async throws in
                // With row_security off, a role that cannot bypass RLS gets an error, not all rows.
                try await db.run("SET row_security = off")
                await #expect(throws: (any Error).self) { try await db.run("SELECT count(*) FROM app.projects") }
                try await db.run("RESET row_security")
                for statement in [
                    "ALTER TABLE app.projects DISABLE ROW LEVEL SECURITY",
                    "ALTER TABLE app.projects NO FORCE ROW LEVEL SECURITY",
                    "DROP POLICY projects_tenant_isolation ON app.projects",
                    "CREATE TABLE app.notes (body text)",
                    "SET ROLE \(Self.migrator)",
                ] {
                    do {
                        try await db.run(statement)
                        Issue.record("the application role could run: \(statement)")
                    } catch {
                        #expect(sqlState(error) == "42501", "\(statement): \(PostgresErrorSummary(error))")
                    }
                }
            }
        }

        /// Text-like columns and why each cannot hold a message. A new text column fails the
        /// test until it is bounded by a CHECK and justified here.
        static let boundedTextColumns: [String: String] = [
            "organizations.operation_id": "machine key pattern, at most 128 characters",
            "organizations.slug": "slug pattern, at most 63 characters",
            "organizations.display_name": "administrator-chosen name, 1 to 64 characters, no control characters",
            "organizations.home_region": "region name pattern",
            "organizations.status": "one of three states",
            "organizations.failure_reason": "snake_case code",
            "projects.slug": "slug pattern",
            "projects.display_name": "administrator-chosen name, 1 to 64 characters",
            "users.guest_key": "guest-NNNN",
            "project_members.role": "owner or member",
            "chat_counters.action": "one of the canned actions",
            "service_configs.key": "configuration key pattern",
            "service_configs.value": "platform configuration JSON (not tenant data), at most 64 KiB",
            "config_history.key": "configuration key pattern",
            "config_history.value": "copy of service_configs.value, at most 64 KiB",
            "token_denylist.jti": "token id pattern",
        ]

        @Test("no table or column can hold a message: every text column is bounded and allowlisted")
        func noFreeText() async throws {
            let database = try await TestDatabase.fresh()
            try await database.withConnection(as: "postgres") { db async throws in
                let tables = try await db.rows(
                    """
                    SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1
                    """
                ).compactMap { $0[0] }
                for table in tables {
                    #expect(
                        table.range(of: "message|comment|note|body|content|transcript", options: .regularExpression) == nil,
                        "table app.\(table) looks like message storage")
                }
                let columns = try await db.rows(
                    """
                    SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                           EXISTS (SELECT 1 FROM pg_constraint k
                                   WHERE k.conrelid = c.oid AND k.contype = 'c' AND a.attnum = ANY (k.conkey))::text
                    FROM pg_attribute a
                    JOIN pg_class c ON c.oid = a.attrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_type t ON t.oid = a.atttypid
                    WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
                      AND (t.typcategory IN ('S', 'A', 'C') OR t.typtype = 'd'
                           OR t.typname IN ('json', 'jsonb', 'bytea', 'xml'))
                    ORDER BY 1, 2
                    """)
                #expect(columns.count == Self.boundedTextColumns.count)
                for column in columns {
                    let name = "\(column[0]!).\(column[1]!)"
                    #expect(
                        Self.boundedTextColumns[name] != nil,
                        "app.\(name) (\(column[2] ?? "?")) could hold free text: bound it with a CHECK and allowlist it here")
                    #expect(column[3] == "true", "app.\(name) has no CHECK constraint bounding it")
                }
            }
            // The bounds are real: a message-sized display name is refused.
            try await database.withConnection(as: "postgres") { db async throws in
                do {
                    try await db.run(
                        "INSERT INTO app.organizations (id, operation_id, slug, display_name, home_region) VALUES (gen_random_uuid(), 'op-long', 'long', repeat('x', 65), 'eu-west')"
                    )
                    Issue.record("a 65-character display name was accepted")
                } catch {
                    #expect(sqlState(error) == "23514")
                }
            }
        }

        @Test("at most three active chats per user and project, under 20 concurrent opens")
        func chatCapUnderConcurrency() async throws {
            let database = try await TestDatabase.fresh()
            try await TenantFixture.seed(database)
            let project = "a0000000-0000-4000-8000-0000000000c1"
            let rawProject = "a0000000-0000-4000-8000-0000000000c2"
            try await database.withConnection(as: "postgres") { db async throws in
                for (id, slug) in [(project, "gamma"), (rawProject, "delta")] {
                    try await db.run(
                        "INSERT INTO app.projects (id, org_id, slug, display_name) VALUES ($1::uuid, $2::uuid, $3, $3)",
                        [id, TenantFixture.orgA, slug])
                    try await db.run(
                        "INSERT INTO app.project_members (org_id, project_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3::uuid, 'owner')",
                        [TenantFixture.orgA, id, TenantFixture.userA])
                }
            }

            // 20 sessions of user A, all connected first, then all opening at once.
            let configuration = database.server.configuration(user: Self.app, database: database.name)
            let connections = try await withThrowingTaskGroup(of: PostgresConnection.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await PostgresConnection.connect(configuration: configuration, id: 100 + index, logger: testLogger)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            let opened = await withTaskGroup(of: AttemptOutcome.self) { group in
                for connection in connections {
                    group.addTask {
                        await connection.attempt(
                            .tenantA, "SELECT count(*) FROM app.open_chat_session($1::uuid, NULL) AS s(id) WHERE id IS NOT NULL",
                            [project])
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(opened.filter { $0 == .rows(1) }.count == 3, "open_chat_session results: \(opened)")
            #expect(opened.filter { $0 == .rows(0) }.count == 17, "open_chat_session results: \(opened)")

            // The same race with raw INSERTs choosing slots themselves: the index alone holds the cap.
            let inserted = await withTaskGroup(of: AttemptOutcome.self) { group in
                for (index, connection) in connections.enumerated() {
                    group.addTask {
                        await connection.attempt(
                            .tenantA,
                            "WITH s AS (INSERT INTO app.chat_sessions (org_id, project_id, user_id, slot) VALUES ($1::uuid, $2::uuid, $3::uuid, $4::smallint) RETURNING 1) SELECT count(*) FROM s",
                            [TenantFixture.orgA, rawProject, TenantFixture.userA, String(index % 3 + 1)])
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for connection in connections { try? await connection.close() }
            #expect(inserted.filter { $0 == .rows(1) }.count == 3, "raw insert results: \(inserted)")
            #expect(inserted.filter { if case .refused("23505", _) = $0 { true } else { false } }.count == 17)

            try await database.withConnection(as: "postgres") { db async throws in
                for id in [project, rawProject] {
                    let slots = try await db.rows(
                        "SELECT slot::text FROM app.chat_sessions WHERE project_id = $1::uuid AND closed_at IS NULL ORDER BY slot",
                        [id])
                    #expect(slots == [["1"], ["2"], ["3"]])
                }
            }

            try await database.withConnection(as: Self.app) { db async throws in
                // A fourth slot does not exist.
                let fourth = await db.attempt(
                    .tenantA,
                    "WITH s AS (INSERT INTO app.chat_sessions (org_id, project_id, user_id, slot) VALUES ($1::uuid, $2::uuid, $3::uuid, 4) RETURNING 1) SELECT count(*) FROM s",
                    [TenantFixture.orgA, project, TenantFixture.userA])
                guard case .refused("23514", _) = fourth else {
                    Issue.record("slot 4 was not refused: \(fourth)")
                    return
                }
                // Closing the oldest session frees its slot for the next open.
                let closed = await db.attempt(
                    .tenantA,
                    """
                    WITH c AS (
                        UPDATE app.chat_sessions SET closed_at = now()
                        WHERE id = (SELECT id FROM app.chat_sessions WHERE project_id = $1::uuid AND closed_at IS NULL
                                    ORDER BY opened_at, slot LIMIT 1)
                        RETURNING 1)
                    SELECT count(*) FROM c
                    """, [project])
                #expect(closed == .rows(1))
                let reopened = await db.attempt(
                    .tenantA, "SELECT count(*) FROM app.open_chat_session($1::uuid, NULL) AS s(id) WHERE id IS NOT NULL",
                    [project])
                #expect(reopened == .rows(1))
                // Without a tenant the function refuses rather than opening anything.
                let anonymous = await db.attempt(.noTenant, "SELECT count(*) FROM app.open_chat_session($1::uuid, NULL)", [project])
                guard case .refused("42501", _) = anonymous else {
                    Issue.record("open_chat_session without a tenant was not refused: \(anonymous)")
                    return
                }
            }
        }

        @Test("config_history refuses UPDATE, DELETE and TRUNCATE, even from its owner and the superuser")
        func configHistoryIsAppendOnly() async throws {
            let database = try await TestDatabase.fresh()
            try await database.withConnection(as: Self.app) { db async throws in
                try await db.run("INSERT INTO app.service_configs (key, value, version) VALUES ('chat.max_active', '3', 1)")
                for statement in ["UPDATE app.config_history SET version = 9", "DELETE FROM app.config_history"] {
                    await #expect(throws: (any Error).self, "the application role could run \(statement)") {
                        try await db.run(statement)
                    }
                }
            }
            for role in [Self.migrator, "postgres"] {
                try await database.withConnection(as: role) { db async throws in
                    for statement in [
                        "UPDATE app.config_history SET version = 9", "DELETE FROM app.config_history",
                        "TRUNCATE app.config_history",
                    ] {
                        do {
                            try await db.run(statement)
                            Issue.record("\(role) could run \(statement)")
                        } catch {
                            #expect(PostgresErrorSummary(error).message.contains("append-only"), "\(role): \(PostgresErrorSummary(error))")
                        }
                    }
                }
            }
            try await database.withConnection(as: "postgres") { db async throws in
                #expect(try await db.integer("SELECT count(*) FROM app.config_history") == 1)
            }
        }

        @Test("service_configs versions only increase; each change is recorded and announced with key and version only")
        func serviceConfigVersionsAreMonotonic() async throws {
            let database = try await TestDatabase.fresh()
            let configuration = database.server.configuration(user: Self.app, database: database.name)
            try await database.withConnection(as: Self.app) { db async throws in
                try await db.run("INSERT INTO app.service_configs (key, value, version) VALUES ('features.dark_mode', 'false', 1)")
                try await db.run("UPDATE app.service_configs SET value = 'true', version = 2 WHERE key = 'features.dark_mode'")
                for (value, version) in [("false", "2"), ("false", "1")] {
                    do {
                        try await db.run(
                            "UPDATE app.service_configs SET value = $1::jsonb, version = $2::bigint WHERE key = 'features.dark_mode'",
                            [value, version])
                        Issue.record("version \(version) after 2 was accepted")
                    } catch {
                        #expect(sqlState(error) == "23514", "\(PostgresErrorSummary(error))")
                    }
                }
                await #expect(throws: (any Error).self) {
                    try await db.run("INSERT INTO app.service_configs (key, value, version) VALUES ('zero', '1', 0)")
                }
                // The upsert the service uses: version + 1.
                try await db.run(
                    """
                    INSERT INTO app.service_configs (key, value, version) VALUES ('features.dark_mode', 'false', 1)
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = app.service_configs.version + 1
                    """)
                let history = try await db.rows(
                    "SELECT version::text, value::text FROM app.config_history WHERE key = 'features.dark_mode' ORDER BY version")
                #expect(history == [["1", "false"], ["2", "true"], ["3", "false"]])
            }

            // LISTEN on one connection, change on another: the payload names key and version only.
            let listener = try await PostgresConnection.connect(configuration: configuration, id: 7, logger: testLogger)
            let writer = try await PostgresConnection.connect(configuration: configuration, id: 8, logger: testLogger)
            let payload: String? = try await listener.listen(on: "config_changed") { notifications in
                try await writer.run(
                    "UPDATE app.service_configs SET value = '{\"secret\": \"not-in-payload\"}', version = 4 WHERE key = 'features.dark_mode'")
                for try await notification in notifications { return notification.payload }
                return nil
            }
            try? await listener.close()
            try? await writer.close()
            let object = try JSONSerialization.jsonObject(with: Data((payload ?? "").utf8)) as? [String: Any]
            #expect(object?.keys.sorted() == ["key", "version"], "payload: \(payload ?? "none")")
            #expect(object?["key"] as? String == "features.dark_mode")
            #expect((object?["version"] as? NSNumber)?.intValue == 4)
            #expect(payload?.contains("not-in-payload") == false)
        }

        @Test("organizations are created idempotently from the operation id and only leave PENDING once")
        func organizationCreationIsIdempotent() async throws {
            let database = try await TestDatabase.fresh()
            try await database.withConnection(as: Self.app) { db async throws in
                #expect(try await db.text("SELECT app.uuid_from_key('op-1')::text") == "71a0ef71-95df-8865-83f6-3f0cb1dff83e")
                #expect(try await db.text("SELECT app.uuid_from_key('guest-0001')::text") == "cad5ddab-0ec5-8641-af5e-0f0b339d0d98")
                let tenant = RequestContext(
                    description: "creator", settings: [("app.org_id", "71a0ef71-95df-8865-83f6-3f0cb1dff83e")])
                // A retried request inserts nothing the second time and finds the same row.
                for expected in [1, 0] {
                    let created = await db.attempt(
                        tenant,
                        """
                        WITH i AS (
                            INSERT INTO app.organizations (id, operation_id, slug, display_name, home_region)
                            VALUES (app.uuid_from_key('op-1'), 'op-1', 'acme', 'Acme', 'eu-west')
                            ON CONFLICT DO NOTHING RETURNING 1)
                        SELECT count(*) FROM i
                        """, [])
                    #expect(created == .rows(expected))
                    #expect(await db.attempt(tenant, "SELECT count(*) FROM app.organizations", []) == .rows(1))
                }
                #expect(await db.attempt(tenant, "SELECT count(*) FROM app.organizations WHERE status = 'PENDING'", []) == .rows(1))
                // Recovery sees the PENDING organization's id without any tenant set.
                #expect(
                    await db.attempt(.noTenant, "SELECT count(*) FROM app.pending_organizations(now() + interval '1 minute', 10)", [])
                        == .rows(1))
                #expect(
                    await db.attempt(
                        tenant,
                        "WITH u AS (UPDATE app.organizations SET status = 'COMMITTED' RETURNING 1) SELECT count(*) FROM u", [])
                        == .rows(1))
                let reverted = await db.attempt(
                    tenant, "WITH u AS (UPDATE app.organizations SET status = 'FAILED', failure_reason = 'late' RETURNING 1) SELECT count(*) FROM u", [])
                guard case .refused("23514", _) = reverted else {
                    Issue.record("a COMMITTED organization changed status: \(reverted)")
                    return
                }
                #expect(
                    await db.attempt(.noTenant, "SELECT count(*) FROM app.pending_organizations(now() + interval '1 minute', 10)", [])
                        == .rows(0))
            }
        }
    }
}
