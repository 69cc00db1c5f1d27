internal import CLibGit2

/// Process-wide libgit2 settings.
public enum GitSettings {
    /// A level of git configuration whose search path can be redirected.
    public enum ConfigLevel: Sendable {
        /// `/etc/gitconfig`.
        case system
        /// `$XDG_CONFIG_HOME/git/config`.
        case xdg
        /// `~/.gitconfig`.
        case global

        var raw: Int32 {
            switch self {
            case .system: return GIT_CONFIG_LEVEL_SYSTEM.rawValue
            case .xdg: return GIT_CONFIG_LEVEL_XDG.rawValue
            case .global: return GIT_CONFIG_LEVEL_GLOBAL.rawValue
            }
        }
    }

    /// Makes libgit2 look for the configuration file of `level` in `folder`
    /// (nil restores the default, derived from `$HOME` and friends). Affects
    /// repositories opened afterwards, process-wide: for sandboxes and tests.
    public static func setConfigSearchPath(_ level: ConfigLevel, to folder: String?) throws {
        _ = LibGit2.ready
        try check(scaffold_git_set_search_path(level.raw, folder), "git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH)")
    }

    /// Makes libgit2 `fsync` objects and references before renaming them into
    /// place. Killing the process is safe without it (writes are atomic
    /// renames); this also protects against power loss, at the cost of speed.
    public static func setFsync(_ enabled: Bool) throws {
        _ = LibGit2.ready
        try check(scaffold_git_enable_fsync(enabled ? 1 : 0), "git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR)")
    }
}
