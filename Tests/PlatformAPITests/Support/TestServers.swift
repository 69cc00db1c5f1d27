import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Logging
import MigrationRunner
import NIOCore
import NIOPosix
import PlatformAPI
import PostgresNIO
import Templates
import TestSupport
import Testing

/// Servers shared by the tests of one suite tree, reached through task-locals set by
/// the suite traits below (one PostgreSQL, one Redis per tree, stopped when it ends).
enum TestServers {
    @TaskLocal static var postgres: LocalPostgres?
    @TaskLocal static var redis: RedisServer?

    static let logger: Logger = {
        var logger = Logger(label: "platform-api-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A fresh database on the shared server, migrated with the generated migrations as the
    /// migrator; returns the settings platform-api uses (the application role).
    static func freshDatabase() async throws -> DatabaseSettings {
        guard let postgres else { throw ScenarioError("no PostgreSQL server in this test's scope") }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await postgres.createDatabase(String(name), logger: logger)
        let scripts = DatabaseMigrations.migrations().map { MigrationScript(version: $0.version, name: $0.name, sql: $0.sql) }
        _ = try await MigrationRunner().apply(scripts, configuration: postgres.configuration(database: String(name)), logger: logger)
        return DatabaseSettings(
            host: postgres.host, port: postgres.port, username: "scaffold_app", password: nil, database: String(name),
            maximumConnections: 8)
    }

    /// Runs `body` as the superuser on `database` (inspection and crash simulation only).
    static func asSuperuser<T: Sendable>(_ database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard let postgres else { throw ScenarioError("no PostgreSQL server in this test's scope") }
        return try await postgres.asSuperuser(database: database, logger: logger, body)
    }
}

/// Starts PostgreSQL (initdb, pg_ctl on loopback) around a whole suite. Locally, without
/// the binaries, the suite's tests see no server and return early; under `CI=true` a
/// missing binary fails.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard try TestTools.require("initdb"), try TestTools.require("pg_ctl") else {
            try await function()
            return
        }
        let server = try await LocalPostgres.start(logger: TestServers.logger)
        do {
            try await TestServers.$postgres.withValue(server) { try await function() }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}

/// Starts `redis-server` on a free loopback port around a whole suite.
struct RedisServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }
    var password: String?

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard try TestTools.require("redis-server") else {
            try await function()
            return
        }
        let server = try await RedisServer.start(password: password)
        do {
            try await TestServers.$redis.withValue(server) { try await function() }
        } catch {
            server.stop()
            throw error
        }
        server.stop()
    }
}

extension Trait where Self == PostgresServerTrait {
    /// A PostgreSQL server for the suite.
    static var postgresServer: PostgresServerTrait { PostgresServerTrait() }
}

extension Trait where Self == RedisServerTrait {
    /// A Redis server for the suite.
    static var redisServer: RedisServerTrait { RedisServerTrait() }
    /// A Redis server requiring `AUTH password`.
    static func redisServer(password: String) -> RedisServerTrait { RedisServerTrait(password: password) }
}

/// A `redis-server` process on 127.0.0.1, without persistence, in a temporary folder.
///
/// Spawned as a `SpawnedProcess` (see there why not with Foundation's `Process`).
final class RedisServer: @unchecked Sendable {
    let port: Int
    let password: String?
    /// With TLS: the certificates it serves (for `localhost`), and clients verify with.
    let tls: PostgresTLSTests.Certificates?
    private let process: SpawnedProcess
    private let directory: TemporaryDirectory

    private init(port: Int, password: String?, tls: PostgresTLSTests.Certificates?, process: SpawnedProcess, directory: TemporaryDirectory) {
        self.port = port
        self.password = password
        self.tls = tls
        self.process = process
        self.directory = directory
    }

    var endpoint: RedisEndpoint {
        guard let tls else { return RedisEndpoint(host: "127.0.0.1", port: port, password: password) }
        return RedisEndpoint(host: "localhost", port: port, password: password, tls: RedisTLS(rootCertificate: tls.authority))
    }

    /// Starts the server; with `tls`, it serves only TLS (no client certificates asked).
    static func start(password: String? = nil, tls: PostgresTLSTests.Certificates? = nil) async throws -> RedisServer {
        let directory = try TemporaryDirectory(prefix: "redis")
        let executable = TestTools.which("redis-server")!
        for _ in 0..<5 {
            let port = try freePort()
            var arguments = [
                executable, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory.path, "--daemonize", "no", "--loglevel", "warning",
            ]
            if let password { arguments += ["--requirepass", password] }
            if let tls {
                arguments[2] = "0"
                arguments += ["--tls-port", String(port), "--tls-cert-file", tls.serverCertificate, "--tls-key-file", tls.serverKey,
                              "--tls-ca-cert-file", tls.authority, "--tls-auth-clients", "no"]
            }
            let process = try SpawnedProcess.spawn(arguments, log: directory.url.appendingPathComponent("redis.log"))
            let server = RedisServer(port: port, password: password, tls: tls, process: process, directory: directory)
            for _ in 0..<100 {
                if server.exited { break }
                if let connection = try? await RedisConnection.connect(to: server.endpoint) {
                    connection.close()
                    return server
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            server.stop()
        }
        throw ScenarioError("redis-server did not start")
    }

    private var exited: Bool { process.exited }

    /// SIGTERM, then SIGKILL after two seconds; reaps the process.
    func stop() { process.stop(grace: .seconds(2)) }

    /// A port the kernel reports free right now.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }
}
