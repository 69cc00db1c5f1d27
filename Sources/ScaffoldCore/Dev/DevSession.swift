import Foundation
import Logging
import MigrationRunner
import Templates

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A running `scaffold dev`: a throwaway PostgreSQL (and `redis-server` when the plan says
/// so) on loopback, migrated with the generated migrations, and platform-api serving on
/// 127.0.0.1. `stop()` stops everything in reverse order and deletes every temporary file.
public final class DevSession: @unchecked Sendable {
    /// What to run and where.
    public struct Options: Sendable {
        /// The `platform-api` executable (by default beside the running `scaffold`).
        public var platformAPI: String
        /// The port platform-api listens on (0: the blueprint's port, or a free one if taken).
        public var port: Int
        /// Log level passed to platform-api.
        public var logLevel: String

        /// Creates options.
        public init(platformAPI: String, port: Int = 0, logLevel: String = "info") {
            self.platformAPI = platformAPI
            self.port = port
            self.logLevel = logLevel
        }

        /// `platform-api` in the folder of the running executable.
        public static func besideExecutable(_ argument0: String = CommandLine.arguments[0]) -> String {
            let resolved = URL(fileURLWithPath: argument0).resolvingSymlinksInPath()
            return resolved.deletingLastPathComponent().appendingPathComponent("platform-api").path
        }
    }

    /// What a running session offers.
    public struct Endpoints: Sendable, Equatable {
        /// The web page and API.
        public var url: String
        /// PostgreSQL as the application role (no password: trust on loopback).
        public var databaseURL: String
        /// Redis, when started.
        public var redis: String?
        /// A file (mode 0600) holding the admin key for `POST /auth/admin`.
        public var adminKeyFile: String
    }

    public let plan: DevPlan
    public let endpoints: Endpoints
    private let postgres: LocalPostgres
    private let redis: ChildProcess?
    private let service: ChildProcess
    private let directory: URL
    private let logger: Logger
    private let stopped = NSLock()
    private var isStopped = false

    private init(
        plan: DevPlan, endpoints: Endpoints, postgres: LocalPostgres, redis: ChildProcess?, service: ChildProcess,
        directory: URL, logger: Logger
    ) {
        self.plan = plan
        self.endpoints = endpoints
        self.postgres = postgres
        self.redis = redis
        self.service = service
        self.directory = directory
        self.logger = logger
    }

    /// Why the session could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts everything; on any failure, what was started is stopped and removed again.
    /// `progress` receives one line per step.
    public static func start(
        plan: DevPlan, options: Options, logger: Logger, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> DevSession {
        guard FileManager.default.isExecutableFile(atPath: options.platformAPI) else {
            throw StartError(description: "platform-api executable not found at \(options.platformAPI) (build it with `swift build --product platform-api`, or pass --platform-api)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-dev-\(UUID().uuidString.lowercased().prefix(12))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var postgres: LocalPostgres?
        var redis: ChildProcess?
        do {
            progress("starting PostgreSQL on 127.0.0.1")
            let server = try await LocalPostgres.start(logger: logger)
            postgres = server
            progress("applying \(DatabaseMigrations.migrations().count) migrations as \(DatabaseMigrations.migratorRole)")
            let scripts = DatabaseMigrations.migrations().map { MigrationScript(version: $0.version, name: $0.name, sql: $0.sql) }
            _ = try await MigrationRunner().apply(scripts, configuration: server.configuration(), logger: logger)

            var redisURL: String?
            var environment: [String: String] = [:]
            if plan.transport == .redis {
                guard let redisServer = Self.which("redis-server") else {
                    throw StartError(description: "the blueprint uses Redis (CONFIG_TRANSPORT: redis) but `redis-server` is not installed\n"
                        + "  hint: install it (`apt-get install redis-server`; `scripts/install-deps.sh --test` installs it with PostgreSQL), "
                        + "or use PostgreSQL's NOTIFY: `CONFIG_TRANSPORT: postgres` in the local environment's overlay")
                }
                let port = try LoopbackPort.free()
                progress("starting redis-server on 127.0.0.1:\(port)")
                redis = try ChildProcess.spawn(
                    redisServer,
                    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path, "--daemonize", "no"],
                    environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                    output: directory.appendingPathComponent("redis.log"), name: "redis-server")
                try await waitUntil("redis-server", timeout: .seconds(10)) { LoopbackPort.isListening(port) }
                redisURL = "redis://127.0.0.1:\(port)"
                environment["REDIS_HOST"] = "127.0.0.1"
                environment["REDIS_PORT"] = String(port)
            }

            var port = options.port
            if port == 0 {
                port = LoopbackPort.isListening(plan.servicePort) ? try LoopbackPort.free() : plan.servicePort
            }
            let adminKey = randomHex(bytes: 24)
            let adminKeyFile = directory.appendingPathComponent("admin-key")
            _ = FileManager.default.createFile(atPath: adminKeyFile.path, contents: Data((adminKey + "\n").utf8), attributes: [.posixPermissions: 0o600])
            let databaseURL = server.url(user: DatabaseMigrations.applicationRole)
            // The blueprint's non-secret configuration first, then what only dev decides.
            for (key, value) in plan.serviceConfig { environment[key] = value }
            environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            environment["PLATFORM_API_HOST"] = "127.0.0.1"
            environment["PLATFORM_API_PORT"] = String(port)
            environment["JWT_SECRET"] = randomHex(bytes: 32)
            environment["PLATFORM_API_ADMIN_KEY"] = adminKey
            environment["DATABASE_URL"] = databaseURL
            environment["CONFIG_TRANSPORT"] = plan.transport.rawValue
            environment["PLATFORM_API_REGIONS"] = plan.regions.joined(separator: ",")
            environment["LOG_LEVEL"] = options.logLevel
            environment["PLATFORM_API_INSTANCE"] = "dev-local"

            progress("starting platform-api on 127.0.0.1:\(port)")
            let service = try ChildProcess.spawn(options.platformAPI, ["serve"], environment: environment, name: "platform-api")
            let session = DevSession(
                plan: plan,
                endpoints: Endpoints(url: "http://127.0.0.1:\(port)/", databaseURL: databaseURL, redis: redisURL, adminKeyFile: adminKeyFile.path),
                postgres: server, redis: redis, service: service, directory: directory, logger: logger)
            do {
                try await waitUntil("platform-api", timeout: .seconds(30)) {
                    guard service.isRunning else {
                        throw StartError(description: "platform-api exited with status \(service.status ?? -1) (see its log above)")
                    }
                    return await Self.isReady(port: port)
                }
            } catch {
                await session.stop()
                throw error
            }
            return session
        } catch {
            if let redis { await redis.stop() }
            if let postgres { try? await postgres.stop() }
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Whether platform-api is still running.
    public var isRunning: Bool { service.isRunning }

    /// platform-api's exit status once it has ended.
    public var serviceExitStatus: Int32? { service.status }

    /// Stops platform-api (SIGTERM: graceful), then Redis, then PostgreSQL, and removes
    /// every temporary folder. Safe to call more than once.
    public func stop() async {
        let first: Bool = stopped.withLock {
            defer { isStopped = true }
            return !isStopped
        }
        guard first else { return }
        await service.stop(signal: SIGTERM, grace: .seconds(15))
        if let redis { await redis.stop(signal: SIGTERM, grace: .seconds(5)) }
        do {
            try await postgres.stop()
        } catch {
            logger.warning("PostgreSQL did not stop cleanly; removing its folder anyway", metadata: ["error": "\(error)"])
            try? FileManager.default.removeItem(at: postgres.directory)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The temporary folders this session created (all removed by `stop()`).
    public var temporaryFolders: [String] { [directory.path, postgres.directory.path] }

    // MARK: Helpers

    static func isReady(port: Int) async -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)/readyz") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    private static func waitUntil(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StartError(description: "\(what) did not become ready within \(timeout)")
    }

    private static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in (path + ":/usr/sbin:/sbin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
