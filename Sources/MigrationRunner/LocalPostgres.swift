import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway PostgreSQL server in a temporary folder, for `scaffold dev` and for every
/// test that needs a real database.
///
/// `start` runs `initdb` into a fresh folder, starts the server with `pg_ctl` on 127.0.0.1
/// and a free port (its unix socket in the same folder), waits until it accepts connections,
/// and creates the migrator role (`LOGIN CREATEROLE`) and a database it owns. PostgreSQL
/// refuses to run as root, so when the process is root the server runs as the unprivileged
/// user `scaffold-pg` (created with `useradd` when missing) through `runuser`.
///
/// Authentication is `trust`, reachable only from loopback and the private socket folder: no
/// password exists anywhere. `stop` stops the server and deletes the folder.
public final class LocalPostgres: Sendable {
    /// How to start the server.
    public struct Options: Sendable {
        /// The database created for the migrator.
        public var database: String
        /// The bootstrap superuser (`initdb -U`).
        public var superuser: String
        /// The role that owns `database` and runs migrations.
        public var migratorRole: String
        /// The account the server runs as when this process is root.
        public var systemUser: String
        /// Where the temporary folder is created (the system temporary folder by default). It
        /// must be traversable by `systemUser` when running as root.
        public var parentDirectory: URL?
        /// `false` (the default) turns off fsync, synchronous commit and full-page writes: the
        /// data is thrown away anyway, and tests run several times faster.
        public var durable: Bool
        /// Extra server settings (`-c name=value`), applied in name order.
        public var settings: [String: String]

        /// Creates options; the defaults match the schema contract (`scaffold`, `scaffold_migrator`).
        public init(
            database: String = "scaffold", superuser: String = "postgres", migratorRole: String = "scaffold_migrator",
            systemUser: String = "scaffold-pg", parentDirectory: URL? = nil, durable: Bool = false,
            settings: [String: String] = [:]
        ) {
            self.database = database
            self.superuser = superuser
            self.migratorRole = migratorRole
            self.systemUser = systemUser
            self.parentDirectory = parentDirectory
            self.durable = durable
            self.settings = settings
        }
    }

    /// Why the server could not be started or stopped.
    public struct LaunchError: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The address the server listens on.
    public let host = "127.0.0.1"
    /// The TCP port, chosen free at start.
    public let port: Int
    /// The temporary folder: `data/` (the cluster), `socket/`, `postgres.log`.
    public let directory: URL
    public let options: Options

    private let pgCtl: String
    private let runAs: SystemUser?
    private let state = StopState()

    /// The cluster's data folder.
    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    /// The folder holding the server's unix socket.
    public var socketDirectory: URL { directory.appendingPathComponent("socket") }
    /// The server log.
    public var logFile: URL { directory.appendingPathComponent("postgres.log") }

    private init(port: Int, directory: URL, options: Options, pgCtl: String, runAs: SystemUser?) {
        self.port = port
        self.directory = directory
        self.options = options
        self.pgCtl = pgCtl
        self.runAs = runAs
    }

    /// Starts a server; call `stop()` when done.
    public static func start(options: Options = Options(), logger: Logger) async throws -> LocalPostgres {
        let initdb = try PostgresBinaries.locate("initdb")
        let pgCtl = try PostgresBinaries.locate("pg_ctl")

        let parent = options.parentDirectory ?? FileManager.default.temporaryDirectory
        let directory = parent.appendingPathComponent("scaffold-pg-\(UUID().uuidString.lowercased().prefix(12))")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("socket"), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)

