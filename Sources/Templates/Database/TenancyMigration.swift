import Renderer

/// Migration 0002: organizations, projects, guest users and project memberships, each
/// isolated by row-level security.
enum TenancyMigration {
    static let name = "tenancy"
    static let summary = "organizations, projects, guest users and project members, isolated by row-level security."

    static let organizations = SQLName(schema: DatabaseMigrations.schema, "organizations")
    static let projects = SQLName(schema: DatabaseMigrations.schema, "projects")
    static let users = SQLName(schema: DatabaseMigrations.schema, "users")
    static let projectMembers = SQLName(schema: DatabaseMigrations.schema, "project_members")
    static let uuidFromKey = SQLName(schema: DatabaseMigrations.schema, "uuid_from_key")
    static let touchUpdatedAt = SQLName(schema: DatabaseMigrations.schema, "touch_updated_at")
    static let guardOrganizationStatus = SQLName(schema: DatabaseMigrations.schema, "guard_organization_status")
    static let pendingOrganizations = SQLName(schema: DatabaseMigrations.schema, "pending_organizations")

    static func statements() -> [SQLStatement] {
        keyDerivation() + organizationTable() + sagaRecovery() + projectTable() + userTable() + memberTable()
    }

    /// `app.uuid_from_key(text)`: the first 16 bytes of SHA-256 of the UTF-8 key with the
    /// RFC 9562 version-8 and variant bits set (byte 6 = `b & 0x0F | 0x80`, byte 8 =
    /// `b & 0x3F | 0x80`), as platform-api's `DeterministicID.uuid(from:)` computes it. An
    /// organization id derived from the creation request's operation_id makes a retried
    /// request address the same row.
    static func keyDerivation() -> [SQLStatement] {
        [
            .createFunction(
                SQLCreateFunction(
                    uuidFromKey, arguments: [SQLFunctionArgument("p_key", .text)], returns: .type(.uuid),
                    language: .sql, volatility: .immutable, strict: true,
                    searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        SELECT pg_catalog.encode(
                            pg_catalog.set_byte(
                                pg_catalog.set_byte(digest, 6, (pg_catalog.get_byte(digest, 6) & 15) | 128),
                                8, (pg_catalog.get_byte(digest, 8) & 63) | 128
                            ),
                            'hex'
                        )::uuid
                        FROM (
                            SELECT pg_catalog.substring(pg_catalog.sha256(pg_catalog.convert_to(p_key, 'UTF8')), 1, 16) AS digest
                        ) AS hashed;
                        """)),
            .comment(
                SQLCommentOn(
                    .function(uuidFromKey, arguments: [.text]),
                    "Deterministic id for an idempotency key: first 16 bytes of sha256(utf8(key)), RFC 9562 version 8 and variant bits set.")),
        ] + TenantIsolation.functionPrivileges(uuidFromKey, arguments: [.text], callable: true)
            + [
                .createFunction(
                    SQLCreateFunction(
                        touchUpdatedAt, returns: .trigger, language: .plpgsql,
                        searchPath: TenantIsolation.functionSearchPath,
                        body: """
                            BEGIN
                                NEW.updated_at := pg_catalog.now();
                                RETURN NEW;
                            END
                            """))
            ] + TenantIsolation.functionPrivileges(touchUpdatedAt, arguments: [], callable: false)
    }

    static func organizationTable() -> [SQLStatement] {
        let statusCheck = SQLExpression.oneOf(.column("status"), ["PENDING", "COMMITTED", "FAILED"])
        return [
            .createTable(
                SQLCreateTable(
                    organizations,
                    columns: [
                        SQLColumn("id", .uuid, primaryKey: true),
                        SQLColumn("operation_id", .text, unique: true, check: TenantIsolation.machineKey("operation_id")),
                        SQLColumn("slug", .text, unique: true, check: TenantIsolation.slug("slug")),
                        SQLColumn("display_name", .text, check: TenantIsolation.displayName("display_name")),
                        SQLColumn(
                            "home_region", .text, check: .matches(.column("home_region"), "^[a-z][a-z0-9-]{0,62}$")),
                        SQLColumn("status", .text, default: .string("PENDING"), check: statusCheck),
                        SQLColumn("failure_reason", .text, nullable: true, check: TenantIsolation.code("failure_reason")),
                        TenantIsolation.timestamp("created_at"),
                        TenantIsolation.timestamp("updated_at"),
                    ],
                    constraints: [
                        .check(
                            name: "organizations_failure_reason_only_when_failed",
                            .or([.isNull(.column("failure_reason")), .equal(.column("status"), .string("FAILED"))]))
                    ])),
            .comment(
                SQLCommentOn(
                    .table(organizations),
                    "Tenants. Created idempotently: id = app.uuid_from_key(operation_id); PENDING until the creation saga commits or fails."
                )),
            .comment(
                SQLCommentOn(
                    .column(organizations, "failure_reason"), "A short snake_case code, never text supplied by a user.")),
            .createFunction(
                SQLCreateFunction(
                    guardOrganizationStatus, returns: .trigger, language: .plpgsql,
                    searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        BEGIN
                            IF OLD.status <> 'PENDING' AND NEW.status IS DISTINCT FROM OLD.status THEN
                                RAISE EXCEPTION 'organization % is %: its status cannot change to %', OLD.id, OLD.status, NEW.status
                                    USING ERRCODE = 'check_violation';
                            END IF;
                            RETURN NEW;
                        END
                        """)),
        ] + TenantIsolation.functionPrivileges(guardOrganizationStatus, arguments: [], callable: false) + [
            .createTrigger(
                SQLCreateTrigger(
                    "organizations_guard_status", on: organizations, .before, [.update(columns: ["status"])],
                    forEach: .row, execute: guardOrganizationStatus)),
            .createTrigger(
                SQLCreateTrigger(
                    "organizations_touch_updated_at", on: organizations, .before, [.update()], forEach: .row,
                    execute: touchUpdatedAt)),
        ]
            + TenantIsolation.rowLevelSecurity(organizations, predicate: TenantIsolation.organizationMatches("id"))
            + [
                TenantIsolation.grant(
                    [.select, .insert, .update("display_name", "status", "failure_reason")], on: organizations)
            ]
    }

