import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import MigrationRunner
import NIOCore
import PlatformAPI
import Synchronization
import Templates

/// `platform-api-bench [--events postgres|redis] [--clients N] [--requests N] [--sockets N]`
///
/// Figures, not a timed test, all on loopback against a throwaway PostgreSQL (and
/// redis-server with `--events redis`), with two platform-api instances in this process:
/// 1. canned-action POST latency (p50/p99) and throughput with N concurrent clients;
/// 2. fan-out delay (p50/p99) from an action POSTed on instance A to each of 1,000
///    WebSocket clients connected to instance B;
/// 3. configuration hot-reload propagation (p50/p99): PUT on A until B swapped it in;
/// 4. API p95 per route over a mixed read/write workload.
///
/// `platform-api-bench --faults [--events postgres|redis] [--settle SECONDS]` runs the fault
/// drill instead (`FaultDrill`): two `platform-api` processes (the executable beside this
/// one, or `--platform-api PATH`) under load while connections are killed and Redis,
/// PostgreSQL and one instance are restarted.
@main
struct Bench {
    struct Options {
        var events = "postgres"
        var clients = 16
        var requests = 4000
        var sockets = 1000
        var fanOutRounds = 20
        var configRounds = 200
        var faults = false
        var logs: String?
        var settle = 5
        var platformAPI = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("platform-api").path
    }

    static func main() async throws {
        var options = Options()
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            if flag == "--faults" {
                options.faults = true
                continue
            }
            let value = arguments.popFirst() ?? ""
            switch flag {
            case "--events": options.events = value
            case "--clients": options.clients = Int(value) ?? options.clients
            case "--requests": options.requests = Int(value) ?? options.requests
            case "--sockets": options.sockets = Int(value) ?? options.sockets
            case "--rounds": options.fanOutRounds = Int(value) ?? options.fanOutRounds
            case "--config-rounds": options.configRounds = Int(value) ?? options.configRounds
            case "--settle": options.settle = Int(value) ?? options.settle
            case "--platform-api": options.platformAPI = value
            case "--logs": options.logs = value
            default:
                print("usage: platform-api-bench [--events postgres|redis] [--clients 16] [--requests 4000] [--sockets 1000] [--rounds 20] [--config-rounds 200]")
                print("       platform-api-bench --faults [--events postgres|redis] [--clients 8] [--settle 5] [--platform-api PATH] [--logs DIR]")
                exit(64)
            }
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        if options.faults {
            var drill = FaultDrill.Options(platformAPI: options.platformAPI)
            drill.events = options.events
            drill.settle = .seconds(options.settle)
            drill.logDirectory = options.logs.map { URL(fileURLWithPath: $0) }
            if CommandLine.arguments.contains("--clients") { drill.chatClients = options.clients }
            do {
                let report = try await FaultDrill(options: drill, logger: logger).run()
                for line in FaultDrill.lines(report) { print(line) }
            } catch {
                print("fault drill failed: \(error)")
                exit(1)
            }
            return
        }
        let postgres = try await LocalPostgres.start(
            options: .init(settings: ["max_connections": "200"]), logger: logger)
        var redis: Process?
        do {
            let scripts = DatabaseMigrations.migrations().map { MigrationScript(version: $0.version, name: $0.name, sql: $0.sql) }
            _ = try await MigrationRunner().apply(scripts, configuration: postgres.configuration(), logger: logger)
            var events = AppConfiguration.Events.postgres
            if options.events == "redis" {
                let (process, port) = try await startRedis()
                redis = process
                events = .redis(RedisEndpoint(host: "127.0.0.1", port: port))
            }
            let database = DatabaseSettings(
                host: postgres.host, port: postgres.port, username: "scaffold_app", database: "scaffold", maximumConnections: 24)
            try await run(options: options, database: database, events: events, logger: logger)
        } catch {
            print("bench failed: \(error)")
        }
        if let redis {
            // Foundation's Process passes this process's blocked signals on to the child, so
            // redis-server would never see SIGTERM; it keeps no data here, so SIGKILL is fine.
            kill(redis.processIdentifier, SIGKILL)
            redis.waitUntilExit()
        }
        try? await postgres.stop()
    }

