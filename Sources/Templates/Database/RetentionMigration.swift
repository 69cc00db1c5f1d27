import Renderer

/// Migration 0006: what the retention job needs to delete closed chat sessions of every
/// tenant. `scaffold_app` cannot delete chat sessions (no DELETE privilege, and row-level
/// security confines it to one tenant), so a SECURITY DEFINER function owned by the
/// migrator does exactly this one deletion, in bounded batches. Row-level security is
/// forced on the table, owner included, so two policies let the migrator see and delete
/// closed sessions, and only those. Expired denylist rows need nothing new: the table is
/// not tenant-scoped and `scaffold_app` may delete from it.
enum RetentionMigration {
    static let name = "retention"
    static let summary = "purging of chat sessions closed longer than the retention, for the retention job."

    static let purgeClosedChatSessions = SQLName(schema: DatabaseMigrations.schema, "purge_closed_chat_sessions")
    static let closedAtIndex = "chat_sessions_closed_at_idx"

    static func statements() -> [SQLStatement] {
        let closed = SQLExpression.isNotNull(.column("closed_at"))
        return [
            .createPolicy(
                SQLCreatePolicy(
                    "chat_sessions_closed_for_retention", on: ChatMigration.chatSessions, for: .select,
                    to: [.role(DatabaseMigrations.migratorRole)], using: closed)),
            .createPolicy(
                SQLCreatePolicy(
                    "chat_sessions_purge_closed", on: ChatMigration.chatSessions, for: .delete,
                    to: [.role(DatabaseMigrations.migratorRole)], using: closed)),
            .createIndex(
                SQLCreateIndex(
                    closedAtIndex, on: ChatMigration.chatSessions, columns: ["closed_at"],
                    where: closed)),
            .createFunction(
                SQLCreateFunction(
                    purgeClosedChatSessions,
                    arguments: [SQLFunctionArgument("p_closed_before", .timestamptz), SQLFunctionArgument("p_limit", .integer)],
                    returns: .type(.integer), language: .sql, volatility: .volatile, strict: true, securityDefiner: true,
                    searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        WITH purged AS (
                            DELETE FROM app.chat_sessions
                            WHERE id IN (
                                SELECT id
                                FROM app.chat_sessions
                                WHERE closed_at IS NOT NULL AND closed_at < p_closed_before
                                ORDER BY closed_at, id
                                LIMIT greatest(p_limit, 0)
                            )
                            RETURNING 1
                        )
                        SELECT pg_catalog.count(*)::integer FROM purged;
                        """)),
            .comment(
                SQLCommentOn(
                    .function(purgeClosedChatSessions, arguments: [.timestamptz, .integer]),
                    "Deletes at most p_limit chat sessions of any tenant closed before p_closed_before (oldest first) and returns how many; never an active one."
                )),
        ] + TenantIsolation.functionPrivileges(purgeClosedChatSessions, arguments: [.timestamptz, .integer], callable: true)
    }
}
