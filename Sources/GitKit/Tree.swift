internal import CLibGit2

/// The mode of a tree entry, as git records it.
public enum FileMode: UInt32, Sendable, Hashable {
    /// An ordinary file (`100644`).
    case regular = 0o100644
    /// An executable file (`100755`).
    case executable = 0o100755
    /// A symbolic link (`120000`); the blob holds the link target.
    case symlink = 0o120000
    /// A folder (`040000`).
    case tree = 0o040000
    /// A submodule commit (`160000`).
    case gitlink = 0o160000

    /// True for entries whose blob is file content (regular, executable, symlink).
    public var isFile: Bool { self == .regular || self == .executable || self == .symlink }

    init(_ raw: git_filemode_t) {
        // libgit2 normalises legacy modes (e.g. 100664) when reading trees.
        self = FileMode(rawValue: raw.rawValue) ?? .regular
    }

    var raw: git_filemode_t { git_filemode_t(rawValue: rawValue) }
}

/// A file in a flattened tree: its blob id and mode.
public struct TreeFile: Hashable, Sendable {
    /// The blob id (or the submodule commit for a gitlink).
    public var id: ObjectID
    /// How git records the entry.
    public var mode: FileMode

    /// Creates a value.
    public init(id: ObjectID, mode: FileMode) {
        self.id = id
        self.mode = mode
    }
}

/// One entry of a tree: a name (no slashes), an id and a mode.
public struct TreeEntry: Hashable, Sendable {
    /// The entry's name within its folder.
    public var name: String
    /// The blob, tree or commit id it points at.
    public var id: ObjectID
    /// Its mode.
    public var mode: FileMode

    init(_ entry: OpaquePointer) {
        name = String(cString: git_tree_entry_name(entry))
        id = ObjectID(git_tree_entry_id(entry))
        mode = FileMode(git_tree_entry_filemode(entry))
    }
}

/// A tree object (one folder level). Owns one `git_tree`, freed in `deinit`.
public final class Tree {
    let pointer: OpaquePointer
    let repository: Repository

    init(lookup id: ObjectID, in repository: Repository) throws {
        var oid = id.raw
        var out: OpaquePointer?
        try check(git_tree_lookup(&out, repository.pointer, &oid), "git_tree_lookup")
        pointer = out!
        self.repository = repository
    }

    deinit { git_tree_free(pointer) }

    /// The tree's id.
    public var id: ObjectID { ObjectID(git_tree_id(pointer)) }

    /// Its entries in git's order.
    public var entries: [TreeEntry] {
        let count = git_tree_entrycount(pointer)
        return (0..<count).map { TreeEntry(git_tree_entry_byindex(pointer, $0)!) }
    }
}

/// Builds one folder level of a tree from an optional starting tree, without
/// an index or work tree. Owns one `git_treebuilder`, freed in `deinit`.
final class TreeBuilder {
    let pointer: OpaquePointer
    let repository: Repository

    init(repository: Repository, source: Tree?) throws {
        var out: OpaquePointer?
        try check(git_treebuilder_new(&out, repository.pointer, source?.pointer), "git_treebuilder_new")
        pointer = out!
        self.repository = repository
    }

    deinit { git_treebuilder_free(pointer) }

    var count: Int { git_treebuilder_entrycount(pointer) }

    func entry(named name: String) -> TreeEntry? {
        git_treebuilder_get(pointer, name).map { TreeEntry($0) }
    }

    func insert(_ name: String, id: ObjectID, mode: FileMode) throws {
        var oid = id.raw
        try check(git_treebuilder_insert(nil, pointer, name, &oid, mode.raw), "git_treebuilder_insert")
    }

    func remove(_ name: String) throws {
        try check(git_treebuilder_remove(pointer, name), "git_treebuilder_remove")
    }

    func write() throws -> ObjectID {
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, pointer), "git_treebuilder_write")
        let id = ObjectID(oid)
        repository.writtenObjects?.append(id)
        return id
    }
}
