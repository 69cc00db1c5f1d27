import Foundation
import HTTPTypes
import Logging
import PlatformAPI
import PostgresNIO
import Testing

/// Everything that needs the real database: one PostgreSQL server for the whole tree
/// (started by the trait), a fresh migrated database per test, platform-api instances
/// connected as the application role `scaffold_app`. Serialised: each test starts servers.
@Suite(.serialized, .postgresServer)
struct DatabaseBackedTests {}

extension DatabaseBackedTests {
@Suite struct PostgresScenarioTests {
    /// Creates a database and one instance, runs `body`, stops the instance.
    func withInstance(
        sagaSteps: ((Repositories) -> [any OrganizationSagaStep])? = nil,
        _ body: @escaping @Sendable (LiveInstance, APIClient, DatabaseSettings) async throws -> Void
    ) async throws {
        guard TestServers.postgres != nil else { return }  // recorded as skipped by the trait (local run without PostgreSQL)
        let database = try await TestServers.freshDatabase()
        let instance = try await LiveInstance.start(LiveInstance.configuration(database: database, name: "a"), sagaSteps: sagaSteps)
        do {
            try await instance.withClient { api in try await body(instance, api, database) }
        } catch {
            await instance.stop()
            throw error
        }
        await instance.stop()
    }

    // MARK: Tenancy

    /// Row-level security does not hold a superuser or a BYPASSRLS role: platform-api
    /// refuses to start as one, with a message naming the role, instead of serving every
    /// tenant's rows to every tenant.
    @Test func refusesToStartAsARoleThatBypassesRowLevelSecurity() async throws {
        guard let postgres = TestServers.postgres else { return }
        let database = try await TestServers.freshDatabase()
        _ = try await TestServers.asSuperuser(database.database) { connection in
            try await connection.query("CREATE ROLE rls_bypasser LOGIN BYPASSRLS", logger: TestServers.logger)
        }
        for (role, expected) in [(postgres.options.superuser, "a superuser"), ("rls_bypasser", "a BYPASSRLS role")] {
            var settings = database
            settings.username = role
            let configuration = LiveInstance.configuration(database: settings, name: "unguarded")
            let runtime = await PlatformRuntime(
                configuration: configuration, dependencies: .postgres(configuration: configuration, logger: TestServers.logger),
                logger: TestServers.logger)
            let app = buildApplication(runtime: runtime)
            let run = Task { try await app.runService(gracefulShutdownSignals: []) }
            let watchdog = Task { try await Task.sleep(for: .seconds(20)); run.cancel() }
            let result = await run.result
            watchdog.cancel()
            guard case .failure(let error) = result else {
                Issue.record("platform-api started as \(role)")
                continue
            }
            #expect("\(error)".contains("DATABASE_USER \(role) is \(expected)"), "\(error)")
            #expect(await runtime.readiness()["config_warm_loaded"] == false, "nothing was served as \(role)")
        }
        // The application role is the one that starts.
        let instance = try await LiveInstance.start(LiveInstance.configuration(database: database, name: "guarded"))
        await instance.stop()
    }

