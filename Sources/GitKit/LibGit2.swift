internal import CLibGit2

/// Process-wide libgit2 initialisation.
///
/// `git_libgit2_init` must run before any other libgit2 call. A Swift global
/// `let` is initialised exactly once, thread-safely, on first use, so every
/// entry point of GitKit touches ``LibGit2/ready`` before calling into C.
enum LibGit2 {
    /// The libgit2 version linked at run time, as "major.minor.revision".
    static let ready: String = {
        _ = git_libgit2_init()
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        _ = git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }()
}

/// The version of libgit2 GitKit runs against (for logs and `--version`).
public var libgit2Version: String { LibGit2.ready }
