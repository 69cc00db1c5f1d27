internal import CLibGit2

/// A libgit2 call that failed: which C function, its return code, and the
/// message libgit2 recorded for this thread at the moment of failure.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libgit2 function that returned the error, e.g. `git_repository_open`.
    public var function: String
    /// The negative return code (`GIT_ENOTFOUND` = -3, `GIT_EMODIFIED` = -15, …).
    public var code: Int32
    /// libgit2's own message (`git_error_last()`), copied when the call failed.
    public var message: String

    /// Creates an error value; normally made by ``check(_:_:)``.
    public init(function: String, code: Int32, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    /// True when the object, reference or path asked for does not exist.
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// True when a lock file held by another process prevented the operation.
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }

    public var description: String { "\(function) failed (\(code)): \(message)" }
}

/// Checks a libgit2 return code: negative codes become a ``GitError`` carrying
/// the function name and `git_error_last()`'s message, copied at once (the C
/// buffer is thread-local and overwritten by the next failing call).
///
/// Every libgit2 call in GitKit that returns a code goes through here.
func check(_ code: Int32, _ function: String) throws(GitError) {
    guard code < 0 else { return }
    var message = "no message from libgit2"
    if let last = git_error_last(), let text = last.pointee.message {
        message = String(cString: text)
    }
    throw GitError(function: function, code: code, message: message)
}

/// The expected old value of a branch no longer matched when scaffold tried to
/// move it: another writer committed in between. Callers re-read and retry.
public struct BranchConflict: Error, Sendable, Equatable, CustomStringConvertible {
    /// The full reference name, e.g. `refs/heads/main`.
    public var reference: String
    /// The commit the caller expected the branch to point at (nil: expected it not to exist).
    public var expected: ObjectID?
    /// What libgit2 reported.
    public var underlying: GitError

    public var description: String {
        let old = expected.map { "at \($0.shortHex)" } ?? "absent"
        return "\(reference) moved while committing (expected it \(old)): \(underlying.message)"
    }
}

/// Errors GitKit raises itself, before or instead of calling libgit2.
public enum GitKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A path in a change set is not a valid repository-relative file path.
    case invalidPath(String, reason: String)
    /// A change would turn a file into a folder or a folder into a file in a way
    /// that would silently delete other content.
    case pathConflict(String, reason: String)
    /// Neither an explicit identity nor `user.name`/`user.email` in git configuration.
    case missingIdentity(repository: String, underlying: String)
    /// Checking out the new tree would overwrite files that are not committed.
    case checkoutWouldOverwrite(path: String, files: [String])
    /// The object is not of the expected kind (e.g. a branch pointing at a tree).
    case unexpectedObjectType(ObjectID, expected: String)
    /// The branch moved but bringing its checked-out work tree along failed.
    case workTreeNotUpdated(path: String, commit: ObjectID, underlying: String)
    /// A branch stayed contended after every retry.
    case retriesExhausted(reference: String, attempts: Int, lastError: String)

    public var description: String {
        switch self {
        case let .invalidPath(path, reason):
            return "invalid path '\(path)': \(reason)"
        case let .pathConflict(path, reason):
            return "path conflict at '\(path)': \(reason)"
        case let .missingIdentity(repository, underlying):
            return "no commit identity for \(repository): pass --author \"Name <email>\" or set git config user.name and user.email (\(underlying))"
        case let .checkoutWouldOverwrite(path, files):
            return "updating the work tree in \(path) would overwrite untracked or modified files (\(Self.list(files)))"
        case let .unexpectedObjectType(id, expected):
            return "object \(id.hex) is not a \(expected)"
        case let .workTreeNotUpdated(path, commit, underlying):
            return "committed \(commit.shortHex), but updating the checked-out files in \(path) failed (\(underlying)); run `git status` there and restore the files with `git checkout -- .`"
        case let .retriesExhausted(reference, attempts, lastError):
            return "\(reference) kept moving under concurrent writers (or its lock file is held); gave up after \(attempts) attempts: \(lastError)"
        }
    }

    private static func list(_ files: [String]) -> String {
        let shown = files.prefix(5).joined(separator: ", ")
        return files.count > 5 ? "\(shown), … \(files.count - 5) more" : shown
    }
}
