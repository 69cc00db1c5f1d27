import Renderer

/// Migration 0003: chat sessions (at most three active per user and project, enforced by a
/// partial unique index on a slot 1…3) and chat counters (aggregates only: no message is
/// ever stored, there is no message table and no free-text column).
enum ChatMigration {
    static let name = "chat"
    static let summary = "chat sessions capped at three active per user and project, and aggregate chat counters."

    static let chatSessions = SQLName(schema: DatabaseMigrations.schema, "chat_sessions")
    static let chatCounters = SQLName(schema: DatabaseMigrations.schema, "chat_counters")
    static let openChatSession = SQLName(schema: DatabaseMigrations.schema, "open_chat_session")
    static let activeSlotIndex = "chat_sessions_active_slot_key"

    /// The canned actions a chat offers; counters exist only for these.
    static let cannedActions = [
        "thumbs_up", "thumbs_down", "ready", "blocked", "review", "deployed", "tests_green", "poll_yes", "poll_no",
    ]

    /// The most sessions one user may have open in one project.
    static let maximumActiveSessions = 3

    static func statements() -> [SQLStatement] {
        sessionTable() + counterTable()
    }

    static func sessionTable() -> [SQLStatement] {
        let projectFK = SQLTableConstraint.foreignKey(
            columns: ["org_id", "project_id"], references: TenancyMigration.projects,
            referencedColumns: ["org_id", "id"], onDelete: .cascade)
        return [
            .createTable(
                SQLCreateTable(
                    chatSessions,
                    columns: [
                        SQLColumn("id", .uuid, default: .function("gen_random_uuid"), primaryKey: true),
                        SQLColumn("org_id", .uuid),
                        SQLColumn("project_id", .uuid),
                        SQLColumn(
                            "user_id", .uuid,
                            references: SQLReference(TenancyMigration.users, "id", onDelete: .cascade)),
                        SQLColumn(
                            "slot", .smallint,
                            check: .between(.column("slot"), .integer(1), .integer(maximumActiveSessions))),
                        TenantIsolation.timestamp("opened_at"),
                        SQLColumn("closed_at", .timestamptz, nullable: true),
                    ],
                    constraints: [
                        projectFK,
                        .check(
                            name: "chat_sessions_closed_after_opened",
                            .or([
                                .isNull(.column("closed_at")),
                                .binary(.column("closed_at"), .greaterOrEqual, .column("opened_at")),
                            ])),
                    ])),
            .lineComment(
                "The cap: an active session holds one of three slots, and a slot is held at most once per user and\nproject. The unique index is checked by PostgreSQL itself, so it also holds under concurrent inserts."
            ),
            .createIndex(
                SQLCreateIndex(
                    activeSlotIndex, on: chatSessions, columns: ["project_id", "user_id", "slot"], unique: true,
                    where: .isNull(.column("closed_at")))),
            .comment(
                SQLCommentOn(
                    .table(chatSessions),
                    "Per-user chat sessions; at most \(maximumActiveSessions) active (closed_at IS NULL) per user and project. No messages are stored."
                )),
            .createFunction(
                SQLCreateFunction(
                    openChatSession,
                    arguments: [SQLFunctionArgument("p_project_id", .uuid), SQLFunctionArgument("p_session_id", .uuid)],
                    returns: .type(.uuid),
                    language: .plpgsql, searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        DECLARE
                            v_org_id uuid := nullif(pg_catalog.current_setting('app.org_id', true), '')::uuid;
                            v_user_id uuid := nullif(pg_catalog.current_setting('app.user_id', true), '')::uuid;
                            v_session_id uuid;
                            v_constraint text;
                        BEGIN
                            IF v_org_id IS NULL OR v_user_id IS NULL THEN
                                RAISE EXCEPTION 'app.org_id and app.user_id must be set to open a chat session'
                                    USING ERRCODE = 'insufficient_privilege';
                            END IF;
                            FOR v_slot IN 1..\(maximumActiveSessions) LOOP
                                BEGIN
                                    INSERT INTO app.chat_sessions (id, org_id, project_id, user_id, slot)
                                    VALUES (coalesce(p_session_id, pg_catalog.gen_random_uuid()), v_org_id, p_project_id, v_user_id, v_slot)
                                    RETURNING id INTO v_session_id;
                                    RETURN v_session_id;
                                EXCEPTION WHEN unique_violation THEN
                                    GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
                                    IF v_constraint IS DISTINCT FROM '\(activeSlotIndex)' THEN
                                        RAISE;
                                    END IF;
                                    -- The slot is taken (perhaps by a concurrent open that just committed): try the next.
                                END;
                            END LOOP;
                            RETURN NULL;
                        END
                        """)),
            .comment(
                SQLCommentOn(
                    .function(openChatSession, arguments: [.uuid, .uuid]),
                    "Opens session p_session_id (a new id when NULL) for app.org_id / app.user_id in the project, in the first free slot; NULL when all \(maximumActiveSessions) are active."
                )),
        ]
            + TenantIsolation.functionPrivileges(openChatSession, arguments: [.uuid, .uuid], callable: true)
            + TenantIsolation.rowLevelSecurity(
                chatSessions,
                predicate: .and([TenantIsolation.organizationMatches(), TenantIsolation.userMatches()]))
            + [TenantIsolation.grant([.select, .insert, .update("closed_at")], on: chatSessions)]
    }

    static func counterTable() -> [SQLStatement] {
        [
            .createTable(
                SQLCreateTable(
                    chatCounters,
                    columns: [
                        SQLColumn("org_id", .uuid),
                        SQLColumn("project_id", .uuid),
                        SQLColumn("action", .text, check: .oneOf(.column("action"), cannedActions)),
                        SQLColumn(
                            "count", .bigint, default: .integer(0),
                            check: .binary(.column("count"), .greaterOrEqual, .integer(0))),
                    ],
                    constraints: [
                        .primaryKey(columns: ["org_id", "project_id", "action"]),
                        .foreignKey(
                            columns: ["org_id", "project_id"], references: TenancyMigration.projects,
                            referencedColumns: ["org_id", "id"], onDelete: .cascade),
                    ])),
            .comment(
                SQLCommentOn(
                    .table(chatCounters),
                    "How often each canned action was used in a project: aggregates only, never messages.")),
        ]
            + TenantIsolation.rowLevelSecurity(chatCounters, predicate: TenantIsolation.organizationMatches())
            + [TenantIsolation.grant([.select, .insert, .update("count")], on: chatCounters)]
    }
}