        var runAs: SystemUser?
        do {
            runAs = geteuid() == 0 ? try SystemUser.ensure(options.systemUser, logger: logger) : nil
            if let runAs { try runAs.own(directory) }

            var initArguments = [
                "-D", directory.appendingPathComponent("data").path, "-U", options.superuser, "--auth=trust",
                "--encoding=UTF8", "--locale=C",
            ]
            if !options.durable { initArguments.append("--no-sync") }
            try await ExternalCommand.run(
                initdb, initArguments, as: runAs, in: directory, log: directory.appendingPathComponent("initdb.log"))

            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = try FreePort.find()
                let server = LocalPostgres(port: port, directory: directory, options: options, pgCtl: pgCtl, runAs: runAs)
                do {
                    try await server.launch()
                } catch {
                    // Another process may have taken the port between probing and binding: try another.
                    lastError = error
                    let log = (try? String(contentsOf: server.logFile, encoding: .utf8)) ?? ""
                    if log.contains("could not bind") || log.contains("Address already in use") { continue }
                    throw error
                }
                logger.info(
                    "started PostgreSQL", metadata: ["port": "\(port)", "directory": "\(directory.path)"])
                do {
                    try await server.bootstrap(logger: logger)
                } catch {
                    try? await server.stop()
                    throw error
                }
                return server
            }
            throw lastError ?? LaunchError(description: "could not start PostgreSQL")
        } catch {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("data/postmaster.pid").path) {
                _ = try? await ExternalCommand.run(
                    pgCtl, ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"],
                    as: runAs, in: directory, log: directory.appendingPathComponent("pg_ctl-stop.log"))
            }
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// `postgres://user@127.0.0.1:port/database?sslmode=disable` (no password: trust auth).
    public func url(user: String? = nil, database: String? = nil) -> String {
        "postgres://\(user ?? options.migratorRole)@\(host):\(port)/\(database ?? options.database)?sslmode=disable"
    }

    /// The URL migrations run with: the migrator role on the migrator's database.
    public var migratorURL: String { url() }

    /// A connection configuration for `user` on `database` over loopback TCP.
    public func configuration(user: String? = nil, database: String? = nil) -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: user ?? options.migratorRole, password: nil,
            database: database ?? options.database, tls: .disable)
    }

    /// Creates another database (owned by the migrator unless `owner` says otherwise): tests
    /// share one server and take a fresh database each.
    public func createDatabase(_ name: String, owner: String? = nil, logger: Logger) async throws {
        let sql =
            "CREATE DATABASE \(Self.quoted(name)) OWNER \(Self.quoted(owner ?? options.migratorRole)) TEMPLATE template0 ENCODING 'UTF8'"
        try await asSuperuser(logger: logger) { connection in
            try await DatabaseSession(connection: connection, logger: logger).execute(sql)
        }
    }

    /// Runs `body` on a superuser connection to `database` (default `postgres`); the superuser
    /// bypasses row-level security, which tests use to seed and inspect data.
    @discardableResult
    public func asSuperuser<Result: Sendable>(
        database: String = "postgres", logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: configuration(user: options.superuser, database: database), id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Stops the server (fast shutdown: open connections are closed) and removes the folder.
    /// Calling it again does nothing.
    public func stop() async throws {
        guard state.markStopped() else { return }
        defer { try? FileManager.default.removeItem(at: directory) }
        try await ExternalCommand.run(
            pgCtl, ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"], as: runAs, in: directory,
            log: directory.appendingPathComponent("pg_ctl-stop.log"))
    }

    /// Stops the server and starts it again on the same port and data (fault drills:
    /// every open connection is lost, as in a failover or a pod restart). `fast` rolls back
    /// open transactions and checkpoints; `immediate` is a crash, recovered from the WAL.
    public func restart(mode: ShutdownMode = .fast) async throws {
        try await ExternalCommand.run(
            pgCtl, ["-D", dataDirectory.path, "-m", mode.rawValue, "-w", "-t", "60", "stop"], as: runAs, in: directory,
            log: directory.appendingPathComponent("pg_ctl-stop.log"))
        try await launch()
    }

    /// `pg_ctl stop -m` modes.
    public enum ShutdownMode: String, Sendable {
        case fast
        case immediate
    }

    // MARK: - Steps

    private func launch() async throws {
        var settings: [String: String] = [
            "listen_addresses": host,
            "port": String(port),
            "unix_socket_directories": socketDirectory.path,
        ]
        if !options.durable {
            settings["fsync"] = "off"
            settings["synchronous_commit"] = "off"
            settings["full_page_writes"] = "off"
        }
        settings.merge(options.settings) { _, given in given }
        // pg_ctl hands -o to a shell: quote every value.
        let serverOptions = settings.keys.sorted()
            .map { "-c \($0)=\(ExternalCommand.shellQuoted(settings[$0]!))" }
            .joined(separator: " ")
        try await ExternalCommand.run(
            pgCtl, ["-D", dataDirectory.path, "-l", logFile.path, "-o", serverOptions, "-w", "-t", "60", "start"],
            as: runAs, in: directory, log: directory.appendingPathComponent("pg_ctl-start.log"))
    }

    private func bootstrap(logger: Logger) async throws {
        let migrator = Self.quoted(options.migratorRole)
        try await asSuperuser(logger: logger) { connection in
            try await DatabaseSession(connection: connection, logger: logger).execute("CREATE ROLE \(migrator) LOGIN CREATEROLE")
        }
        try await createDatabase(options.database, logger: logger)
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Remembers whether `stop()` ran.
private final class StopState: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    /// Returns true the first time only.
    func markStopped() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return false }
        stopped = true
        return true
    }
}

