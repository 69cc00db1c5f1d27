import Foundation
import Logging
import MigrationRunner
import PlatformAPI
import PostgresNIO
import Templates
import TestSupport
import Testing

/// platform-api and the migration Job reach PostgreSQL as the generated platform sets them
/// up: `sslmode=verify-full` against the CA from the secret store, secrets read from the
/// files `<NAME>_FILE` names. Against a real PostgreSQL serving a certificate made here
/// with openssl (a CA, and a server certificate for `localhost` only).
@Suite(.serialized) struct PostgresTLSTests {
    /// The certificates: the server's, the CA that issued it, and an unrelated CA.
    struct Certificates {
        let directory: URL
        var authority: String { directory.appendingPathComponent("ca.crt").path }
        var otherAuthority: String { directory.appendingPathComponent("other-ca.crt").path }
        var serverCertificate: String { directory.appendingPathComponent("server.crt").path }
        var serverKey: String { directory.appendingPathComponent("server.key").path }

        static func make(in directory: URL) throws -> Certificates {
            let certificates = Certificates(directory: directory)
            func openssl(_ arguments: [String]) throws {
                let result = try TestTools.run("openssl", arguments, cwd: directory)
                guard result.status == 0 else { throw ScenarioError("openssl \(arguments.first ?? ""): \(result.stderr)") }
            }
            for name in ["ca", "other-ca"] {
                try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=scaffold test \(name)",
                             "-keyout", "\(name).key", "-out", "\(name).crt"])
            }
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"])
            try "subjectAltName=DNS:localhost\n".write(to: directory.appendingPathComponent("san.ext"), atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                         "-extfile", "san.ext", "-out", "server.crt"])
            return certificates
        }
    }

    /// A PostgreSQL with TLS on, for the duration of `body`.
    static func withTLSServer(_ body: (LocalPostgres, Certificates) async throws -> Void) async throws {
        guard try TestTools.require("initdb"), try TestTools.require("openssl") else { return }
        let logger = TestServers.logger
        let server = try await LocalPostgres.start(logger: logger)
        do {
            // Inside the server's own folder, owned by the account it runs as (PostgreSQL
            // refuses a key file others can read).
            let directory = server.directory.appendingPathComponent("tls")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let certificates = try Certificates.make(in: directory)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: certificates.serverKey)
            if geteuid() == 0 {
                for path in [directory.path, certificates.serverKey, certificates.serverCertificate] {
                    try FileManager.default.setAttributes([.ownerAccountName: server.options.systemUser], ofItemAtPath: path)
                }
            }
            try await server.asSuperuser(logger: logger) { connection in
                for statement in [
                    "ALTER SYSTEM SET ssl_cert_file = '\(certificates.serverCertificate)'",
                    "ALTER SYSTEM SET ssl_key_file = '\(certificates.serverKey)'",
                    "ALTER SYSTEM SET ssl = on",
                ] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("SELECT pg_reload_conf()", logger: logger)
            }
            try await Task.sleep(for: .milliseconds(300))
            try await body(server, certificates)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    /// Whether a pooled query over these settings runs on a TLS connection.
    static func queryOverTLS(_ settings: DatabaseSettings) async throws -> Bool {
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: TestServers.logger)
        return try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            let rows = try await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: TestServers.logger)
            for try await ssl in rows.decode(Bool.self) { return ssl }
            return false
        }
    }

    @Test func platformAPIVerifiesTheServerAgainstTheStoresCA() async throws {
        try await Self.withTLSServer { server, certificates in
            let password = server.directory.appendingPathComponent("tls/DATABASE_PASSWORD")
            try "not-checked-by-trust-auth\n".write(to: password, atomically: true, encoding: .utf8)
            // As the generated ConfigMap and Deployment set it (the host is the name the certificate carries).
            let environment = [
                "JWT_SECRET": LiveInstance.jwtSecret,
                "DATABASE_HOST": "localhost", "DATABASE_PORT": "\(server.port)", "DATABASE_NAME": "postgres",
                "DATABASE_USER": server.options.superuser,
                "DATABASE_SSLMODE": "verify-full", "DATABASE_SSLROOTCERT": certificates.authority,
                "DATABASE_PASSWORD_FILE": password.path,
            ]
            let configuration = try AppConfiguration.fromEnvironment(environment)
            #expect(configuration.database.password == "not-checked-by-trust-auth")
            #expect(try await Self.queryOverTLS(configuration.database))

            // The LISTEN connection uses the same TLS.
            let listener = try await PostgresConnection.connect(
                configuration: try configuration.database.connectionConfiguration(), id: 1, logger: TestServers.logger)
            let rows = try await listener.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: TestServers.logger)
            var ssl = false
            for try await value in rows.decode(Bool.self) { ssl = value }
            #expect(ssl)
            try await listener.close()

            // Another CA's certificate, or a host the certificate does not name, is refused.
            var wrongAuthority = configuration.database
            wrongAuthority.sslRootCertificate = certificates.otherAuthority
            await #expect(throws: (any Error).self) {
                let connection = try await PostgresConnection.connect(
                    configuration: try wrongAuthority.connectionConfiguration(), id: 2, logger: TestServers.logger)
                try await connection.close()
            }
            var wrongHost = configuration.database
            wrongHost.host = "127.0.0.1"
            await #expect(throws: (any Error).self) {
                let connection = try await PostgresConnection.connect(
                    configuration: try wrongHost.connectionConfiguration(), id: 3, logger: TestServers.logger)
                try await connection.close()
            }
            // verify-ca checks the chain but not the name.
            wrongHost.sslMode = .verifyCA
            let byAddress = try await PostgresConnection.connect(
                configuration: try wrongHost.connectionConfiguration(), id: 4, logger: TestServers.logger)
            try await byAddress.close()

            // An unreadable CA file is a configuration error, not a plain-text fall back.
            var missing = environment
            missing["DATABASE_SSLROOTCERT"] = "/nonexistent/ca.crt"
            #expect(throws: ConfigurationErrors.self) { try AppConfiguration.fromEnvironment(missing) }
        }
    }

    @Test func theMigrationJobRunsOverVerifyFullWithItsPasswordFromAFile() async throws {
        try await Self.withTLSServer { server, certificates in
            let password = server.directory.appendingPathComponent("tls/password")
            try "unused\n".write(to: password, atomically: true, encoding: .utf8)
            let migrations = server.directory.appendingPathComponent(DatabaseMigrations.directory)
            try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
            for file in DatabaseMigrations.files() {
                try file.contents.write(to: server.directory.appendingPathComponent(file.path), atomically: true, encoding: .utf8)
            }
            // The generated Job's environment, pointed at this server.
            let outcome = try await MigrationJob.run(environment: [
                "MIGRATION_DATABASE_URL": "postgres://\(server.options.migratorRole)@localhost:\(server.port)/\(server.options.database)"
                    + "?sslmode=verify-full&sslrootcert=\(certificates.authority)",
                "PGPASSWORD_FILE": password.path,
                "PLATFORM_API_MIGRATIONS_DIR": migrations.path,
            ], logger: TestServers.logger)
            #expect(outcome.applied == DatabaseMigrations.migrations().map(\.version))
            let wrong = try? await MigrationJob.run(environment: [
                "MIGRATION_DATABASE_URL": "postgres://\(server.options.migratorRole)@localhost:\(server.port)/\(server.options.database)"
                    + "?sslmode=verify-full&sslrootcert=\(certificates.otherAuthority)",
                "PGPASSWORD_FILE": password.path,
                "PLATFORM_API_MIGRATIONS_DIR": migrations.path,
            ], logger: TestServers.logger)
            #expect(wrong == nil, "a server whose certificate another CA issued was trusted")
        }
    }

    @Test func fileVariablesReplaceTheirVariable() throws {
        let directory = try TemporaryDirectory()
        let secret = directory.url.appendingPathComponent("JWT_SECRET")
        try (String(repeating: "k", count: 40) + "\n").write(to: secret, atomically: true, encoding: .utf8)
        let configuration = try AppConfiguration.fromEnvironment(["JWT_SECRET_FILE": secret.path, "SSL_CERT_FILE": "/nonexistent/ca-bundle.crt"])
        #expect(configuration.jwtSecret == String(repeating: "k", count: 40))

        let empty = directory.url.appendingPathComponent("EMPTY")
        try "".write(to: empty, atomically: true, encoding: .utf8)
        let (_, problems) = EnvironmentFiles.resolve([
            "JWT_SECRET": "x", "JWT_SECRET_FILE": secret.path,
            "REDIS_PASSWORD_FILE": "/nonexistent/REDIS_PASSWORD",
            "DATABASE_PASSWORD_FILE": empty.path,
            // Not one of ours: a CA bundle path as many images set it.
            "SSL_CERT_FILE": "/nonexistent/ca-bundle.crt",
        ], names: AppConfiguration.fileVariables)
        #expect(problems.map(\.description) == [
            "DATABASE_PASSWORD_FILE: \(empty.path) is empty",
            "both JWT_SECRET and JWT_SECRET_FILE are set; set one",
            "REDIS_PASSWORD_FILE: cannot read /nonexistent/REDIS_PASSWORD",
        ])
        // No value ever appears in a problem.
        #expect(!problems.map(\.description).joined().contains("kkkk"))
    }
}
