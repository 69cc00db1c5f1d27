import Foundation
import HTTPTypes
import PlatformAPI
import PostgresNIO
import Testing

extension DatabaseBackedTests {
    /// A database that answers nothing (the counters table locked by another session):
    /// requests are answered 503 within the transaction timeout instead of waiting, more
    /// of them than the pool has connections included; the stalled transactions are
    /// abandoned with their connections (none commits after its request was refused), and
    /// the pool serves again when the lock goes.
    @Suite struct DatabaseStallTests {
        @Test func stalledTransactionsAnswer503AndGiveThePoolBack() async throws {
            guard TestServers.postgres != nil else { return }
            let database = try await TestServers.freshDatabase()  // a pool of 8 connections
            let instance = try await LiveInstance.start(LiveInstance.configuration(database: database, name: "a"))
            do {
                try await scenario(instance: instance, database: database)
            } catch {
                await instance.stop()
                throw error
            }
            await instance.stop()
        }

        func scenario(instance: LiveInstance, database: DatabaseSettings) async throws {
            let (guest, org, project, chat) = try await instance.withClient { api in
                let guest = try await api.signIn()
                let (org, project) = try await api.createOrganization(guest, slug: "stall")
                let chat = try await api.openChat(guest, org: org, project: project)
                #expect(try await api.sendAction(guest, org: org, project: project, chat: chat, "ready").status == .ok)
                return (guest, org, project, chat)
            }
            let send: @Sendable () async throws -> (HTTPResponse.Status, Duration) = {
                try await instance.withClient { api in
                    let start = ContinuousClock.now
                    let response = try await api.sendAction(guest, org: org, project: project, chat: chat, "ready")
                    return (response.status, ContinuousClock.now - start)
                }
            }
            let stalled = try await TestServers.asSuperuser(database.database) { connection in
                try await connection.query("BEGIN", logger: TestServers.logger)
                try await connection.query("LOCK TABLE app.chat_counters IN ACCESS EXCLUSIVE MODE", logger: TestServers.logger)
                let outcomes = try await withThrowingTaskGroup(of: (HTTPResponse.Status, Duration).self) { group in
                    for _ in 0..<12 { group.addTask { try await send() } }
                    var outcomes: [(HTTPResponse.Status, Duration)] = []
                    for try await outcome in group { outcomes.append(outcome) }
                    return outcomes
                }
                try await connection.query("ROLLBACK", logger: TestServers.logger)
                return outcomes
            }
            for (status, waited) in stalled {
                #expect(status == .serviceUnavailable)
                #expect(waited < .seconds(2), "a request waited \(waited) on a stalled database")
            }
            print("stalled database: 12 actions answered 503 after at most \(stalled.map(\.1).max()!)")

            // The pool serves again once its new connections are up (the stalled ones were
            // closed): then every action is counted, and none of the refused ones was.
            let usable = try await CrossInstanceScenario.waitUntil(timeout: .seconds(10)) { await instance.runtime.readiness()["database"] == true }
            #expect(usable != nil, "the pool did not serve again within 10 s")
            // The server ends the backends of the abandoned transactions only when it next reads
            // from their closed sockets: on a loaded host some still hold the counter row a while
            // after the lock is gone. Wait (bounded) until none of them is left.
            let started = ContinuousClock.now
            let drained = try await CrossInstanceScenario.waitUntil(timeout: .seconds(30)) {
                try await TestServers.asSuperuser(database.database) { connection in
                    let rows = try await connection.query(
                        "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend' AND query NOT LIKE 'LISTEN%'",
                        logger: TestServers.logger)
                    for try await count in rows.decode(Int.self) { return count == 0 }
                    return false
                }
            }
            #expect(drained != nil, "the abandoned transactions' backends were still busy after 30 s")
            print("stalled database: abandoned backends gone \(ContinuousClock.now - started) after the lock was released")
            var after: [HTTPResponse.Status] = []
            for _ in 0..<12 { after.append(try await send().0) }
            #expect(after.allSatisfy { $0 == .ok }, "\(after)")
            try await Task.sleep(for: .milliseconds(200))
            let counters = try await instance.withClient { api in try await api.call(.get, "/orgs/\(org)/projects/\(project)/counters", token: guest.token) }
            #expect(counters.object("counters")["ready"] == .number(13))
        }
    }
}
