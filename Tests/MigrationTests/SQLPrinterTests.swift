import Renderer
import Testing

/// Snippet tests: a small tree in, the exact text out.
@Suite("SQL printer")
struct SQLPrinterTests {
    let table = SQLName(schema: "app", "projects")

    @Test("CREATE TABLE prints columns, then named constraints, one per line")
    func createTable() {
        let statement = SQLStatement.createTable(
            SQLCreateTable(
                table,
                columns: [
                    SQLColumn("id", .uuid, default: .function("gen_random_uuid"), primaryKey: true),
                    SQLColumn("org_id", .uuid, references: SQLReference(SQLName(schema: "app", "organizations"), "id", onDelete: .cascade)),
                    SQLColumn("slug", .text, check: .matches(.column("slug"), "^[a-z]+$")),
                    SQLColumn("closed_at", .timestamptz, nullable: true),
                ],
                constraints: [
                    .unique(name: "projects_org_id_slug_key", columns: ["org_id", "slug"]),
                    .foreignKey(columns: ["org_id", "id"], references: SQLName(schema: "app", "x"), referencedColumns: ["a", "b"]),
                ]))
        #expect(
            SQLPrinter.print(statement) == """
                CREATE TABLE app.projects (
                    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
                    org_id uuid NOT NULL REFERENCES app.organizations (id) ON DELETE CASCADE,
                    slug text NOT NULL CHECK (slug ~ '^[a-z]+$'),
                    closed_at timestamptz,
                    CONSTRAINT projects_org_id_slug_key UNIQUE (org_id, slug),
                    FOREIGN KEY (org_id, id) REFERENCES app.x (a, b)
                );
                """)
    }

    @Test("identifiers are quoted only when PostgreSQL needs it")
    func identifierQuoting() {
        #expect(SQLName(schema: "app", "users").description == "app.users")
        #expect(SQLName("user").description == "\"user\"")
        #expect(SQLName("Mixed Case").description == "\"Mixed Case\"")
        #expect(SQLName("we\"ird").description == "\"we\"\"ird\"")
        #expect(SQLName("1st").description == "\"1st\"")
        #expect(SQLPrinter.print(.column("order", qualifier: "NEW")) == "NEW.\"order\"")
        // Key-word functions stay unquoted in call position.
        #expect(SQLPrinter.print(.function("nullif", .string("a"), .string(""))) == "nullif('a', '')")
    }

    @Test("the tenant predicate prints as the contract spells it")
    func tenantPredicate() {
        let setting = SQLExpression.cast(
            .function("nullif", .function("current_setting", .string("app.org_id"), .boolean(true)), .string("")), .uuid)
        #expect(
            SQLPrinter.print(.equal(.column("org_id"), setting))
                == "org_id = nullif(current_setting('app.org_id', true), '')::uuid")
    }

    @Test("compound operands are parenthesised; string literals are escaped")
    func expressions() {
        let expression = SQLExpression.and([
            .between(.function("char_length", .column("name")), .integer(1), .integer(64)),
            .or([.isNull(.column("reason")), .equal(.column("status"), .string("FAILED"))]),
            .binary(.column("name"), .doesNotMatch, .string("it's")),
            .oneOf(.column("role"), ["owner", "member"]),
            .not(.binary(.column("a"), .plus, .integer(1))),
        ])
        #expect(
            SQLPrinter.print(expression)
                == "(char_length(name) BETWEEN 1 AND 64) AND (reason IS NULL OR status = 'FAILED') AND name !~ 'it''s' AND role IN ('owner', 'member') AND NOT (a + 1)"
        )
        #expect(
            SQLPrinter.print(
                .exists(SQLExistsQuery(from: SQLName(schema: "app", "m"), as: "m", where: .equal(.column("id", qualifier: "m"), .null))))
                == "EXISTS (SELECT FROM app.m AS m WHERE m.id = NULL)")
    }

    @Test("policies, row-level security switches and grants")
    func securityStatements() {
        let policy = SQLStatement.createPolicy(
            SQLCreatePolicy(
                "projects_tenant_isolation", on: table, for: .all, to: [.role("scaffold_app")],
                using: .equal(.column("org_id"), .null), withCheck: .equal(.column("org_id"), .null)))
        #expect(
            SQLPrinter.print(policy) == """
                CREATE POLICY projects_tenant_isolation ON app.projects
                    AS PERMISSIVE
                    FOR ALL
                    TO scaffold_app
                    USING (org_id = NULL)
                    WITH CHECK (org_id = NULL);
                """)
        #expect(SQLPrinter.print(.alterRowSecurity(table, .force)) == "ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;")
        #expect(
            SQLPrinter.print(.grant(SQLGrant([.select, .update("display_name", "status")], on: .table(table), to: [.role("scaffold_app")])))
                == "GRANT SELECT, UPDATE (display_name, status) ON TABLE app.projects TO scaffold_app;")
        #expect(
            SQLPrinter.print(.revoke(SQLGrant([.all], on: .function(SQLName(schema: "app", "f"), arguments: [.uuid, .text]), to: [.public])))
                == "REVOKE ALL ON FUNCTION app.f(uuid, text) FROM PUBLIC;")
    }

    @Test("functions and DO blocks pick a dollar-quote tag their body does not contain")
    func dollarQuoting() {
        #expect(SQLPrinter.dollarQuoteTag(for: "SELECT 1") == "$$")
        #expect(SQLPrinter.dollarQuoteTag(for: "SELECT '$$'") == "$body$")
        #expect(SQLPrinter.dollarQuoteTag(for: "$$ $body$") == "$body1$")
        let function = SQLStatement.createFunction(
            SQLCreateFunction(
                SQLName(schema: "app", "touch"), returns: .trigger, language: .plpgsql, securityDefiner: true,
                searchPath: ["pg_catalog", "pg_temp"], body: "\nBEGIN\n    RETURN NEW;\nEND\n"))
        #expect(
            SQLPrinter.print(function) == """
                CREATE FUNCTION app.touch()
                    RETURNS trigger
                    LANGUAGE plpgsql
                    VOLATILE
                    SECURITY DEFINER
                    SET search_path = pg_catalog, pg_temp
                AS $$
                BEGIN
                    RETURN NEW;
                END
                $$;
                """)
    }

    @Test("idempotent role creation prints as a DO block")
    func roleCreation() {
        #expect(
            SQLPrinter.print(.createRoleIfMissing(SQLCreateRole("scaffold_app", attributes: [.login, .noInherit, .noBypassRowSecurity])))
                == """
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'scaffold_app') THEN
                        CREATE ROLE scaffold_app LOGIN NOINHERIT NOBYPASSRLS;
                    END IF;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;
                END
                $$;
                """)
    }

    @Test("triggers, indexes and comments")
    func triggersIndexesComments() {
        #expect(
            SQLPrinter.print(
                .createTrigger(
                    SQLCreateTrigger(
                        "guard", on: table, .before, [.update(columns: ["status"]), .delete], forEach: .row,
                        when: .isNotNull(.column("status", qualifier: "OLD")), execute: SQLName(schema: "app", "g"))))
                == """
                CREATE TRIGGER guard
                    BEFORE UPDATE OF status OR DELETE ON app.projects
                    FOR EACH ROW
                    WHEN (OLD.status IS NOT NULL)
                    EXECUTE FUNCTION app.g();
                """)
        #expect(
            SQLPrinter.print(
                .createIndex(
                    SQLCreateIndex("active", on: table, columns: ["a", "b"], unique: true, where: .isNull(.column("closed_at")))))
                == "CREATE UNIQUE INDEX active ON app.projects (a, b) WHERE closed_at IS NULL;")
        #expect(
            SQLPrinter.print(.comment(SQLCommentOn(.column(table, "slug"), "The project's slug")))
                == "COMMENT ON COLUMN app.projects.slug IS 'The project''s slug';")
    }

    @Test("a script prints its header, comments directly above their statement, blank lines between statements")
    func script() {
        let script = SQLScript(
            header: ["Generated by scaffold.", "Second line."],
            statements: [.lineComment("why"), .createSchema(SQLCreateSchema("app")), .grant(SQLGrant([.usage], on: .schema("app"), to: [.role("r")]))])
        #expect(
            SQLPrinter.print(script) == """
                -- Generated by scaffold.
                -- Second line.

                -- why
                CREATE SCHEMA app;

                GRANT USAGE ON SCHEMA app TO r;

                """)
    }
}