/// Finds the PostgreSQL server programs: on PATH, else in `pg_config --bindir`, else in the
/// newest `/usr/lib/postgresql/*/bin` (Debian keeps them off PATH).
enum PostgresBinaries {
    static func locate(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let debianRoot = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions {
            let candidate = "\(debianRoot)/\(version)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw LocalPostgres.LaunchError(
            description: "`\(name)` not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL server (apt-get install postgresql)")
    }
}

/// The unprivileged account the server runs as when this process is root.
struct SystemUser: Sendable {
    var name: String
    var uid: uid_t
    var gid: gid_t

    /// Looks `name` up, creating it as a system user without home or shell when missing.
    static func ensure(_ name: String, logger: Logger) throws -> SystemUser {
        if let user = lookup(name) { return user }
        logger.info("creating system user for PostgreSQL", metadata: ["user": "\(name)"])
        let result = try ExternalCommand.runSync(
            "useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name])
        // Another process may have created it at the same moment: only a missing user is an error.
        if let user = lookup(name) { return user }
        throw LocalPostgres.LaunchError(description: "useradd \(name) failed (status \(result.status)): \(result.output)")
    }

    static func lookup(_ name: String) -> SystemUser? {
        guard let entry = getpwnam(name) else { return nil }
        return SystemUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// Hands `directory` and everything in it to this user.
    func own(_ directory: URL) throws {
        var paths = [directory.path]
        if let enumerator = FileManager.default.enumerator(atPath: directory.path) {
            while let relative = enumerator.nextObject() as? String {
                paths.append(directory.appendingPathComponent(relative).path)
            }
        }
        for path in paths where chown(path, uid, gid) != 0 {
            throw LocalPostgres.LaunchError(description: "chown \(path) to \(name) failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Picks a TCP port on 127.0.0.1 that is free right now (the kernel's choice for port 0).
enum FreePort {
    static func find() throws -> Int {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw LocalPostgres.LaunchError(description: "socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw LocalPostgres.LaunchError(description: "bind() failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw LocalPostgres.LaunchError(description: "getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs the PostgreSQL programs, optionally as another user, with output to a log file (a
/// file, not a pipe: `pg_ctl start` leaves a server running that must hold nothing of ours).
enum ExternalCommand {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `executable` (a path, or a name looked up on PATH) and throws when it fails,
    /// quoting the end of its output.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], as user: SystemUser?, in directory: URL, log: URL
    ) async throws -> Result {
        let (program, fullArguments) = try commandLine(executable, arguments, as: user)
        let status = try await SpawnedProcess.run(program, fullArguments, in: directory.path, output: log.path)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let name = URL(fileURLWithPath: executable).lastPathComponent
            throw LocalPostgres.LaunchError(
                description: "\(name) \(arguments.last ?? "") failed with status \(status):\n\(text.suffix(2000))")
        }
        return Result(status: status, output: text)
    }

    /// Runs a short command synchronously, capturing its output through a pipe.
    static func runSync(_ executable: String, _ arguments: [String]) throws -> Result {
        let (program, fullArguments) = try commandLine(executable, arguments, as: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = fullArguments
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    private static func commandLine(_ executable: String, _ arguments: [String], as user: SystemUser?) throws
        -> (String, [String])
    {
        let program = executable.contains("/") ? executable : try which(executable)
        guard let user else { return (program, arguments) }
        return (try which("runuser"), ["-u", user.name, "--", program] + arguments)
    }

    private static func which(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in (path + ":/usr/sbin:/sbin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw LocalPostgres.LaunchError(description: "`\(name)` not found on PATH")
    }

    /// `'value'` for a POSIX shell, single quotes escaped.
    static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Starts a program with `posix_spawn` and waits for it on a dedicated thread.
///
/// Foundation's `Process` is not usable for `pg_ctl start`: on Linux it detects the end of
/// a child through a descriptor the child inherits, and the PostgreSQL server that
/// `pg_ctl` leaves running inherits it too, so the end is never seen. Here the child gets
/// /dev/null as stdin, the log file as stdout and stderr, and every other descriptor is
/// closed before `exec` (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34+), so no
/// daemon it starts can hold anything of this process open.
enum SpawnedProcess {
    typealias FileActions = UnsafeMutablePointer<posix_spawn_file_actions_t>
    private typealias CloseFrom = @convention(c) (FileActions, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (FileActions, UnsafePointer<CChar>) -> Int32

    /// glibc's non-portable file actions, looked up at run time (the Swift Glibc module does
    /// not import the `_np` declarations).
    private static let closeFrom: CloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    private static let changeDirectory: ChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        #if canImport(Glibc)
            guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
            return unsafeBitCast(address, to: T.self)
        #else
            return nil
        #endif
    }

    /// Runs `program` (an absolute path) with `arguments` in `directory`, output appended to
    /// `output`; returns the exit status (128 + signal number when killed by a signal).
    static func run(_ program: String, _ arguments: [String], in directory: String, output: String) async throws -> Int32 {
        let pid = try spawn(program, arguments, in: directory, output: output)
        return try await withCheckedThrowingContinuation { continuation in
            let waiter = Thread {
                var status: Int32 = 0
                while true {
                    let result = waitpid(pid, &status, 0)
                    if result == pid { break }
                    if result == -1 && errno == EINTR { continue }
                    continuation.resume(
                        throwing: LocalPostgres.LaunchError(description: "waitpid(\(pid)) failed: errno \(errno)"))
                    return
                }
                let exited = status & 0x7f == 0
                continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
            waiter.start()
        }
    }

    private static func spawn(_ program: String, _ arguments: [String], in directory: String, output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        guard let closeFrom, let changeDirectory else {
            throw LocalPostgres.LaunchError(
                description: "this C library lacks posix_spawn_file_actions_addclosefrom_np/addchdir_np (glibc 2.34 or newer is needed)")
        }
        guard closeFrom(&actions, 3) == 0, changeDirectory(&actions, directory) == 0 else {
            throw LocalPostgres.LaunchError(description: "posix_spawn file actions failed: errno \(errno)")
        }

        let argv = ([program] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
        defer { environment.forEach { free($0) } }
        environment.append(nil)
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvPointer in
            environment.withUnsafeBufferPointer { environmentPointer in
                posix_spawn(
                    &pid, program, &actions, nil,
                    UnsafeMutablePointer(mutating: argvPointer.baseAddress!),
                    UnsafeMutablePointer(mutating: environmentPointer.baseAddress!))
            }
        }
        guard result == 0 else {
            throw LocalPostgres.LaunchError(description: "cannot start \(program): \(String(cString: strerror(result)))")
        }
        return pid
    }
}
