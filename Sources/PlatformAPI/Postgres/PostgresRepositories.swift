import Foundation
import Logging
import PostgresNIO

/// The repositories over PostgreSQL (schema `app`, see docs/database.md). Each method is
/// one transaction in the tenant it names; membership checks run in that transaction.
struct PostgresRepositories: GuestRepository, OrganizationRepository, ProjectRepository, ChatRepository, ConfigRepository {
    let database: PostgresDatabase
    var logger: Logger { database.logger }

    private typealias Tenant = PostgresDatabase.Tenant

    // MARK: Guests

    /// Picks a random `guest-NNNN` key (more digits after each collision); the user id is
    /// derived from the key (`app.uuid_from_key`), as the schema documents.
    func createGuest() async throws -> GuestUser {
        for attempt in 0..<8 {
            let digits = 4 + attempt
            let upper = Int(pow(10, Double(digits))) - 1
            let key = "guest-" + String(format: "%0\(digits)d", Int.random(in: 0...upper))
            let id = DeterministicID.uuid(from: key)
            let inserted = try await database.transaction(Tenant(userID: id)) { connection, _ in
                let rows = try await connection.query(
                    "INSERT INTO app.users (id, guest_key) VALUES (\(id), \(key)) ON CONFLICT DO NOTHING RETURNING id",
                    logger: logger)
                return try await rows.collect().count == 1
            }
            if inserted { return GuestUser(id: id, guestKey: key) }
        }
        throw APIError(.serviceUnavailable, code: "guest_keys_exhausted", "could not allocate a guest key; try again")
    }

    func revoke(jti: String, expiresAt: Date) async throws {
        try await database.transaction(Tenant()) { connection, events in
            try await connection.query(
                "INSERT INTO app.token_denylist (jti, expires_at) VALUES (\(jti), \(expiresAt)) ON CONFLICT (jti) DO NOTHING",
                logger: logger)
            events.append(.tokenRevoked(jti: jti))
        }
    }

    func denylist(now: Date) async throws -> [String: Date] {
        try await database.transaction(Tenant()) { connection, _ in
            var result: [String: Date] = [:]
            let rows = try await connection.query(
                "SELECT jti, expires_at FROM app.token_denylist WHERE expires_at > \(now)", logger: logger)
            for try await (jti, expiresAt) in rows.decode((String, Date).self) {
                result[jti] = expiresAt
            }
            return result
        }
    }

    /// No tenant: the denylist is a platform table `scaffold_app` may delete from. Two
    /// instances purging at once delete disjoint rows or nothing; both are fine.
    func purgeDenylist(expiredBefore: Date, limit: Int) async throws -> Int {
        try await database.transaction(Tenant()) { connection, _ in
            let rows = try await connection.query(
                """
                WITH purged AS (
                    DELETE FROM app.token_denylist
                    WHERE jti IN (
                        SELECT jti FROM app.token_denylist WHERE expires_at < \(expiredBefore)
                        ORDER BY expires_at, jti LIMIT \(Int32(clamping: max(0, limit)))
                    )
                    RETURNING 1
                )
                SELECT count(*)::integer FROM purged
                """,
                logger: logger)
            return Int(try await rows.collect().first?.decode(Int32.self) ?? 0)
        }
    }

    // MARK: Organizations

    private static let organizationColumns =
        "id, operation_id, slug, display_name, home_region, status, failure_reason, created_at, updated_at"

    private func organizations(_ rows: PostgresRowSequence) async throws -> [Organization] {
        var result: [Organization] = []
        for try await (id, operationID, slug, displayName, region, status, reason, createdAt, updatedAt) in rows.decode(
            (UUID, String, String, String, String, String, String?, Date, Date).self)
        {
            result.append(
                Organization(
                    id: id, operationID: operationID, slug: slug, displayName: displayName, homeRegion: region,
                    status: OrganizationStatus(rawValue: status) ?? .failed, failureReason: reason,
                    createdAt: createdAt, updatedAt: updatedAt))
        }
        return result
    }

