import Foundation
import Logging
import PlatformAPI
import PostgresNIO
import Testing

extension DatabaseBackedTests {
    /// The retention job against PostgreSQL, as the application role: expired denylist rows
    /// and chats closed longer than the retention go; fresh rows, recently closed and open
    /// chats stay, in every tenant.
    @Suite struct RetentionTests {
        @Test func purgeDeletesExpiredDenylistRowsAndOldClosedChatsOnly() async throws {
            guard TestServers.postgres != nil else { return }
            let database = try await TestServers.freshDatabase()
            var configuration = LiveInstance.configuration(database: database, name: "retention")
            configuration.limits.purgeBatchSize = 2  // several batches per pass
            let instance = try await LiveInstance.start(configuration)
            do {
                try await instance.withClient { api in try await scenario(instance, api, database) }
            } catch {
                await instance.stop()
                throw error
            }
            await instance.stop()
        }

        private func scenario(_ instance: LiveInstance, _ api: APIClient, _ database: DatabaseSettings) async throws {
            // Two tenants, each with an old closed chat, a recently closed one and an old open one.
            var old: [String] = []
            var kept: [String] = []
            var open: [String] = []
            for slug in ["tenant-a", "tenant-b"] {
                let owner = try await api.signIn()
                let (org, project) = try await api.createOrganization(owner, slug: slug)
                let chats = [
                    try await api.openChat(owner, org: org, project: project),
                    try await api.openChat(owner, org: org, project: project),
                    try await api.openChat(owner, org: org, project: project),
                ]
                for chat in chats.prefix(2) {
                    #expect(try await api.call(.delete, "/orgs/\(org)/projects/\(project)/chats/\(chat)", token: owner.token).status == .noContent)
                }
                old.append(chats[0])
                kept.append(chats[1])
                open.append(chats[2])
            }
            let fresh = try await api.signIn()
            #expect(try await api.call(.post, "/auth/revoke", token: fresh.token).status == .noContent)
            let expiredJTIs = (1...3).map { "expired-\($0)" }

            _ = try await TestServers.asSuperuser(database.database) { connection in
                for id in old.compactMap(UUID.init(uuidString:)) {
                    try await connection.query(
                        """
                        UPDATE app.chat_sessions SET opened_at = now() - interval '45 days', closed_at = now() - interval '31 days'
                        WHERE id = \(id)
                        """, logger: TestServers.logger)
                }
                for id in kept.compactMap(UUID.init(uuidString:)) {
                    try await connection.query(
                        """
                        UPDATE app.chat_sessions SET opened_at = now() - interval '45 days', closed_at = now() - interval '29 days'
                        WHERE id = \(id)
                        """, logger: TestServers.logger)
                }
                for id in open.compactMap(UUID.init(uuidString:)) {
                    try await connection.query(
                        "UPDATE app.chat_sessions SET opened_at = now() - interval '400 days' WHERE id = \(id)", logger: TestServers.logger)
                }
                for jti in expiredJTIs {
                    try await connection.query(
                        "INSERT INTO app.token_denylist (jti, expires_at) VALUES (\(jti), now() - interval '1 minute')",
                        logger: TestServers.logger)
                }
            }

            let outcome = try await instance.runtime.retention.purge()
            #expect(outcome == RetentionJob.Outcome(denylistRows: 3, closedChats: 2))
            #expect(try await instance.runtime.retention.purge() == RetentionJob.Outcome(denylistRows: 0, closedChats: 0))

            let (chats, denylist): ([String], [String]) = try await TestServers.asSuperuser(database.database) { connection in
                var chats: [String] = []
                for try await id in try await connection.query("SELECT id FROM app.chat_sessions", logger: TestServers.logger)
                    .decode(UUID.self)
                {
                    chats.append(id.uuidString.lowercased())
                }
                var denylist: [String] = []
                for try await jti in try await connection.query("SELECT jti FROM app.token_denylist", logger: TestServers.logger)
                    .decode(String.self)
                {
                    denylist.append(jti)
                }
                return (chats, denylist)
            }
            #expect(Set(chats) == Set(kept + open), "left: \(chats)")
            #expect(old.allSatisfy { !chats.contains($0) })
            #expect(denylist == [fresh.jti])
            // The revoked, unexpired token is still refused.
            #expect(try await api.call(.get, "/me", token: fresh.token).status == .unauthorized)
            #expect(instance.runtime.metrics.exposition().contains(#"platform_api_retention_purged_total{table="chat_sessions"} 2"#))
        }

        /// `scaffold_app` may not delete chat sessions itself: the SECURITY DEFINER function
        /// is the only way, and it never touches an active chat.
        @Test func theApplicationRoleCannotDeleteChatsDirectly() async throws {
            guard let postgres = TestServers.postgres else { return }
            let database = try await TestServers.freshDatabase()
            let connection = try await PostgresConnection.connect(
                configuration: postgres.configuration(user: "scaffold_app", database: database.database), id: 1,
                logger: TestServers.logger)
            do {
                _ = try await connection.query("DELETE FROM app.chat_sessions", logger: TestServers.logger)
                Issue.record("scaffold_app deleted from app.chat_sessions")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "42501")
            }
            let rows = try await connection.query("SELECT app.purge_closed_chat_sessions(now(), 10)", logger: TestServers.logger)
            for try await count in rows.decode(Int32.self) { #expect(count == 0) }
            try await connection.close()
        }
    }
}
