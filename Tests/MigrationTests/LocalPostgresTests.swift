import Foundation
import MigrationRunner
import PostgresNIO
import Testing
import TestSupport

extension PostgresTests {
    @Suite("Local PostgreSQL launcher")
    struct LocalPostgresTests {
        @Test("starts on loopback as an unprivileged user, bootstraps the migrator, and stop removes everything")
        func lifecycle() async throws {
            let server = try await LocalPostgres.start(options: .init(database: "launcher"), logger: testLogger)
            var stopped = false
            defer { if !stopped { Task { try? await server.stop() } } }

            #expect(FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("PG_VERSION").path))
            try await server.asSuperuser(logger: testLogger) { db async throws in
                #expect(try await db.text("SHOW listen_addresses") == "127.0.0.1")
                #expect(try await db.text("SHOW port") == String(server.port))
                #expect(try await db.text("SHOW unix_socket_directories") == server.socketDirectory.path)
                #expect(try await db.text("SHOW server_version_num").map { $0.hasPrefix("15") } == true)
                #expect(
                    try await db.text("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = 'launcher'")
                        == "scaffold_migrator")
                #expect(
                    try await db.rows("SELECT rolcanlogin::text, rolcreaterole::text, rolsuper::text FROM pg_roles WHERE rolname = 'scaffold_migrator'")
                        == [["true", "true", "false"]])
            }

            if geteuid() == 0 {
                // PostgreSQL refuses root: the postmaster runs as scaffold-pg.
                let pidLine = try String(contentsOf: server.dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8)
                    .split(separator: "\n").first.map(String.init) ?? ""
                let status = try String(contentsOfFile: "/proc/\(pidLine)/status", encoding: .utf8)
                let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
                let uid = uidLine.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { UInt32($0) }
                let expected = getpwnam("scaffold-pg").map { $0.pointee.pw_uid }
                #expect(uid != nil && uid == expected && uid != 0, "postmaster \(pidLine) runs as uid \(uid.map(String.init) ?? "?")")
            }

            // The migrator logs in through the unix socket too, with a libpq-style URL.
            let socketURL = try DatabaseURL(
                "postgres://scaffold_migrator@/launcher?host=\(server.socketDirectory.path)&port=\(server.port)")
            let connection = try await PostgresConnection.connect(
                configuration: try socketURL.configuration(), id: 3, logger: testLogger)
            #expect(try await connection.text("SELECT current_user::text") == "scaffold_migrator")
            try await connection.close()

            try await server.stop()
            stopped = true
            #expect(!FileManager.default.fileExists(atPath: server.directory.path))
            await #expect(throws: (any Error).self) {
                _ = try await PostgresConnection.connect(
                    configuration: server.configuration(database: "launcher"), id: 4, logger: testLogger)
            }
            try await server.stop()  // a second stop is a no-op
        }
    }
}
