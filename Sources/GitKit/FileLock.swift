import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a file, created if needed: held while a
/// checked-out branch and its work tree are updated together
/// (``workTree(gitDirectory:)``), or while a run uses a cached mirror of a remote.
/// The kernel drops it when the process exits or is killed, so it never goes stale.
public final class FileLock {
    private var descriptor: Int32

    /// `<git dir>/scaffold-worktree.lock`.
    static func workTree(gitDirectory: String) throws -> FileLock {
        try FileLock(path: gitDirectory + "scaffold-worktree.lock")
    }

    /// Blocks until the lock on `path` is ours.
    public init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GitError(function: "open", code: -1, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw GitError(function: "flock", code: -1, message: "cannot lock \(path): \(message)")
            }
        }
    }

    public func release() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
