import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A process spawned for a test with an empty signal mask and in its own process group.
///
/// Foundation's `Process` hands the spawning thread's signal mask to the child, and test
/// threads block SIGTERM: such a child would ignore `terminate()`, and `waitUntilExit()`
/// would wait forever.
public struct SpawnedProcess: Sendable {
    public let pid: pid_t

    public static func spawn(_ arguments: [String], log: URL) throws -> SpawnedProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnFailed(description: "could not start \(arguments[0]): \(String(cString: strerror(status)))") }
        return SpawnedProcess(pid: pid)
    }

    /// Whether it has ended (reaping it).
    public var exited: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) != 0
    }

    /// SIGTERM to the group, SIGKILL after `grace`; reaps the process.
    public func stop(grace: Duration = .seconds(3)) {
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if exited { return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

/// A process that could not be started.
public struct SpawnFailed: Error, CustomStringConvertible {
    public var description: String
}