    func begin(_ draft: OrganizationDraft, id: UUID) async throws -> SagaStart {
        try await database.transaction(Tenant(orgID: id)) { connection, _ in
            let inserted = try await organizations(
                connection.query(
                    """
                    INSERT INTO app.organizations (id, operation_id, slug, display_name, home_region, status)
                    VALUES (\(id), \(draft.operationID), \(draft.slug), \(draft.displayName), \(draft.homeRegion), 'PENDING')
                    ON CONFLICT DO NOTHING
                    RETURNING \(unescaped: Self.organizationColumns)
                    """,
                    logger: logger))
            if let organization = inserted.first { return .started(organization) }
            let existing = try await organizations(
                connection.query(
                    "SELECT \(unescaped: Self.organizationColumns) FROM app.organizations WHERE id = \(id)", logger: logger))
            if let organization = existing.first { return .existing(organization) }
            return .slugTaken
        }
    }

    func organization(id: UUID) async throws -> Organization? {
        try await database.transaction(Tenant(orgID: id)) { connection, _ in
            try await organizations(
                connection.query(
                    "SELECT \(unescaped: Self.organizationColumns) FROM app.organizations WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    func finish(id: UUID, status: OrganizationStatus, failureReason: String?) async throws -> Organization? {
        try await database.transaction(Tenant(orgID: id)) { connection, _ in
            try await connection.query(
                """
                UPDATE app.organizations SET status = \(status.rawValue), failure_reason = \(failureReason)
                WHERE id = \(id) AND status = 'PENDING'
                """,
                logger: logger)
            return try await organizations(
                connection.query(
                    "SELECT \(unescaped: Self.organizationColumns) FROM app.organizations WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    func abandonedPending(olderThan: Date, limit: Int) async throws -> [UUID] {
        try await database.transaction(Tenant()) { connection, _ in
            var ids: [UUID] = []
            let rows = try await connection.query(
                "SELECT id FROM app.pending_organizations(\(olderThan), \(Int32(clamping: limit))) AS id", logger: logger)
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            return ids
        }
    }

    func organization(id: UUID, visibleTo userID: UUID) async throws -> (Organization, MemberRole)? {
        try await database.transaction(Tenant(orgID: id, userID: userID)) { connection, _ in
            guard let role = try await orgRole(connection, orgID: id, userID: userID) else { return nil }
            let found = try await organizations(
                connection.query(
                    "SELECT \(unescaped: Self.organizationColumns) FROM app.organizations WHERE id = \(id)", logger: logger))
            return found.first.map { ($0, role) }
        }
    }

    /// Owner when the user owns any project of the organization, member when in any.
    private func orgRole(_ connection: PostgresConnection, orgID: UUID, userID: UUID) async throws -> MemberRole? {
        let rows = try await connection.query(
            """
            SELECT bool_or(role = 'owner') FROM app.project_members
            WHERE org_id = \(orgID) AND user_id = \(userID)
            HAVING count(*) > 0
            """,
            logger: logger)
        for try await isOwner in rows.decode(Bool.self) { return isOwner ? .owner : .member }
        return nil
    }

    // MARK: Projects

    private func projects(_ rows: PostgresRowSequence) async throws -> [(Project, MemberRole?)] {
        var result: [(Project, MemberRole?)] = []
        for try await (id, orgID, slug, displayName, createdAt, role) in rows.decode((UUID, UUID, String, String, Date, String?).self) {
            result.append(
                (Project(id: id, orgID: orgID, slug: slug, displayName: displayName, createdAt: createdAt), role.flatMap(MemberRole.init)))
        }
        return result
    }

    func create(orgID: UUID, actingUser: UUID, id: UUID, slug: String, displayName: String) async throws -> ProjectCreation {
        try await database.transaction(Tenant(orgID: orgID, userID: actingUser)) { connection, _ in
            let role = try await orgRole(connection, orgID: orgID, userID: actingUser)
            guard role == .owner else { return .notAllowed(role) }
            let committed = try await connection.query(
                "SELECT 1 FROM app.organizations WHERE id = \(orgID) AND status = 'COMMITTED'", logger: logger
            ).collect()
            guard !committed.isEmpty else { return .notAllowed(nil) }
            let created = try await projects(
                connection.query(
                    """
                    INSERT INTO app.projects (id, org_id, slug, display_name) VALUES (\(id), \(orgID), \(slug), \(displayName))
                    ON CONFLICT DO NOTHING
                    RETURNING id, org_id, slug, display_name, created_at, NULL::text
                    """,
                    logger: logger))
            guard let project = created.first?.0 else { return .slugTaken }
            try await connection.query(
                "INSERT INTO app.project_members (org_id, project_id, user_id, role) VALUES (\(orgID), \(id), \(actingUser), 'owner')",
                logger: logger)
            return .created(project)
        }
    }

    func createDefault(orgID: UUID, id: UUID, slug: String, displayName: String, ownerID: UUID) async throws {
        try await database.transaction(Tenant(orgID: orgID, userID: ownerID)) { connection, _ in
            try await connection.query(
                """
                INSERT INTO app.projects (id, org_id, slug, display_name) VALUES (\(id), \(orgID), \(slug), \(displayName))
                ON CONFLICT DO NOTHING
                """,
                logger: logger)
            try await connection.query(
                """
                INSERT INTO app.project_members (org_id, project_id, user_id, role) VALUES (\(orgID), \(id), \(ownerID), 'owner')
                ON CONFLICT (project_id, user_id) DO UPDATE SET role = 'owner'
                """,
                logger: logger)
        }
    }

    func defaultExists(orgID: UUID, id: UUID) async throws -> Bool {
        try await database.transaction(Tenant(orgID: orgID)) { connection, _ in
            let rows = try await connection.query(
                """
                SELECT 1 FROM app.projects p
                WHERE p.id = \(id) AND p.org_id = \(orgID)
                  AND EXISTS (SELECT 1 FROM app.project_members m WHERE m.project_id = p.id AND m.role = 'owner')
                """,
                logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }

    /// Memberships, chats and counters go with the project (foreign keys cascade).
    func delete(orgID: UUID, id: UUID) async throws {
        _ = try await database.transaction(Tenant(orgID: orgID)) { connection, _ in
            try await connection.query("DELETE FROM app.projects WHERE id = \(id) AND org_id = \(orgID)", logger: logger)
        }
    }

    func project(orgID: UUID, id: UUID, actingUser: UUID) async throws -> (Project, MemberRole)? {
        try await database.transaction(Tenant(orgID: orgID, userID: actingUser, projectID: id)) { connection, _ in
            let found = try await projects(
                connection.query(
                    """
                    SELECT p.id, p.org_id, p.slug, p.display_name, p.created_at, m.role
                    FROM app.projects p JOIN app.project_members m ON m.project_id = p.id AND m.user_id = \(actingUser)
                    WHERE p.id = \(id) AND p.org_id = \(orgID)
                    """,
                    logger: logger))
            guard let (project, role) = found.first, let role else { return nil }
            return (project, role)
        }
    }

    func projects(orgID: UUID, actingUser: UUID) async throws -> [Project]? {
        try await database.transaction(Tenant(orgID: orgID, userID: actingUser)) { connection, _ in
            let found = try await projects(
                connection.query(
                    """
                    SELECT p.id, p.org_id, p.slug, p.display_name, p.created_at, m.role
                    FROM app.projects p JOIN app.project_members m ON m.project_id = p.id AND m.user_id = \(actingUser)
                    WHERE p.org_id = \(orgID)
                    ORDER BY p.slug
                    """,
                    logger: logger))
            return found.isEmpty ? nil : found.map(\.0)
        }
    }

    private func projectRole(_ connection: PostgresConnection, projectID: UUID, userID: UUID) async throws -> MemberRole? {
        let rows = try await connection.query(
            "SELECT role FROM app.project_members WHERE project_id = \(projectID) AND user_id = \(userID)", logger: logger)
        for try await role in rows.decode(String.self) { return MemberRole(rawValue: role) }
        return nil
    }

    func members(orgID: UUID, projectID: UUID, actingUser: UUID) async throws -> [ProjectMember]? {
        try await database.transaction(Tenant(orgID: orgID, userID: actingUser, projectID: projectID)) { connection, _ in
            guard try await projectRole(connection, projectID: projectID, userID: actingUser) != nil else { return nil }
            var members: [ProjectMember] = []
            let rows = try await connection.query(
                """
                SELECT m.user_id, coalesce(u.guest_key, ''), m.role
                FROM app.project_members m LEFT JOIN app.users u ON u.id = m.user_id
                WHERE m.project_id = \(projectID) AND m.org_id = \(orgID)
                ORDER BY m.role, m.user_id
                """,
                logger: logger)
            for try await (userID, guestKey, role) in rows.decode((UUID, String, String).self) {
                members.append(ProjectMember(projectID: projectID, userID: userID, guestKey: guestKey, role: MemberRole(rawValue: role) ?? .member))
            }
            return members
        }
    }

    func setMember(orgID: UUID, projectID: UUID, actingUser: UUID, userID: UUID, role: MemberRole) async throws -> MembershipChange {
        do {
            return try await database.transaction(Tenant(orgID: orgID, userID: actingUser, projectID: projectID)) { connection, _ in
                let acting = try await projectRole(connection, projectID: projectID, userID: actingUser)
                guard acting == .owner else { return .notAllowed(acting) }
                try await connection.query(
                    """
                    INSERT INTO app.project_members (org_id, project_id, user_id, role) VALUES (\(orgID), \(projectID), \(userID), \(role.rawValue))
                    ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role
                    """,
                    logger: logger)
                var guestKey = ""
                for try await key in try await connection.query("SELECT guest_key FROM app.users WHERE id = \(userID)", logger: logger).decode(String.self) {
                    guestKey = key
                }
                return .saved(ProjectMember(projectID: projectID, userID: userID, guestKey: guestKey, role: role))
            }
        } catch let error as PSQLError where error.sqlState == SQLState.foreignKeyViolation {
            return .unknownUser
        }
    }

    // MARK: Chats

    private func chats(_ rows: PostgresRowSequence) async throws -> [ChatSession] {
        var result: [ChatSession] = []
        for try await (id, orgID, projectID, userID, slot, openedAt, closedAt) in rows.decode(
            (UUID, UUID, UUID, UUID, Int16, Date, Date?).self)
        {
            result.append(
                ChatSession(
                    id: id, orgID: orgID, projectID: projectID, userID: userID, slot: Int(slot), openedAt: openedAt,
                    closedAt: closedAt))
        }
        return result
    }

    private static let chatColumns = "id, org_id, project_id, user_id, slot, opened_at, closed_at"

    private func active(_ connection: PostgresConnection, projectID: UUID, userID: UUID) async throws -> [ChatSession] {
        try await chats(
            connection.query(
                """
                SELECT \(unescaped: Self.chatColumns) FROM app.chat_sessions
                WHERE project_id = \(projectID) AND user_id = \(userID) AND closed_at IS NULL
                ORDER BY opened_at, slot
                """,
                logger: logger))
    }

    /// Serialises opens of one user in one project (the database's unique index is the
    /// backstop), closes the oldest of three, then takes a free slot with `app.open_chat_session`.
    func open(orgID: UUID, projectID: UUID, userID: UUID, id: UUID) async throws -> OpenedChat? {
        try await database.transaction(Tenant(orgID: orgID, userID: userID, projectID: projectID)) { connection, _ in
            guard try await projectRole(connection, projectID: projectID, userID: userID) != nil else { return nil }
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\("chat:\(projectID.lowercased):\(userID.lowercased)"), 0))",
                logger: logger)
            var current = try await active(connection, projectID: projectID, userID: userID)
            var closed: ChatSession?
            while current.count >= ChatLimits.maximumActive {
                let oldest = current.removeFirst()
                closed = try await chats(
                    connection.query(
                        """
                        UPDATE app.chat_sessions SET closed_at = greatest(now(), opened_at)
                        WHERE id = \(oldest.id) AND closed_at IS NULL
                        RETURNING \(unescaped: Self.chatColumns)
                        """,
                        logger: logger)
                ).first
            }
            let rows = try await connection.query("SELECT app.open_chat_session(\(projectID), \(id))", logger: logger)
            var opened: UUID?
            for try await value in rows.decode(UUID?.self) { opened = value }
            guard opened != nil else {
                throw APIError(.conflict, code: "chat_limit", "all \(ChatLimits.maximumActive) chat slots are in use; try again")
            }
            let chat = try await chats(
                connection.query("SELECT \(unescaped: Self.chatColumns) FROM app.chat_sessions WHERE id = \(id)", logger: logger))
            guard let chat = chat.first else { return nil }
            return OpenedChat(chat: chat, closed: closed)
        }
    }

    func activeChats(orgID: UUID, projectID: UUID, userID: UUID) async throws -> [ChatSession]? {
        try await database.transaction(Tenant(orgID: orgID, userID: userID, projectID: projectID)) { connection, _ in
            guard try await projectRole(connection, projectID: projectID, userID: userID) != nil else { return nil }
            return try await active(connection, projectID: projectID, userID: userID)
        }
    }

    func close(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID) async throws -> Bool {
        try await database.transaction(Tenant(orgID: orgID, userID: userID, projectID: projectID)) { connection, _ in
            let rows = try await connection.query(
                """
                UPDATE app.chat_sessions SET closed_at = greatest(now(), opened_at)
                WHERE id = \(chatID) AND project_id = \(projectID) AND user_id = \(userID) AND closed_at IS NULL
                RETURNING id
                """,
                logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }

    /// Through `app.purge_closed_chat_sessions` (SECURITY DEFINER): `scaffold_app` may not
    /// delete chat sessions itself, and row-level security would confine it to one tenant.
    func purgeClosed(closedBefore: Date, limit: Int) async throws -> Int {
        try await database.transaction(Tenant()) { connection, _ in
            let rows = try await connection.query(
                "SELECT app.purge_closed_chat_sessions(\(closedBefore), \(Int32(clamping: max(0, limit))))", logger: logger)
            return Int(try await rows.collect().first?.decode(Int32.self) ?? 0)
        }
    }

    /// One statement: the chat must be an active chat of the user in the project, and the
    /// user still a member; then the counter goes up and the event rides on the transaction.
    func record(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID, action: CannedAction) async throws -> ChatActionEvent? {
        try await database.transaction(Tenant(orgID: orgID, userID: userID, projectID: projectID)) { connection, events in
            let rows = try await connection.query(
                """
                INSERT INTO app.chat_counters AS c (org_id, project_id, action, count)
                SELECT \(orgID), \(projectID), \(action.rawValue), 1
                WHERE EXISTS (
                    SELECT 1 FROM app.chat_sessions s
                    WHERE s.id = \(chatID) AND s.org_id = \(orgID) AND s.project_id = \(projectID)
                      AND s.user_id = \(userID) AND s.closed_at IS NULL
                ) AND EXISTS (
                    SELECT 1 FROM app.project_members m WHERE m.project_id = \(projectID) AND m.user_id = \(userID)
                )
                ON CONFLICT (org_id, project_id, action) DO UPDATE SET count = c.count + 1
                RETURNING c.count
                """,
                logger: logger)
            var count: Int64?
            for try await value in rows.decode(Int64.self) { count = value }
            guard let count else { return nil }
            let event = ChatActionEvent(orgID: orgID, projectID: projectID, action: action, count: count)
            events.append(.chatAction(event))
            return event
        }
    }

    func counters(orgID: UUID, projectID: UUID, userID: UUID) async throws -> [CannedAction: Int64]? {
        try await database.transaction(Tenant(orgID: orgID, userID: userID, projectID: projectID)) { connection, _ in
            guard try await projectRole(connection, projectID: projectID, userID: userID) != nil else { return nil }
            var counters = Dictionary(uniqueKeysWithValues: CannedAction.allCases.map { ($0, Int64(0)) })
            let rows = try await connection.query(
                "SELECT action, count FROM app.chat_counters WHERE org_id = \(orgID) AND project_id = \(projectID)", logger: logger)
            for try await (action, count) in rows.decode((String, Int64).self) {
                if let action = CannedAction(rawValue: action) { counters[action] = count }
            }
            return counters
        }
    }

    // MARK: Configuration

    private func configEntries(_ rows: PostgresRowSequence) async throws -> [ConfigEntry] {
        var result: [ConfigEntry] = []
        for try await (key, value, version, updatedAt) in rows.decode((String, String, Int64, Date).self) {
            result.append(ConfigEntry(key: key, value: try JSONValue(jsonText: value), version: version, updatedAt: updatedAt))
        }
        return result
    }

    func entry(key: String) async throws -> ConfigEntry? {
        try await database.transaction(Tenant()) { connection, _ in
            try await configEntries(
                connection.query(
                    "SELECT key, value::text, version, updated_at FROM app.service_configs WHERE key = \(key)", logger: logger)
            ).first
        }
    }

    func entries() async throws -> [ConfigEntry] {
        try await database.transaction(Tenant()) { connection, _ in
            try await configEntries(
                connection.query("SELECT key, value::text, version, updated_at FROM app.service_configs ORDER BY key", logger: logger))
        }
    }

    /// The row is locked, the version compared, then inserted or bumped. The database's
    /// trigger appends the history and sends `config_changed` in this same transaction;
    /// with Redis the event is published after commit.
    func put(key: String, value: JSONValue, expectedVersion: Int64?) async throws -> ConfigWriteResult {
        let announceAfterCommit = database.transport.publishMode == .afterCommit
        do {
            return try await database.transaction(Tenant()) { connection, events in
                let current = try await configEntries(
                    connection.query(
                        "SELECT key, value::text, version, updated_at FROM app.service_configs WHERE key = \(key) FOR UPDATE",
                        logger: logger)
                ).first
                if let expectedVersion, expectedVersion != (current?.version ?? 0) {
                    return .versionMismatch(current: current)
                }
                let written: ConfigEntry?
                if current == nil {
                    written = try await configEntries(
                        connection.query(
                            """
                            INSERT INTO app.service_configs (key, value, version) VALUES (\(key), \(value.jsonText)::jsonb, 1)
                            RETURNING key, value::text, version, updated_at
                            """,
                            logger: logger)
                    ).first
                } else {
                    written = try await configEntries(
                        connection.query(
                            """
                            UPDATE app.service_configs SET value = \(value.jsonText)::jsonb, version = version + 1
                            WHERE key = \(key)
                            RETURNING key, value::text, version, updated_at
                            """,
                            logger: logger)
                    ).first
                }
                guard let written else { return .versionMismatch(current: current) }
                if announceAfterCommit { events.append(.configChanged(key: key, version: written.version)) }
                return .written(written)
            }
        } catch let error as PSQLError where error.sqlState == SQLState.uniqueViolation {
            // Created concurrently by another writer between our read and insert.
            return .versionMismatch(current: try await entry(key: key))
        }
    }

    func history(key: String) async throws -> [ConfigHistoryEntry] {
        try await database.transaction(Tenant()) { connection, _ in
            var lines: [ConfigHistoryEntry] = []
            let rows = try await connection.query(
                "SELECT key, version, value::text, changed_at FROM app.config_history WHERE key = \(key) ORDER BY version",
                logger: logger)
            for try await (key, version, value, changedAt) in rows.decode((String, Int64, String, Date).self) {
                lines.append(ConfigHistoryEntry(key: key, version: version, value: try JSONValue(jsonText: value), changedAt: changedAt))
            }
            return lines
        }
    }
}