    static func projectTable() -> [SQLStatement] {
        [
            .createTable(
                SQLCreateTable(
                    projects,
                    columns: [
                        SQLColumn("id", .uuid, default: .function("gen_random_uuid"), primaryKey: true),
                        SQLColumn("org_id", .uuid, references: SQLReference(organizations, "id", onDelete: .cascade)),
                        SQLColumn("slug", .text, check: TenantIsolation.slug("slug")),
                        SQLColumn("display_name", .text, check: TenantIsolation.displayName("display_name")),
                        TenantIsolation.timestamp("created_at"),
                    ],
                    constraints: [
                        .unique(name: "projects_org_id_slug_key", columns: ["org_id", "slug"]),
                        // Target of the composite foreign keys that pin a child row's org_id to its project's.
                        .unique(name: "projects_org_id_id_key", columns: ["org_id", "id"]),
                    ])),
            .comment(SQLCommentOn(.table(projects), "Projects owned by an organization.")),
        ]
            + TenantIsolation.rowLevelSecurity(projects, predicate: TenantIsolation.organizationMatches())
            + [TenantIsolation.grant([.select, .insert, .update("display_name"), .delete], on: projects)]
    }

    static func userTable() -> [SQLStatement] {
        let guestKey = SQLExpression.and([
            .matches(.column("guest_key"), "^guest-[0-9]{4,}$"),
            .binary(.function("char_length", .column("guest_key")), .lessOrEqual, .integer(32)),
        ])
        return [
            .createTable(
                SQLCreateTable(
                    users,
                    columns: [
                        SQLColumn("id", .uuid, primaryKey: true),
                        SQLColumn("guest_key", .text, unique: true, check: guestKey),
                        TenantIsolation.timestamp("created_at"),
                    ])),
            .comment(
                SQLCommentOn(
                    .table(users),
                    "Guest users: a non-personal key (guest-NNNN) only; no e-mail, no name. id = app.uuid_from_key(guest_key)."
                )),
        ]
            + TenantIsolation.rowLevelSecurity(users, predicate: TenantIsolation.userMatches("id"))
            + [TenantIsolation.grant([.select, .insert], on: users)]
    }

