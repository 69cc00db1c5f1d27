import Foundation
import Logging
import MigrationRunner
import PlatformAPI
import PostgresNIO
import ScaffoldCore
import Synchronization
import Templates

#if canImport(Glibc)
    import Glibc
#endif

/// `platform-api-bench --faults`: two `platform-api` processes on one PostgreSQL (and one
/// Redis with `--events redis`) under a steady load of chat actions, revocations and
/// idempotent organization creations, while faults are injected one after the other:
/// the connections of the instances are killed (Redis: `CLIENT KILL TYPE normal`, the
/// publishers; NOTIFY: `pg_terminate_backend`, the pool and the `LISTEN` connection),
/// redis-server is restarted, PostgreSQL is restarted, one instance is killed with
/// SIGKILL and started again. Everything on loopback, in a temporary folder.
///
/// What it measures (`FaultDrill.Report`): the longest any request waited; how long after a
/// revocation returned each instance refused the token; acknowledged chat actions against
/// the counters in the database; organizations per idempotency key; errors per phase and
/// how long the instances took to report ready again after each fault.
struct FaultDrill {
    struct Options: Sendable {
        /// `postgres` (LISTEN/NOTIFY) or `redis`.
        var events = "postgres"
        /// The `platform-api` executable.
        var platformAPI: String
        /// Concurrent chat clients.
        var chatClients = 8
        /// How long the load runs before the first fault and after each one.
        var settle: Duration = .seconds(5)
        /// Pause between two actions of one chat client.
        var actionPause: Duration = .milliseconds(10)
        /// Where the instances' and Redis's logs go (kept); nil: the drill's temporary folder.
        var logDirectory: URL?
    }

    /// One step of the drill: a fault (nil for the calm start) and what happened until the next.
    struct Phase: Sendable {
        var name: String
        /// How long the fault took to inject (a restart includes the server's start).
        var injection: Duration = .zero
        /// From the fault until every running instance answered `/readyz` with 200 again.
        var readyAgain: Duration?
        var requests = 0
        var maxWait: Duration = .zero
        /// Failed requests by kind (`503`, `500`, `connection`, …); 4xx the scenario expects are not errors.
        var errors: [String: Int] = [:]
    }

    struct Report: Sendable {
        var events: String
        var phases: [Phase]
        var maxWait: Duration
        var requests: Int
        /// Revocations that returned 204, and the longest time until each instance refused the token.
        var revocations: Int
        var refusalLatency: [String: Duration]
        /// Revocations whose token some instance still accepted 2 s after the revoke returned.
        var refusalsMissed: Int
        var actionsAcknowledged: Int
        var actionsCounted: Int
        /// Acknowledged actions the counters do not account for.
        var actionsLost: Int
        /// Acknowledged counter values handed out twice.
        var actionsDuplicated: Int
        var organizationsRequested: Int
        /// Keys answered 201 (or 409) within 15 s of retrying.
        var organizationsAnswered: Int
        /// Idempotency keys with more than one organization, or an organization with other than one default project.
        var organizationDuplicates: Int
        /// Repeats answered with `Idempotent-Replayed: true` and the original organization.
        var organizationReplays: Int
    }

    let options: Options
    let logger: Logger

    static let jwtSecret = "drill-secret-0123456789abcdef0123456789abcdef"

