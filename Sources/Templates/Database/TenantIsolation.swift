import Renderer

/// Builders shared by the migrations: the tenant predicates read from transaction-local
/// settings, row-level security for a table, grants, and the text-column checks.
enum TenantIsolation {
    static let app = DatabaseMigrations.applicationRole

    /// `nullif(current_setting('app.org_id', true), '')::uuid`: NULL when the setting is
    /// missing or empty (it reads as '' after a transaction that set it locally), and a
    /// comparison with NULL is never true, so a request without a tenant sees no rows.
    static func setting(_ name: String) -> SQLExpression {
        .cast(
            .function("nullif", .function("current_setting", .string(name), .boolean(true)), .string("")),
            .uuid
        )
    }

    /// `column = <organization setting>`.
    static func organizationMatches(_ column: String = "org_id") -> SQLExpression {
        .equal(.column(column), setting(DatabaseMigrations.Setting.organization))
    }

    /// `column = <user setting>`.
    static func userMatches(_ column: String = "user_id") -> SQLExpression {
        .equal(.column(column), setting(DatabaseMigrations.Setting.user))
    }

    /// ENABLE and FORCE row-level security (FORCE makes the owner obey the policies too), then
    /// one policy for the application role restricting both visible rows and written rows to
    /// `predicate`. Roles without a policy (including the owner) see nothing.
    static func rowLevelSecurity(_ table: SQLName, predicate: SQLExpression) -> [SQLStatement] {
        [
            .alterRowSecurity(table, .enable),
            .alterRowSecurity(table, .force),
            .createPolicy(
                SQLCreatePolicy(
                    "\(table.name)_tenant_isolation", on: table, for: .all, to: [.role(app)],
                    using: predicate, withCheck: predicate)),
        ]
    }

    /// `GRANT privileges ON TABLE table TO scaffold_app`.
    static func grant(_ privileges: [SQLPrivilege], on table: SQLName) -> SQLStatement {
        .grant(SQLGrant(privileges, on: .table(table), to: [.role(app)]))
    }

    /// Functions are executable by PUBLIC by default: revoke that, then grant the application
    /// role EXECUTE when it may call the function directly (`callable`).
    static func functionPrivileges(_ name: SQLName, arguments: [SQLType], callable: Bool) -> [SQLStatement] {
        var statements: [SQLStatement] = [
            .revoke(SQLGrant([.all], on: .function(name, arguments: arguments), to: [.public]))
        ]
        if callable {
            statements.append(.grant(SQLGrant([.execute], on: .function(name, arguments: arguments), to: [.role(app)])))
        }
        return statements
    }

    /// The `search_path` every function runs with, so no object in a user-writable schema can
    /// shadow a built-in (the bodies qualify every name anyway).
    static let functionSearchPath = ["pg_catalog", "pg_temp"]

    // MARK: Text columns: every one is bounded, none can hold a message

    /// A lower-case slug: `^[a-z0-9][a-z0-9-]{0,62}$`.
    static func slug(_ column: String) -> SQLExpression {
        .matches(.column(column), "^[a-z0-9][a-z0-9-]{0,62}$")
    }

    /// A display name set by an administrator: 1 to 64 characters, no control characters.
    static func displayName(_ column: String) -> SQLExpression {
        .and([
            .between(.function("char_length", .column(column)), .integer(1), .integer(64)),
            .binary(.column(column), .doesNotMatch, .string("[[:cntrl:]]")),
        ])
    }

    /// A machine identifier (idempotency keys, token ids): `^[A-Za-z0-9._:-]{1,128}$`.
    static func machineKey(_ column: String) -> SQLExpression {
        .matches(.column(column), "^[A-Za-z0-9._:-]{1,128}$")
    }

    /// A short lower-case code (`snake_case`), never text typed by a user.
    static func code(_ column: String) -> SQLExpression {
        .matches(.column(column), "^[a-z][a-z0-9_]{0,63}$")
    }

    /// `created_at timestamptz NOT NULL DEFAULT now()`.
    static func timestamp(_ name: String) -> SQLColumn {
        SQLColumn(name, .timestamptz, default: .function("now"))
    }
}