    @Test func oneTenantsTokenCannotReadOrChangeAnotherTenantsData() async throws {
        try await withInstance { instance, api, database in
            let alice = try await api.signIn()
            let (orgA, projectA) = try await api.createOrganization(alice, slug: "tenant-a")
            let chatA = try await api.openChat(alice, org: orgA, project: projectA)
            for _ in 0..<3 { try await api.sendAction(alice, org: orgA, project: projectA, chat: chatA, "thumbs_up") }
            let secondProject = try await api.call(
                .post, "/orgs/\(orgA)/projects", token: alice.token, json: #"{"slug":"second","display_name":"Second"}"#)
            #expect(secondProject.status == .created)

            let bob = try await api.signIn()
            let (orgB, projectB) = try await api.createOrganization(bob, slug: "tenant-b")
            let chatB = try await api.openChat(bob, org: orgB, project: projectB)
            let base = "/orgs/\(orgA)/projects/\(projectA)"
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/orgs/\(orgA)", nil),
                (.get, "/orgs/\(orgA)/projects", nil),
                (.post, "/orgs/\(orgA)/projects", #"{"slug":"intruder","display_name":"Intruder"}"#),
                (.get, base, nil),
                (.get, "\(base)/members", nil),
                (.put, "\(base)/members/\(bob.userID)", #"{"role":"owner"}"#),
                (.get, "\(base)/chats", nil),
                (.post, "\(base)/chats", nil),
                (.delete, "\(base)/chats/\(chatA)", nil),
                (.post, "\(base)/chats/\(chatA)/actions", #"{"action":"thumbs_down"}"#),
                (.get, "\(base)/counters", nil),
                // B's own organization in the path, A's project or chat ids: still nothing.
                (.get, "/orgs/\(orgB)/projects/\(projectA)", nil),
                (.get, "/orgs/\(orgB)/projects/\(projectA)/counters", nil),
                (.post, "/orgs/\(orgB)/projects/\(projectA)/chats", nil),
                (.post, "/orgs/\(orgB)/projects/\(projectB)/chats/\(chatA)/actions", #"{"action":"thumbs_down"}"#),
                (.post, "/orgs/\(orgB)/projects/\(projectA)/chats/\(chatA)/actions", #"{"action":"thumbs_down"}"#),
                (.delete, "/orgs/\(orgB)/projects/\(projectB)/chats/\(chatA)", nil),
                (.get, "/orgs/\(orgA)/projects/\(projectB)", nil),
            ]
            var leaks: [String] = []
            for (method, path, body) in attempts {
                let response = try await api.call(method, path, token: bob.token, json: body)
                if response.status != .notFound { leaks.append("\(method) \(path) -> \(response.status) \(response.text)") }
                #expect(!response.text.contains("tenant-a"))
            }
            #expect(leaks.isEmpty, "\(leaks.joined(separator: "\n"))")

            // The live feed of A's project refuses B as well.
            let watcher = try? await LiveWatcher.connect(port: instance.port, path: "\(base)/live", token: bob.token)
            #expect(watcher == nil)

            // A's data is untouched, and B's chat still works in B's own tenant.
            let counters = try await api.call(.get, "\(base)/counters", token: alice.token)
            #expect(counters.object("counters")["thumbs_up"] == .number(3))
            #expect(counters.object("counters")["thumbs_down"] == .number(0))
            #expect(try await api.sendAction(bob, org: orgB, project: projectB, chat: chatB, "ready").status == .ok)
            let (projects, members, chats): (Int, Int, Int) = try await TestServers.asSuperuser(database.database) { connection in
                let orgUUID = UUID(uuidString: orgA)!
                let bobUUID = UUID(uuidString: bob.userID)!
                func count(_ query: PostgresQuery) async throws -> Int {
                    var value = 0
                    for try await n in try await connection.query(query, logger: TestServers.logger).decode(Int.self) { value = n }
                    return value
                }
                return (
                    try await count("SELECT count(*)::int FROM app.projects WHERE org_id = \(orgUUID) AND slug = 'intruder'"),
                    try await count("SELECT count(*)::int FROM app.project_members WHERE org_id = \(orgUUID) AND user_id = \(bobUUID)"),
                    try await count("SELECT count(*)::int FROM app.chat_sessions WHERE org_id = \(orgUUID) AND user_id = \(bobUUID)")
                )
            }
            #expect(projects == 0 && members == 0 && chats == 0)
            print("tenancy: \(attempts.count + 1) cross-tenant attempts through the API, \(leaks.count) leaked")
        }
    }

    @Test func projectMembershipGrantsAccessToTheProjectOnly() async throws {
        try await withInstance { _, api, _ in
            let owner = try await api.signIn()
            let (org, project) = try await api.createOrganization(owner, slug: "members")
            let second = try await api.call(.post, "/orgs/\(org)/projects", token: owner.token, json: #"{"slug":"private","display_name":"Private"}"#)
            let privateProject = try #require(second.string("id"))
            let guest = try await api.signIn()
            #expect(try await api.call(.get, "/orgs/\(org)/projects/\(project)", token: guest.token).status == .notFound)
            let added = try await api.call(
                .put, "/orgs/\(org)/projects/\(project)/members/\(guest.userID)", token: owner.token, json: #"{"role":"member"}"#)
            #expect(added.status == .ok)
            #expect(try await api.call(.get, "/orgs/\(org)/projects/\(project)", token: guest.token).status == .ok)
            #expect(try await api.call(.get, "/orgs/\(org)/projects/\(privateProject)", token: guest.token).status == .notFound)
            // A member sees co-members' guest keys, cannot add members or create projects.
            let members = try await api.call(.get, "/orgs/\(org)/projects/\(project)/members", token: guest.token)
            #expect(members.text.contains(owner.userID))
            let third = try await api.signIn()
            #expect(
                try await api.call(.put, "/orgs/\(org)/projects/\(project)/members/\(third.userID)", token: guest.token, json: #"{"role":"member"}"#)
                    .status == .forbidden)
            #expect(try await api.call(.post, "/orgs/\(org)/projects", token: guest.token, json: #"{"slug":"mine","display_name":"Mine"}"#).status == .forbidden)
            // Adding a user that does not exist is a 404, not a 500.
            #expect(
                try await api.call(.put, "/orgs/\(org)/projects/\(project)/members/\(UUID().uuidString)", token: owner.token, json: #"{"role":"member"}"#)
                    .status == .notFound)
            let chat = try await api.openChat(guest, org: org, project: project)
            #expect(try await api.sendAction(guest, org: org, project: project, chat: chat, "review").status == .ok)
        }
    }

    // MARK: Saga

    @Test func organizationCreationIsIdempotentOnPostgres() async throws {
        try await withInstance { _, api, database in
            let guest = try await api.signIn()
            let body = #"{"operation_id":"op-42","slug":"idem","display_name":"Idem","home_region":"eu-west"}"#
            let first = try await api.call(.post, "/orgs", token: guest.token, json: body)
            #expect(first.status == .created)
            // Concurrent repeats of the same request all get the same organization.
            let repeats = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<5 { group.addTask { try await api.call(.post, "/orgs", token: guest.token, json: body) } }
                var all: [APIResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            for response in repeats {
                #expect(response.status == .created)
                #expect(response.string("id") == first.string("id"))
                #expect(response.string("updated_at") == first.string("updated_at"))
            }
            let rows: Int = try await TestServers.asSuperuser(database.database) { connection in
                var value = 0
                for try await n in try await connection.query("SELECT count(*)::int FROM app.organizations", logger: TestServers.logger).decode(Int.self) {
                    value = n
                }
                return value
            }
            #expect(rows == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func failedStepIsCompensatedAndTheOrganizationFailed() async throws {
        try await withInstance(sagaSteps: { [DefaultProjectStep(projects: $0.projects), FailingStep()] }) { _, api, database in
            let guest = try await api.signIn()
            let body = #"{"operation_id":"op-fail","slug":"doomed","display_name":"Doomed","home_region":"eu-west"}"#
            let response = try await api.call(.post, "/orgs", token: guest.token, json: body)
            #expect(response.status == .conflict)
            #expect(response.string("status") == "FAILED")
            #expect(response.string("failure_reason") == "quota_check_failed")
            let orgID = try #require(response.string("id").flatMap(UUID.init(uuidString:)))
            // The default project created by the first step was removed by its compensation.
            let projects: Int = try await TestServers.asSuperuser(database.database) { connection in
                var value = -1
                for try await n in try await connection.query("SELECT count(*)::int FROM app.projects WHERE org_id = \(orgID)", logger: TestServers.logger).decode(Int.self) {
                    value = n
                }
                return value
            }
            #expect(projects == 0)
            let replay = try await api.call(.post, "/orgs", token: guest.token, json: body)
            #expect(replay.status == .conflict)
            #expect(replay.string("failure_reason") == "quota_check_failed")
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
        }
    }

    @Test func organizationsLeftPendingByACrashAreRecovered() async throws {
        guard TestServers.postgres != nil else { return }
        let database = try await TestServers.freshDatabase()
        // An instance that "dies" after the default project (all steps done but the commit)
        // and one that dies before any step.
        let crashAfter = try await LiveInstance.start(
            LiveInstance.configuration(database: database, name: "crash-after"),
            sagaSteps: { [DefaultProjectStep(projects: $0.projects), CrashStep()] })
        let crashBefore = try await LiveInstance.start(
            LiveInstance.configuration(database: database, name: "crash-before"),
            sagaSteps: { [CrashStep(), DefaultProjectStep(projects: $0.projects)] })
        let healthy = try await LiveInstance.start(LiveInstance.configuration(database: database, name: "healthy"))
        do {
            try await recoveryScenario(database: database, crashAfter: crashAfter, crashBefore: crashBefore, healthy: healthy)
        } catch {
            for instance in [crashAfter, crashBefore, healthy] { await instance.stop() }
            Issue.record("\(String(reflecting: error))")
            throw error
        }
        for instance in [crashAfter, crashBefore, healthy] { await instance.stop() }
    }

    func recoveryScenario(database: DatabaseSettings, crashAfter: LiveInstance, crashBefore: LiveInstance, healthy: LiveInstance) async throws {

        let (complete, abandoned, resumed) = try await crashAfter.withClient { api in
            let guest = try await api.signIn()
            let a = try await api.call(
                .post, "/orgs", token: guest.token, json: #"{"operation_id":"c1","slug":"almost","display_name":"Almost","home_region":"eu-west"}"#)
            #expect(a.status == .internalServerError)
            let c = try await api.call(
                .post, "/orgs", token: guest.token, json: #"{"operation_id":"c3","slug":"resumed","display_name":"Resumed","home_region":"eu-west"}"#)
            #expect(c.status == .internalServerError)
            let b = try await crashBefore.withClient { other in
                try await other.call(
                    .post, "/orgs", token: guest.token, json: #"{"operation_id":"c2","slug":"barely","display_name":"Barely","home_region":"eu-west"}"#)
            }
            #expect(b.status == .internalServerError)
            // The client retries c3 on a healthy instance: the saga resumes and commits.
            let retried = try await healthy.withClient { other in
                try await other.call(
                    .post, "/orgs", token: guest.token, json: #"{"operation_id":"c3","slug":"resumed","display_name":"Resumed","home_region":"eu-west"}"#)
            }
            #expect(retried.status == .created)
            #expect(retried.string("status") == "COMMITTED")
            return (
                DeterministicID.organizationID(operationID: DeterministicID.operationID(userID: UUID(uuidString: guest.userID)!, idempotencyKey: "c1")),
                DeterministicID.organizationID(operationID: DeterministicID.operationID(userID: UUID(uuidString: guest.userID)!, idempotencyKey: "c2")),
                UUID(uuidString: retried.string("id")!)!
            )
        }
        func status(_ id: UUID) async throws -> (String, String?) {
            try await TestServers.asSuperuser(database.database) { connection in
                var result = ("", String?.none)
                for try await row in try await connection.query(
                    "SELECT status, failure_reason FROM app.organizations WHERE id = \(id)", logger: TestServers.logger
                ).decode((String, String?).self) { result = row }
                return result
            }
        }
        #expect(try await status(complete).0 == "PENDING")
        #expect(try await status(abandoned).0 == "PENDING")
        // Nothing is recovered before the grace period; after it, the loop settles both.
        #expect(try await healthy.runtime.recoveryLoop.runOnce(now: Date().addingTimeInterval(-60)).isEmpty)
        let recovered = try await healthy.runtime.recoveryLoop.runOnce(now: Date().addingTimeInterval(5))
        #expect(Set(recovered.map(\.id)) == [complete, abandoned])
        #expect(try await status(complete) == ("COMMITTED", nil))
        #expect(try await status(abandoned) == ("FAILED", "abandoned"))
        #expect(try await status(resumed).0 == "COMMITTED")
        // A second pass finds nothing.
        #expect(try await healthy.runtime.recoveryLoop.runOnce(now: Date().addingTimeInterval(5)).isEmpty)
    }

    // MARK: Chat

    @Test func chatCapHoldsOnPostgresEvenUnderConcurrentOpens() async throws {
        try await withInstance { _, api, database in
            let guest = try await api.signIn()
            let (org, project) = try await api.createOrganization(guest, slug: "cap")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await api.call(.post, "/orgs/\(org)/projects/\(project)/chats", token: guest.token).status }
                }
                var all: [HTTPResponse.Status] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == .created })
            let list = try await api.call(.get, "/orgs/\(org)/projects/\(project)/chats", token: guest.token)
            guard case .array(let chats)? = list.json["chats"] else { Issue.record("no chats"); return }
            #expect(chats.count == 3)
            let active: Int = try await TestServers.asSuperuser(database.database) { connection in
                var value = -1
                for try await n in try await connection.query(
                    "SELECT count(*)::int FROM app.chat_sessions WHERE closed_at IS NULL", logger: TestServers.logger
                ).decode(Int.self) { value = n }
                return value
            }
            #expect(active == 3)
            guard case .object(let newest)? = chats.last, case .string(let chat)? = newest["id"] else { return }
            #expect(try await api.sendAction(guest, org: org, project: project, chat: chat, "free text").status == .unprocessableContent)
            #expect(try await api.sendAction(guest, org: org, project: project, chat: chat, "tests_green").status == .ok)
        }
    }

    // MARK: Across instances (LISTEN/NOTIFY)

    @Test func hotReloadRevocationAndFanOutAcrossInstancesWithListenNotify() async throws {
        guard TestServers.postgres != nil else { return }
        let database = try await TestServers.freshDatabase()
        try await CrossInstanceScenario.run(database: database, events: .postgres)
    }
}
}

/// A saga step that always fails (its compensation has nothing to undo).
struct FailingStep: OrganizationSagaStep {
    var name: String { "quota_check" }
    struct Refused: Error {}
    func apply(to organization: Organization, owner: UUID) async throws { throw Refused() }
    func isApplied(to organization: Organization) async throws -> Bool { false }
    func compensate(_ organization: Organization) async throws {}
}

/// A saga step that stops the saga as a crash would: no compensation, no final status.
struct CrashStep: OrganizationSagaStep {
    var name: String { "crash" }
    func apply(to organization: Organization, owner: UUID) async throws { throw SagaInterrupted() }
    func isApplied(to organization: Organization) async throws -> Bool { false }
    func compensate(_ organization: Organization) async throws {}
}