    /// The figures as the bench prints them.
    static func lines(_ report: Report) -> [String] {
        func ms(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return String(format: "%.1f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
        }
        var lines = ["fault drill, events over \(report.events == "redis" ? "Redis" : "LISTEN/NOTIFY"): \(report.requests) requests"]
        for phase in report.phases {
            let errors = phase.errors.isEmpty ? "none" : phase.errors.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
            var line = "   \(phase.name): \(phase.requests) requests, max wait \(ms(phase.maxWait)), errors: \(errors)"
            if phase.name != report.phases[0].name {
                line += "; injected in \(ms(phase.injection)), all ready again after \(phase.readyAgain.map(ms) ?? "never (10 s)")"
            }
            lines.append(line)
        }
        lines.append("   max request wait \(ms(report.maxWait))")
        let refusal = report.refusalLatency.sorted { $0.key < $1.key }.map { "\($0.key) \(ms($0.value))" }.joined(separator: ", ")
        lines.append("   revocations \(report.revocations): refused after (max per instance) \(refusal); not refused within 2 s: \(report.refusalsMissed)")
        lines.append(
            "   chat actions acknowledged \(report.actionsAcknowledged), counted \(report.actionsCounted), lost \(report.actionsLost), "
                + "acknowledged twice \(report.actionsDuplicated)")
        lines.append(
            "   organizations \(report.organizationsRequested), answered \(report.organizationsAnswered) (retried until answered, then repeated): "
                + "duplicates \(report.organizationDuplicates), replays \(report.organizationReplays)")
        return lines
    }

    // MARK: The run

    func run() async throws -> Report {
        let postgres = try await LocalPostgres.start(options: .init(settings: ["max_connections": "100"]), logger: logger)
        var redis: RedisProcess?
        var instances: [InstanceProcess] = []
        do {
            let scripts = DatabaseMigrations.migrations().map { MigrationScript(version: $0.version, name: $0.name, sql: $0.sql) }
            _ = try await MigrationRunner().apply(scripts, configuration: postgres.configuration(), logger: logger)
            if options.events == "redis" { redis = try await RedisProcess.start(directory: options.logDirectory ?? postgres.directory) }
            for name in ["a", "b"] {
                let instance = try InstanceProcess(
                    name: name, executable: options.platformAPI, port: LoopbackPort.free(),
                    environment: environment(postgres: postgres, redis: redis, name: name), log: (options.logDirectory ?? postgres.directory).appendingPathComponent("\(name).log"))
                instances.append(instance)
                try instance.start()
            }
            for instance in instances {
                guard await instance.waitUntilReady(within: .seconds(30)) != nil else { throw DrillError("instance \(instance.name) did not become ready") }
            }
            let report = try await drive(postgres: postgres, redis: redis, instances: instances)
            for instance in instances { await instance.stop() }
            redis?.stop()
            try? await postgres.stop()
            return report
        } catch {
            for instance in instances { await instance.stop() }
            redis?.stop()
            try? await postgres.stop()
            throw error
        }
    }

    func environment(postgres: LocalPostgres, redis: RedisProcess?, name: String) -> [String: String] {
        var environment = [
            "JWT_SECRET": Self.jwtSecret,
            "PLATFORM_API_HOST": "127.0.0.1",
            "DATABASE_HOST": postgres.host,
            "DATABASE_PORT": String(postgres.port),
            "DATABASE_NAME": postgres.options.database,
            "DATABASE_USER": "scaffold_app",
            "DATABASE_MAX_CONNECTIONS": "16",
            "CONFIG_TRANSPORT": options.events,
            "LOG_LEVEL": "warning",
            "PLATFORM_API_INSTANCE": name,
        ]
        // The drill measures faults, not rate limits: every client signs in from 127.0.0.1 and
        // repeats its organization requests (the limits have their own tests).
        for limit in ["SIGNIN", "ORGS", "CHAT", "WS"] {
            environment["PLATFORM_API_\(limit)_BURST"] = "100000"
            environment["PLATFORM_API_\(limit)_PER_MINUTE"] = "1000000"
        }
        if let redis {
            environment["REDIS_HOST"] = "127.0.0.1"
            environment["REDIS_PORT"] = String(redis.port)
        }
        return environment
    }

    /// The load, the faults in sequence, then the checks against the database.
    func drive(postgres: LocalPostgres, redis: RedisProcess?, instances: [InstanceProcess]) async throws -> Report {
        let recorder = DrillRecorder(phase: "calm")
        let setup = try await DrillSetup.make(instances: instances, chatClients: options.chatClients)
        let stop = StopFlag()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, member) in setup.members.enumerated() {
                    group.addTask {
                        await chatClient(index: index, member: member, setup: setup, instances: instances, recorder: recorder, stop: stop)
                    }
                }
                group.addTask { await revoker(instances: instances, recorder: recorder, stop: stop) }
                group.addTask { await organizationCreator(setup: setup, instances: instances, recorder: recorder, stop: stop) }
            }
        }

        do {
            try await injectFaults(postgres: postgres, redis: redis, instances: instances, recorder: recorder)
        } catch {
            stop.set()
            await load.value
            throw error
        }
        stop.set()
        await load.value

        // The checks, against the database as its superuser.
        let counted = try await postgres.asSuperuser(database: postgres.options.database, logger: logger) { connection in
            var counted: [String: Int64] = [:]
            let rows = try await connection.query(
                "SELECT action, count FROM app.chat_counters WHERE project_id = \(setup.projectID)", logger: logger)
            for try await (action, count) in rows.decode((String, Int64).self) { counted[action] = count }
            return counted
        }
        let (duplicateKeys, projectsOff) = try await postgres.asSuperuser(database: postgres.options.database, logger: logger) { connection in
            var duplicateKeys = 0
            for try await _ in try await connection.query(
                "SELECT operation_id FROM app.organizations GROUP BY operation_id HAVING count(*) > 1", logger: logger
            ).decode(String.self) { duplicateKeys += 1 }
            var projectsOff = 0
            for try await _ in try await connection.query(
                """
                SELECT o.id FROM app.organizations o LEFT JOIN app.projects p ON p.org_id = o.id
                WHERE o.status = 'COMMITTED' GROUP BY o.id HAVING count(p.id) <> 1
                """, logger: logger
            ).decode(UUID.self) { projectsOff += 1 }
            return (duplicateKeys, projectsOff)
        }
        return recorder.report(events: options.events, counted: counted, duplicates: duplicateKeys + projectsOff)
    }

    /// Calm first, then each fault followed by `settle` of load; records when both
    /// instances answered `/readyz` with 200 again.
    func injectFaults(postgres: LocalPostgres, redis: RedisProcess?, instances: [InstanceProcess], recorder: DrillRecorder) async throws {
        try await Task.sleep(for: options.settle)
        var faults: [(String, @Sendable () async throws -> Void)] = []
        if let redis {
            faults.append(("publisher connections killed (CLIENT KILL TYPE normal)", { try await redis.killNormalClients() }))
            faults.append(("redis-server restarted", { try await redis.restart() }))
        } else {
            faults.append(("connections terminated (pg_terminate_backend)", { try await Self.terminateApplicationConnections(postgres, logger: logger) }))
        }
        faults.append(("PostgreSQL restarted (pg_ctl stop -m fast, start)", { try await postgres.restart(mode: .fast) }))
        faults.append(("instance b killed (SIGKILL) and started again", {
            await instances[1].kill9()
            try await Task.sleep(for: .milliseconds(500))
            try instances[1].start()
        }))
        for (name, inject) in faults {
            recorder.beginPhase(name)
            let started = ContinuousClock.now
            try await inject()
            recorder.setInjection(ContinuousClock.now - started)
            var readyAgain: Duration?
            let deadline = started + .seconds(10)
            while ContinuousClock.now < deadline {
                var allReady = true
                for instance in instances where !(await instance.isReady()) { allReady = false }
                if allReady {
                    readyAgain = ContinuousClock.now - started
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            recorder.setReadyAgain(readyAgain)
            try await Task.sleep(for: options.settle)
        }
    }

    static func terminateApplicationConnections(_ postgres: LocalPostgres, logger: Logger) async throws {
        try await postgres.asSuperuser(database: postgres.options.database, logger: logger) { connection in
            _ = try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'scaffold_app'", logger: logger
            ).collect()
        }
    }

    // MARK: The load

    /// Sends canned actions (`actionPause` apart) to its preferred instance, or the other one
    /// while it is unreachable; never retries an action (it is not idempotent).
    func chatClient(index: Int, member: DrillSetup.Member, setup: DrillSetup, instances: [InstanceProcess], recorder: DrillRecorder, stop: StopFlag) async {
        let http = DrillHTTP()
        let actions = CannedAction.allCases
        var target = index % instances.count
        var sent = 0
        while !stop.isSet {
            let action = actions[(index + sent) % actions.count]
            sent += 1
            let reply = await http.call(
                instances[target].port, .post, "\(setup.base)/chats/\(member.chat)/actions", token: member.token,
                json: #"{"action":"\#(action.rawValue)"}"#)
            recorder.record(reply)
            if reply.status == 200, case .number(let count)? = reply.json["count"] {
                recorder.acknowledge(action: action.rawValue, count: Int64(count))
            } else if reply.status == nil || reply.status == 503 {
                target = (target + 1) % instances.count
            }
            try? await Task.sleep(for: options.actionPause)
        }
        await http.shutdown()
    }

    /// Signs a guest in, revokes its token (retrying on another instance until a revoke
    /// returns 204), then asks every running instance until each refuses it.
    func revoker(instances: [InstanceProcess], recorder: DrillRecorder, stop: StopFlag) async {
        let http = DrillHTTP()
        var round = 0
        while !stop.isSet {
            round += 1
            var target = round % instances.count
            var token: String?
            for _ in 0..<20 where token == nil && !stop.isSet {
                let reply = await http.call(instances[target].port, .post, "/auth/guest")
                recorder.record(reply)
                token = reply.string("access_token")
                if token == nil {
                    target = (target + 1) % instances.count
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            guard let token else { continue }
            // 204, or 401 from an instance that already refuses it (its local denylist was
            // updated by an earlier attempt whose write failed): then try the other one.
            var returned: ContinuousClock.Instant?
            let giveUp = ContinuousClock.now + .seconds(10)
            while returned == nil, ContinuousClock.now < giveUp, !stop.isSet {
                let reply = await http.call(instances[target].port, .post, "/auth/revoke", token: token)
                recorder.record(reply, expected: [401])
                if reply.status == 204 {
                    returned = ContinuousClock.now
                } else {
                    target = (target + 1) % instances.count
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            guard let returned else { continue }
            // Every instance is asked at once until it refuses the token. Only a 200 accepts
            // it: an instance that is down or not ready yet (connection refused, 503) does not.
            let outcomes = await withTaskGroup(of: (String, Duration?, Bool).self) { group in
                for instance in instances where instance.isRunning {
                    group.addTask {
                        let http = DrillHTTP()
                        let (latency, stillAccepted) = await Self.refusal(of: token, by: instance, since: returned, http: http, recorder: recorder)
                        await http.shutdown()
                        return (instance.name, latency, stillAccepted)
                    }
                }
                var outcomes: [(String, Duration?, Bool)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            var refused: [String: Duration] = [:]
            var missed = false
            for (name, latency, stillAccepted) in outcomes {
                if let latency { refused[name] = latency }
                if stillAccepted { missed = true }
            }
            recorder.revoked(refused: refused, missed: missed)
            try? await Task.sleep(for: .milliseconds(100))
        }
        await http.shutdown()
    }

    /// Asks `instance` every 5 ms until it stops accepting `token`: the delay until a 401,
    /// nil for an instance that is down or not ready (it accepts nothing), or `true` when
    /// it still accepted the token 2 s after the revoke returned.
    static func refusal(
        of token: String, by instance: InstanceProcess, since returned: ContinuousClock.Instant, http: DrillHTTP, recorder: DrillRecorder
    ) async -> (Duration?, Bool) {
        while true {
            let reply = await http.call(instance.port, .get, "/me", token: token)
            recorder.record(reply, expected: [401, 503])
            if reply.status == 401 { return (ContinuousClock.now - returned, false) }
            if reply.status != 200 { return (nil, false) }
            if ContinuousClock.now - returned > .seconds(2) { return (nil, true) }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Creates organizations with an idempotency key, retrying the same key (on the other
    /// instance) until it is answered, then repeats it once more on purpose.
    func organizationCreator(setup: DrillSetup, instances: [InstanceProcess], recorder: DrillRecorder, stop: StopFlag) async {
        let http = DrillHTTP()
        var number = 0
        while !stop.isSet {
            number += 1
            let key = "drill-\(number)"
            let body = #"{"operation_id":"\#(key)","slug":"\#(key)","display_name":"Drill \#(number)","home_region":"local"}"#
            var target = number % instances.count
            var created: String?
            var answer: Int?
            let giveUp = ContinuousClock.now + .seconds(15)
            while created == nil, ContinuousClock.now < giveUp {
                let reply = await http.call(instances[target].port, .post, "/orgs", token: setup.ownerToken, json: body)
                recorder.record(reply, expected: [202])
                if reply.status == 201 || reply.status == 409 {
                    created = reply.string("id") ?? ""
                    answer = reply.status
                } else {
                    if reply.status != 202 { target = (target + 1) % instances.count }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            recorder.requestedOrganization(answered: created != nil)
            guard let created else { continue }
            // The same key again, on the other instance: the same answer, marked as a replay.
            // An instance that cannot answer during a fault (no reply, 503) is retried, on the
            // other instance, as a client would, until a definite answer or 5 s.
            var repeatTarget = (target + 1) % instances.count
            var repeatReply = await http.call(instances[repeatTarget].port, .post, "/orgs", token: setup.ownerToken, json: body)
            recorder.record(repeatReply)
            let repeatGiveUp = ContinuousClock.now + .seconds(5)
            while repeatReply.status == nil || repeatReply.status == 503 || repeatReply.status == 202, ContinuousClock.now < repeatGiveUp {
                try? await Task.sleep(for: .milliseconds(100))
                repeatTarget = (repeatTarget + 1) % instances.count
                repeatReply = await http.call(instances[repeatTarget].port, .post, "/orgs", token: setup.ownerToken, json: body)
                recorder.record(repeatReply, expected: [202])
            }
            if repeatReply.status == answer, repeatReply.string("id") ?? "" == created, repeatReply.headers["idempotent-replayed"] == "true" {
                recorder.replayed()
            }
            try? await Task.sleep(for: .milliseconds(150))
        }
        await http.shutdown()
    }
}

/// The organization, project and members the load uses, made before the first fault.
struct DrillSetup: Sendable {
    struct Member: Sendable {
        var token: String
        var chat: String
    }
    var ownerToken: String
    var orgID: String
    var projectID: UUID
    var members: [Member]
    var base: String { "/orgs/\(orgID)/projects/\(projectID.uuidString.lowercased())" }

    static func make(instances: [InstanceProcess], chatClients: Int) async throws -> DrillSetup {
        let http = DrillHTTP()
        do {
            let setup = try await make(http: http, port: instances[0].port, chatClients: chatClients)
            await http.shutdown()
            return setup
        } catch {
            await http.shutdown()
            throw error
        }
    }

    private static func make(http: DrillHTTP, port: Int, chatClients: Int) async throws -> DrillSetup {
        func must(_ reply: DrillHTTP.Reply, _ what: String) throws -> DrillHTTP.Reply {
            guard let status = reply.status, (200..<300).contains(status) else { throw DrillError("setup: \(what) answered \(reply.status.map(String.init) ?? "nothing")") }
            return reply
        }
        let owner = try must(await http.call(port, .post, "/auth/guest"), "guest sign-in")
        let ownerToken = owner.string("access_token") ?? ""
        let org = try must(
            await http.call(port, .post, "/orgs", token: ownerToken, json: #"{"operation_id":"drill","slug":"drill","display_name":"Drill","home_region":"local"}"#),
            "organization")
        guard let orgID = org.string("id"), let project = org.string("default_project_id"), let projectID = UUID(uuidString: project) else {
            throw DrillError("setup: no organization id")
        }
        var members: [Member] = []
        for _ in 0..<chatClients {
            let guest = try must(await http.call(port, .post, "/auth/guest"), "guest sign-in")
            let token = guest.string("access_token") ?? ""
            guard case .object(let user)? = guest.json["user"], case .string(let userID)? = user["id"] else { throw DrillError("setup: no user id") }
            _ = try must(await http.call(port, .put, "/orgs/\(orgID)/projects/\(project)/members/\(userID)", token: ownerToken, json: #"{"role":"member"}"#), "member")
            let chat = try must(await http.call(port, .post, "/orgs/\(orgID)/projects/\(project)/chats", token: token), "chat")
            guard case .object(let opened)? = chat.json["chat"], case .string(let chatID)? = opened["id"] else { throw DrillError("setup: no chat id") }
            members.append(Member(token: token, chat: chatID))
        }
        return DrillSetup(ownerToken: ownerToken, orgID: orgID, projectID: projectID, members: members)
    }
}

/// Everything the load saw, by phase.
final class DrillRecorder: Sendable {
    private struct State {
        var phases: [FaultDrill.Phase]
        var acknowledged: [String: [Int64]] = [:]
        var revocations = 0
        var refusal: [String: Duration] = [:]
        var refusalsMissed = 0
        var organizations = 0
        var answered = 0
        var replays = 0
    }
    private let state: Mutex<State>

    init(phase: String) {
        state = Mutex(State(phases: [FaultDrill.Phase(name: phase)]))
    }

    func beginPhase(_ name: String) { state.withLock { $0.phases.append(FaultDrill.Phase(name: name)) } }
    func setInjection(_ duration: Duration) { state.withLock { $0.phases[$0.phases.count - 1].injection = duration } }
    func setReadyAgain(_ duration: Duration?) { state.withLock { $0.phases[$0.phases.count - 1].readyAgain = duration } }

    /// Counts one request; statuses below 400 and those in `expected` are not errors.
    func record(_ reply: DrillHTTP.Reply, expected: Set<Int> = []) {
        state.withLock { state in
            let last = state.phases.count - 1
            state.phases[last].requests += 1
            state.phases[last].maxWait = max(state.phases[last].maxWait, reply.waited)
            if let status = reply.status {
                if status >= 400, !expected.contains(status) { state.phases[last].errors[String(status), default: 0] += 1 }
            } else {
                state.phases[last].errors[reply.failure ?? "connection", default: 0] += 1
            }
        }
    }

    func acknowledge(action: String, count: Int64) { state.withLock { $0.acknowledged[action, default: []].append(count) } }
    func requestedOrganization(answered: Bool) {
        state.withLock { state in
            state.organizations += 1
            if answered { state.answered += 1 }
        }
    }
    func replayed() { state.withLock { $0.replays += 1 } }

    func revoked(refused: [String: Duration], missed: Bool) {
        state.withLock { state in
            state.revocations += 1
            if missed { state.refusalsMissed += 1 }
            for (instance, latency) in refused { state.refusal[instance] = max(state.refusal[instance] ?? .zero, latency) }
        }
    }

    func report(events: String, counted: [String: Int64], duplicates: Int) -> FaultDrill.Report {
        state.withLock { state in
            var lost = 0
            var duplicated = 0
            var acknowledged = 0
            for (action, counts) in state.acknowledged {
                acknowledged += counts.count
                duplicated += counts.count - Set(counts).count
                let held = counted[action] ?? 0
                // Every acknowledged value must still be within the counter, and the counter
                // must account for every acknowledgement.
                lost += max(counts.filter { $0 > held }.count, counts.count - Int(held))
            }
            return FaultDrill.Report(
                events: events, phases: state.phases, maxWait: state.phases.map(\.maxWait).max() ?? .zero,
                requests: state.phases.map(\.requests).reduce(0, +), revocations: state.revocations, refusalLatency: state.refusal,
                refusalsMissed: state.refusalsMissed, actionsAcknowledged: acknowledged, actionsCounted: Int(counted.values.reduce(0, +)),
                actionsLost: lost, actionsDuplicated: duplicated, organizationsRequested: state.organizations, organizationsAnswered: state.answered,
                organizationDuplicates: duplicates, organizationReplays: state.replays)
        }
    }
}

final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

struct DrillError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One `platform-api` process on a fixed loopback port, started again on the same port
/// after a kill (as a Deployment's pod would be).
final class InstanceProcess: Sendable {
    let name: String
    let executable: String
    let port: Int
    let environment: [String: String]
    let log: URL
    private let process = Mutex<ChildProcess?>(nil)

    init(name: String, executable: String, port: Int, environment: [String: String], log: URL) {
        self.name = name
        self.executable = executable
        self.port = port
        var environment = environment
        environment["PLATFORM_API_PORT"] = String(port)
        self.environment = environment
        self.log = log
    }

    func start() throws {
        let child = try ChildProcess.spawn(executable, ["serve"], environment: environment, output: log, name: "platform-api \(name)")
        process.withLock { $0 = child }
    }

    var isRunning: Bool { process.withLock { $0 }?.isRunning ?? false }

    /// SIGKILL: no graceful shutdown, in-flight requests are cut.
    func kill9() async {
        guard let child = process.withLock({ $0 }) else { return }
        kill(child.pid, SIGKILL)
        while child.isRunning { try? await Task.sleep(for: .milliseconds(1)) }
    }

    func stop() async {
        guard let child = process.withLock({ $0 }) else { return }
        await child.stop(grace: .seconds(10))
    }

    /// Whether `/readyz` answers 200.
    func isReady() async -> Bool {
        guard isRunning else { return false }
        let http = DrillHTTP()
        let reply = await http.call(port, .get, "/readyz")
        await http.shutdown()
        return reply.status == 200
    }

    func waitUntilReady(within limit: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if await isReady() { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// A `redis-server` without persistence on a fixed loopback port, restartable on that port.
final class RedisProcess: Sendable {
    let port: Int
    let directory: URL
    private let process: Mutex<ChildProcess?>

    private init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
        self.process = Mutex(nil)
    }

    static func start(directory: URL) async throws -> RedisProcess {
        let redis = RedisProcess(port: try LoopbackPort.free(), directory: directory)
        try await redis.launch()
        return redis
    }

    private func launch() async throws {
        let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "redis-server"
        let child = try ChildProcess.spawn(
            executable, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path],
            environment: [:], output: directory.appendingPathComponent("redis.log"), name: "redis-server")
        process.withLock { $0 = child }
        for _ in 0..<200 {
            if let connection = try? await RedisConnection.connect(to: endpoint) {
                connection.close()
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DrillError("redis-server did not start on port \(port)")
    }

    var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

    /// Drops every normal client connection (the instances' publishers; subscribers are `pubsub` clients).
    func killNormalClients() async throws {
        let admin = try await RedisConnection.connect(to: endpoint)
        defer { admin.close() }
        try await admin.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])
    }

    /// SIGKILL, then a new server on the same port.
    func restart() async throws {
        if let child = process.withLock({ $0 }) {
            kill(child.pid, SIGKILL)
            while child.isRunning { try await Task.sleep(for: .milliseconds(1)) }
        }
        try await launch()
    }

    func stop() {
        guard let child = process.withLock({ $0 }) else { return }
        kill(child.pid, SIGKILL)
        while child.isRunning { usleep(1000) }
    }
}