    static func startRedis() async throws -> (Process, Int) {
        let port = Int.random(in: 20000...40000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if let connection = try? await RedisConnection.connect(to: RedisEndpoint(host: "127.0.0.1", port: port)) {
                connection.close()
                return (process, port)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("redis-server did not start")
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    final class Instance: Sendable {
        let runtime: PlatformRuntime
        let port: Int
        let task: Task<Void, any Error>
        init(runtime: PlatformRuntime, port: Int, task: Task<Void, any Error>) {
            self.runtime = runtime
            self.port = port
            self.task = task
        }
    }

    static func startInstance(_ name: String, database: DatabaseSettings, events: AppConfiguration.Events, logger: Logger) async throws -> Instance {
        var configuration = AppConfiguration(
            host: "127.0.0.1", port: 0, jwtSecret: "bench-secret-0123456789abcdef0123456789abcdef", adminKey: "bench-admin-key",
            database: database, events: events, logLevel: .error, instanceName: name)
        configuration.limits = .generous  // the benchmark measures throughput, from one address
        let runtime = await PlatformRuntime(
            configuration: configuration, dependencies: .postgres(configuration: configuration, logger: logger), logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(runtime: runtime) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("instance did not start") }
        while await runtime.readiness().values.contains(false) { try await Task.sleep(for: .milliseconds(20)) }
        return Instance(runtime: runtime, port: port, task: task)
    }

    // MARK: HTTP helpers

    struct Reply {
        var status: HTTPResponse.Status
        var json: [String: JSONValue]
        var headers: HTTPFields
    }

    static func call(_ client: TestClient, _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(.init(path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }))
        var object: [String: JSONValue] = [:]
        if let body = response.body, case .object(let parsed)? = try? JSONValue(jsonText: String(buffer: body)) { object = parsed }
        return Reply(status: response.status, json: object, headers: response.headers)
    }

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    static func percentile(_ values: [Duration], _ p: Double) -> Duration {
        guard !values.isEmpty else { return .zero }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }

    static func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    // MARK: The run

    struct Member {
        var token: String
        var chat: String
    }

    static func run(options: Options, database: DatabaseSettings, events: AppConfiguration.Events, logger: Logger) async throws {
        let a = try await startInstance("a", database: database, events: events, logger: logger)
        let b = try await startInstance("b", database: database, events: events, logger: logger)
        print("platform-api-bench: 2 instances, events over \(options.events), PostgreSQL 127.0.0.1:\(database.port), \(ProcessInfo.processInfo.activeProcessorCount) cores")

        // Setup: an owner, an organization, and one member (with a chat) per concurrent client.
        let (org, project, members) = try await TestClient.withClient(host: "127.0.0.1", port: a.port) { client in
            let owner = try await call(client, .post, "/auth/guest")
            let ownerToken = string(owner.json["access_token"])!
            let created = try await call(
                client, .post, "/orgs", token: ownerToken,
                json: #"{"operation_id":"bench","slug":"bench","display_name":"Bench","home_region":"local"}"#)
            guard created.status == .created else { throw BenchError("org: \(created.status)") }
            let org = string(created.json["id"])!
            let project = string(created.json["default_project_id"])!
            var members: [Member] = []
            for _ in 0..<max(options.clients, 1) {
                let guest = try await call(client, .post, "/auth/guest")
                let token = string(guest.json["access_token"])!
                let userID: String = {
                    if case .object(let user)? = guest.json["user"] { return string(user["id"])! }
                    return ""
                }()
                _ = try await call(client, .put, "/orgs/\(org)/projects/\(project)/members/\(userID)", token: ownerToken, json: #"{"role":"member"}"#)
                let chat = try await call(client, .post, "/orgs/\(org)/projects/\(project)/chats", token: token)
                guard case .object(let chatObject)? = chat.json["chat"], let chatID = string(chatObject["id"]) else {
                    throw BenchError("chat: \(chat.status)")
                }
                members.append(Member(token: token, chat: chatID))
            }
            return (org, project, members)
        }
        let base = "/orgs/\(org)/projects/\(project)"

        // 1. Canned-action POST latency and throughput.
        let perClient = max(1, options.requests / members.count)
        let actions = CannedAction.allCases.map(\.rawValue)
        for member in members.prefix(4) {  // warm-up
            try await TestClient.withClient(host: "127.0.0.1", port: a.port) { client in
                for _ in 0..<20 { _ = try await call(client, .post, "\(base)/chats/\(member.chat)/actions", token: member.token, json: #"{"action":"ready"}"#) }
            }
        }
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (index, member) in members.enumerated() {
                let port = index % 2 == 0 ? a.port : b.port
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        var samples: [Duration] = []
                        samples.reserveCapacity(perClient)
                        for request in 0..<perClient {
                            let action = actions[(index + request) % actions.count]
                            let start = ContinuousClock.now
                            let reply = try await call(client, .post, "\(base)/chats/\(member.chat)/actions", token: member.token, json: #"{"action":"\#(action)"}"#)
                            samples.append(ContinuousClock.now - start)
                            guard reply.status == .ok else { throw BenchError("action: \(reply.status)") }
                        }
                        return samples
                    }
                }
            }
            var all: [Duration] = []
            for try await samples in group { all += samples }
            return all
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("")
        print("1. canned-action POST, \(members.count) concurrent clients over both instances, \(latencies.count) requests")
        print("   p50 \(ms(percentile(latencies, 0.50)))   p99 \(ms(percentile(latencies, 0.99)))   throughput \(Int(Double(latencies.count) / seconds)) req/s")

        // 2. Fan-out delay to WebSocket clients on instance B.
        let fanOut = try await measureFanOut(options: options, a: a, b: b, base: base, member: members[0])
        print("")
        print("2. fan-out: action POSTed on A, received by \(fanOut.clients) WebSocket clients on B, \(options.fanOutRounds) rounds, \(fanOut.samples.count) deliveries")
        print("   p50 \(ms(percentile(fanOut.samples, 0.50)))   p99 \(ms(percentile(fanOut.samples, 0.99)))   max \(ms(fanOut.samples.max() ?? .zero))   lost \(fanOut.lost)")

        // 3. Configuration hot-reload propagation A → B.
        let propagation = try await measurePropagation(options: options, a: a, b: b)
        print("")
        print("3. config hot reload: PUT on A until B swapped the new version in, \(propagation.count) changes")
        print("   p50 \(ms(percentile(propagation, 0.50)))   p99 \(ms(percentile(propagation, 0.99)))   max \(ms(propagation.max() ?? .zero))")

        // 4. API p95 per route over a mixed workload.
        let mixed = try await measureMixed(options: options, a: a, b: b, base: base, members: members)
        print("")
        print("4. API latency, mixed workload, \(members.count) concurrent clients")
        var all: [Duration] = []
        for (route, samples) in mixed.sorted(by: { $0.key < $1.key }) {
            all += samples
            print("   \(route.padding(toLength: 58, withPad: " ", startingAt: 0)) n=\(samples.count)  p95 \(ms(percentile(samples, 0.95)))")
        }
        print("   all routes: p95 \(ms(percentile(all, 0.95)))   p99 \(ms(percentile(all, 0.99)))")

        for instance in [a, b] {
            instance.task.cancel()
            _ = await instance.task.result
        }
    }

    static func measureFanOut(options: Options, a: Instance, b: Instance, base: String, member: Member) async throws -> (clients: Int, samples: [Duration], lost: Int) {
        let received = Arrivals()
        let logger: Logger = {
            var logger = Logger(label: "ws")
            logger.logLevel = .critical
            return logger
        }()
        let clientTasks = (0..<options.sockets).map { _ in
            Task {
                let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16, additionalHeaders: [.authorization: "Bearer \(member.token)"])
                _ = try? await WebSocketClient.connect(url: "ws://127.0.0.1:\(b.port)\(base)/live", configuration: configuration, logger: logger) { inbound, _, _ in
                    var first = true
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        let now = ContinuousClock.now
                        guard case .text(let text) = message else { continue }
                        if first {
                            first = false
                            received.state.withLock { $0.connected += 1 }
                            continue
                        }
                        // {"action":"deployed","count":N,...}
                        guard let range = text.range(of: #""count":"#) else { continue }
                        let digits = text[range.upperBound...].prefix { $0.isNumber }
                        if let count = Int64(digits) { received.state.withLock { $0.times[count, default: []].append(now) } }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while received.state.withLock({ $0.connected }) < options.sockets, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let connected = received.state.withLock { $0.connected }
        let sent = try await TestClient.withClient(host: "127.0.0.1", port: a.port) { client in
            var sent: [Int64: ContinuousClock.Instant] = [:]
            for _ in 0..<options.fanOutRounds {
                let start = ContinuousClock.now
                let reply = try await call(client, .post, "\(base)/chats/\(member.chat)/actions", token: member.token, json: #"{"action":"tests_green"}"#)
                if case .number(let count)? = reply.json["count"] { sent[Int64(count)] = start }
                try await Task.sleep(for: .milliseconds(150))
            }
            return sent
        }
        try await Task.sleep(for: .seconds(1))
        let times = received.state.withLock { $0.times }
        var samples: [Duration] = []
        var lost = 0
        for (count, start) in sent {
            let arrivals = times[count] ?? []
            lost += connected - arrivals.count
            samples += arrivals.map { $0 - start }
        }
        for task in clientTasks { task.cancel() }
        return (connected, samples, lost)
    }

    static func measurePropagation(options: Options, a: Instance, b: Instance) async throws -> [Duration] {
        try await TestClient.withClient(host: "127.0.0.1", port: a.port) { client in
            let admin = try await call(client, .post, "/auth/admin", json: #"{"key":"bench-admin-key"}"#)
            let token = string(admin.json["access_token"])!
            _ = try await call(client, .put, "/configs/bench.threshold", token: token, json: #"{"value":0}"#, headers: [.ifNoneMatch: "*"])
            var samples: [Duration] = []
            for version in 2...(options.configRounds + 1) {
                let updates = b.runtime.configCache.updates()
                let start = ContinuousClock.now
                let reply = try await call(
                    client, .put, "/configs/bench.threshold", token: token, json: #"{"value":\#(version)}"#, headers: [.ifMatch: "\"\(version - 1)\""])
                guard reply.status == .ok else { throw BenchError("config put: \(reply.status)") }
                if b.runtime.configCache.version(of: "bench.threshold") < Int64(version) {
                    for await entry in updates where entry.key == "bench.threshold" && entry.version >= Int64(version) { break }
                }
                samples.append(ContinuousClock.now - start)
            }
            return samples
        }
    }

    static func measureMixed(options: Options, a: Instance, b: Instance, base: String, members: [Member]) async throws -> [String: [Duration]] {
        let perClient = max(1, options.requests / members.count)
        return try await withThrowingTaskGroup(of: [String: [Duration]].self) { group in
            for (index, member) in members.enumerated() {
                let port = index % 2 == 0 ? a.port : b.port
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        var samples: [String: [Duration]] = [:]
                        let routes: [(String, HTTPRequest.Method, String, String?)] = [
                            ("POST \(ChatControllerPaths.actions)", .post, "\(base)/chats/\(member.chat)/actions", #"{"action":"review"}"#),
                            ("GET \(ChatControllerPaths.counters)", .get, "\(base)/counters", nil),
                            ("GET \(ChatControllerPaths.chats)", .get, "\(base)/chats", nil),
                            ("GET \(ChatControllerPaths.project)", .get, base, nil),
                            ("GET /me", .get, "/me", nil),
                        ]
                        for request in 0..<perClient {
                            let (name, method, path, body) = routes[(index + request) % routes.count]
                            let start = ContinuousClock.now
                            let reply = try await call(client, method, path, token: member.token, json: body)
                            samples[name, default: []].append(ContinuousClock.now - start)
                            guard reply.status == .ok else { throw BenchError("\(name): \(reply.status)") }
                        }
                        return samples
                    }
                }
            }
            var merged: [String: [Duration]] = [:]
            for try await samples in group {
                for (route, values) in samples { merged[route, default: []] += values }
            }
            return merged
        }
    }
}

/// What the WebSocket clients of the fan-out measurement received, and when.
final class Arrivals: Sendable {
    struct State {
        var times: [Int64: [ContinuousClock.Instant]] = [:]
        var connected = 0
    }
    let state = Mutex(State())
}

/// Route patterns as reported in the figures.
enum ChatControllerPaths {
    static let project = "/orgs/{orgID}/projects/{projectID}"
    static let chats = "\(project)/chats"
    static let actions = "\(project)/chats/{chatID}/actions"
    static let counters = "\(project)/counters"
}