    /// Members of a project see each other's guest key: a user row is also readable from an
    /// organization in which that user is a project member. Created after project_members; the
    /// subquery is itself filtered by project_members' policy (same organization only).
    static func coMemberVisibility() -> [SQLStatement] {
        [
            .createPolicy(
                SQLCreatePolicy(
                    "users_visible_to_co_members", on: users, for: .select, to: [.role(TenantIsolation.app)],
                    using: .exists(
                        SQLExistsQuery(
                            from: projectMembers, as: "m",
                            where: .and([
                                .equal(.column("user_id", qualifier: "m"), .column("id", qualifier: "users")),
                                .equal(
                                    .column("org_id", qualifier: "m"),
                                    TenantIsolation.setting(DatabaseMigrations.Setting.organization)),
                            ]))))),
        ]
    }

    static func memberTable() -> [SQLStatement] {
        [
            .createTable(
                SQLCreateTable(
                    projectMembers,
                    columns: [
                        SQLColumn("org_id", .uuid),
                        SQLColumn("project_id", .uuid),
                        SQLColumn("user_id", .uuid, references: SQLReference(users, "id", onDelete: .cascade)),
                        SQLColumn("role", .text, check: .oneOf(.column("role"), ["owner", "member"])),
                    ],
                    constraints: [
                        .primaryKey(columns: ["project_id", "user_id"]),
                        .foreignKey(
                            columns: ["org_id", "project_id"], references: projects, referencedColumns: ["org_id", "id"],
                            onDelete: .cascade),
                    ])),
            .createIndex(SQLCreateIndex("project_members_user_id_idx", on: projectMembers, columns: ["user_id"])),
            .comment(SQLCommentOn(.table(projectMembers), "Who belongs to a project, as owner or member.")),
        ]
            + TenantIsolation.rowLevelSecurity(projectMembers, predicate: TenantIsolation.organizationMatches())
            + [TenantIsolation.grant([.select, .insert, .update("role"), .delete], on: projectMembers)]
            + coMemberVisibility()
    }

    /// The saga's recovery loop must find organizations left PENDING by a crashed instance,
    /// across tenants, without the application role seeing any tenant's rows: a SECURITY
    /// DEFINER function returns only the ids of PENDING organizations unchanged since a given
    /// time. The owner (which obeys row-level security too, as it is FORCEd) gets a read
    /// policy limited to PENDING rows for it.
    static func sagaRecovery() -> [SQLStatement] {
        [
            .createPolicy(
                SQLCreatePolicy(
                    "organizations_pending_for_recovery", on: organizations, for: .select,
                    to: [.role(DatabaseMigrations.migratorRole)],
                    using: .equal(.column("status"), .string("PENDING")))),
            .createFunction(
                SQLCreateFunction(
                    pendingOrganizations,
                    arguments: [SQLFunctionArgument("p_unchanged_since", .timestamptz), SQLFunctionArgument("p_limit", .integer)],
                    returns: .setOf(.uuid), language: .sql, volatility: .stable, strict: true, securityDefiner: true,
                    searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        SELECT id
                        FROM app.organizations
                        WHERE status = 'PENDING' AND updated_at < p_unchanged_since
                        ORDER BY updated_at, id
                        LIMIT greatest(p_limit, 0);
                        """)),
            .comment(
                SQLCommentOn(
                    .function(pendingOrganizations, arguments: [.timestamptz, .integer]),
                    "Ids (only) of organizations still PENDING and unchanged since the given time, for the saga recovery loop."
                )),
        ] + TenantIsolation.functionPrivileges(pendingOrganizations, arguments: [.timestamptz, .integer], callable: true)
    }
}
