import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on `<git dir>/scaffold-worktree.lock`,
/// held while a checked-out branch and its work tree are updated together.
/// The kernel drops it when the process exits or is killed, so it never goes stale.
final class WorkTreeLock {
    private var descriptor: Int32

    init(gitDirectory: String) throws {
        let path = gitDirectory + "scaffold-worktree.lock"
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

    func release() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
