import Renderer

/// Migration 0001: the application role and the `app` schema.
///
/// Runs as `scaffold_migrator`, which the platform creates with LOGIN and CREATEROLE and
/// makes owner of the database; everything created here is owned by it.
enum RolesAndSchemaMigration {
    static let name = "roles_and_schema"
    static let summary = "the application role scaffold_app and the schema app, owned by scaffold_migrator."

    static func statements() -> [SQLStatement] {
        let app = DatabaseMigrations.applicationRole
        let schema = DatabaseMigrations.schema
        return [
            .lineComment(
                "Roles are cluster-wide: create the application role only when missing. It logs in without a\npassword here; production sets its password out of band from a secret, never in a migration."),
            .createRoleIfMissing(
                SQLCreateRole(
                    app,
                    attributes: [
                        .login, .noInherit, .noSuperuser, .noCreateDatabase, .noCreateRole, .noReplication,
                        .noBypassRowSecurity,
                    ])),
            .lineComment("An existing role with the same name must not be able to escape row-level security."),
            .doBlock(
                body: """
                    BEGIN
                        IF EXISTS (
                            SELECT FROM pg_catalog.pg_roles
                            WHERE rolname = \(SQLPrinter.stringLiteral(app)) AND (rolsuper OR rolbypassrls)
                        ) THEN
                            RAISE EXCEPTION 'role % must be neither superuser nor BYPASSRLS', \(SQLPrinter.stringLiteral(app))
                                USING ERRCODE = 'insufficient_privilege';
                        END IF;
                    END
                    """),
            .createSchema(SQLCreateSchema(schema)),
            .comment(
                SQLCommentOn(
                    .schema(schema),
                    "Platform tables. Tenant tables are isolated by row-level security keyed on app.org_id / app.user_id."
                )),
            .revoke(SQLGrant([.all], on: .schema(schema), to: [.public])),
            .grant(SQLGrant([.usage], on: .schema(schema), to: [.role(app)])),
            .lineComment("PostgreSQL 15 already denies this; older clusters upgraded in place do not."),
            .revoke(SQLGrant([.create], on: .schema("public"), to: [.public])),
        ]
    }
}
