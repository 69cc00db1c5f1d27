internal import CLibGit2

/// How a path differs between two trees.
public enum PathChangeKind: String, Sendable, Hashable {
    case added, modified, deleted
}

/// One changed path between two trees (renames are reported as delete + add).
public struct PathChange: Hashable, Sendable {
    /// The repository-relative path.
    public var path: String
    /// What happened to it.
    public var kind: PathChangeKind
    /// The blob before (nil when added).
    public var oldID: ObjectID?
    /// The blob after (nil when deleted).
    public var newID: ObjectID?
}

/// A tree-to-tree diff. Owns one `git_diff`, freed in `deinit`.
final class TreeDiff {
    let pointer: OpaquePointer

    init(repository: Repository, from old: Tree?, to new: Tree?) throws {
        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "git_diff_options_init")
        var out: OpaquePointer?
        try check(
            git_diff_tree_to_tree(&out, repository.pointer, old?.pointer, new?.pointer, &options),
            "git_diff_tree_to_tree")
        pointer = out!
    }

    deinit { git_diff_free(pointer) }

    var changes: [PathChange] {
        (0..<git_diff_num_deltas(pointer)).compactMap { index -> PathChange? in
            guard let delta = git_diff_get_delta(pointer, index)?.pointee else { return nil }
            let kind: PathChangeKind
            switch delta.status {
            case GIT_DELTA_ADDED: kind = .added
            case GIT_DELTA_DELETED: kind = .deleted
            default: kind = .modified
            }
            let old = ObjectID(delta.old_file.id), new = ObjectID(delta.new_file.id)
            let path = String(cString: (kind == .deleted ? delta.old_file.path : delta.new_file.path))
            return PathChange(
                path: path, kind: kind,
                oldID: kind == .added ? nil : old,
                newID: kind == .deleted ? nil : new)
        }
    }
}

extension Repository {
    /// The files that differ between two trees (nil: the empty tree), sorted by path.
    public func changedPaths(from old: ObjectID?, to new: ObjectID?) throws -> [PathChange] {
        let oldTree = try old.map { try tree($0) }
        let newTree = try new.map { try tree($0) }
        return try TreeDiff(repository: self, from: oldTree, to: newTree).changes.sorted { $0.path < $1.path }
    }
}
