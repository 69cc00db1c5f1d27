internal import CLibGit2
import Foundation

/// An open git repository (bare or with a work tree) on a local path.
///
/// Owns one `git_repository`, freed in `deinit`. Objects looked up through it
/// (``Commit``, ``Tree``) keep it alive. A `Repository` is not thread-safe: use
/// one per thread or task, as libgit2 requires; separate processes coordinate
/// through the compare-and-swap in ``updateBranch(_:to:expecting:reflogMessage:)``.
public final class Repository {
    let pointer: OpaquePointer

    /// When set, the id of every blob and tree written through this handle is
    /// appended (used by `PackWriter` to know which objects to pack).
    var writtenObjects: [ObjectID]?

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_repository_free(pointer) }

    /// Opens the repository at exactly `path` (its work tree, its `.git` folder,
    /// or a bare repository). Parent folders are not searched, so a path inside
    /// some other repository is never picked up by accident.
    public static func open(at path: String) throws -> Repository {
        _ = LibGit2.ready
        var out: OpaquePointer?
        try check(
            git_repository_open_ext(&out, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil),
            "git_repository_open_ext")
        return Repository(pointer: out!)
    }

    /// Opens the repository that contains `path` (a file or folder in its work
    /// tree), searching upwards like `git rev-parse --show-toplevel`.
    public static func discover(containing path: String) throws -> Repository {
        _ = LibGit2.ready
        var found = git_buf()
        defer { git_buf_dispose(&found) }
        try check(git_repository_discover(&found, path, 0, nil), "git_repository_discover")
        return try open(at: String(cString: found.ptr))
    }

    /// Creates a new repository at `path` (folders are created as needed) whose
    /// HEAD names `initialBranch`. Fails if one already exists there.
    public static func create(at path: String, bare: Bool, initialBranch: String = "main") throws -> Repository {
        _ = LibGit2.ready
        var options = git_repository_init_options()
        try check(
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)),
            "git_repository_init_options_init")
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        if bare { options.flags |= GIT_REPOSITORY_INIT_BARE.rawValue }
        var out: OpaquePointer?
        let ref = "refs/heads/\(initialBranch)"
        try ref.withCString { head in
            options.initial_head = head
            try check(git_repository_init_ext(&out, path, &options), "git_repository_init_ext")
        }
        return Repository(pointer: out!)
    }

    /// True for a repository without a work tree.
    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    /// The `.git` folder (or the bare repository's folder), ending in `/`.
    public var gitDirectory: String { String(cString: git_repository_path(pointer)) }

    /// The work tree folder, ending in `/`; nil for a bare repository.
    public var workingDirectory: String? {
        git_repository_workdir(pointer).map { String(cString: $0) }
    }

    // MARK: Branches

    /// The full reference name of a branch, after checking the short name is valid.
    public static func branchReference(_ branch: String) throws -> String {
        _ = LibGit2.ready
        var valid: Int32 = 0
        try check(git_branch_name_is_valid(&valid, branch), "git_branch_name_is_valid")
        guard valid == 1 else {
            throw GitError(function: "git_branch_name_is_valid", code: GIT_EINVALIDSPEC.rawValue,
                           message: "'\(branch)' is not a valid branch name")
        }
        return "refs/heads/\(branch)"
    }

    /// The commit a branch points at, or nil when the branch does not exist yet.
    public func branchTip(_ branch: String) throws -> ObjectID? {
        let name = try Self.branchReference(branch)
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_reference_name_to_id")
        return ObjectID(oid)
    }

    /// The branch HEAD names (even when it has no commit yet); nil when HEAD is detached.
    public var headBranch: String? {
        get throws {
            let head = try Reference.lookup("HEAD", in: self)
            guard let target = head.symbolicTarget, target.hasPrefix("refs/heads/") else { return nil }
            return String(target.dropFirst("refs/heads/".count))
        }
    }

    /// Creates a branch at `commit`; fails with ``BranchConflict`` if it already exists.
    public func createBranch(_ branch: String, at commit: ObjectID, reflogMessage: String = "scaffold: create branch") throws {
        try updateBranch(branch, to: commit, expecting: nil, reflogMessage: reflogMessage)
    }

    // MARK: Objects

    /// Looks up a commit.
    public func commit(_ id: ObjectID) throws -> Commit {
        try Commit(lookup: id, in: self)
    }

    /// Whether `commit` is `ancestor` or has it in its history (libgit2's `git_graph_descendant_of`).
    public func contains(_ ancestor: ObjectID, inHistoryOf commit: ObjectID) throws -> Bool {
        if ancestor == commit { return true }
        var descendant = commit.raw, older = ancestor.raw
        let result = git_graph_descendant_of(pointer, &descendant, &older)
        if result < 0 { try check(result, "git_graph_descendant_of") }
        return result == 1
    }

    /// The commit a revision names, in git's own revision syntax (libgit2's
    /// `git_revparse_single`): a full or abbreviated id, `HEAD`, a branch, a tag (peeled to
    /// its commit), `refs/...`, and suffixes such as `~2`, `^2` or `@{1}`.
    public func resolveCommit(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, pointer, revision), "git_revparse_single")
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        try check(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "git_object_peel")
        defer { git_object_free(peeled) }
        return ObjectID(git_object_id(peeled))
    }

    /// Looks up a tree.
    public func tree(_ id: ObjectID) throws -> Tree {
        try Tree(lookup: id, in: self)
    }

    /// The contents of a blob, copied out of libgit2.
    public func blobContents(_ id: ObjectID) throws -> Data {
        try Blob(lookup: id, in: self).contents
    }

    /// The id `contents` would have as a blob, without writing anything.
    public func blobID(for contents: Data) throws -> ObjectID {
        _ = LibGit2.ready
        var oid = git_oid()
        try contents.withUnsafeBytes { buffer in
            try check(git_odb_hash(&oid, buffer.baseAddress, buffer.count, GIT_OBJECT_BLOB), "git_odb_hash")
        }
        return ObjectID(oid)
    }

    /// Writes `contents` as a blob into the object database (a no-op when it is
    /// already there) and returns its id.
    @discardableResult
    public func writeBlob(_ contents: Data) throws -> ObjectID {
        var oid = git_oid()
        try contents.withUnsafeBytes { buffer in
            try check(git_blob_create_from_buffer(&oid, pointer, buffer.baseAddress, buffer.count),
                      "git_blob_create_from_buffer")
        }
        let id = ObjectID(oid)
        writtenObjects?.append(id)
        return id
    }

    /// Every file below a tree, flattened: `path/inside/tree` → blob id and mode.
    /// Submodule entries (gitlinks) are listed too, so they survive rewrites.
    public func files(inTree id: ObjectID) throws -> [String: TreeFile] {
        var out: [String: TreeFile] = [:]
        try collectFiles(of: tree(id), prefix: "", into: &out)
        return out
    }

    private func collectFiles(of tree: Tree, prefix: String, into out: inout [String: TreeFile]) throws {
        for entry in tree.entries {
            let path = prefix + entry.name
            if entry.mode == .tree {
                try collectFiles(of: self.tree(entry.id), prefix: path + "/", into: &out)
            } else {
                out[path] = TreeFile(id: entry.id, mode: entry.mode)
            }
        }
    }

    /// The entry at `path` inside a tree (a file or a folder), or nil when absent.
    public func entry(at path: String, inTree id: ObjectID) throws -> TreeEntry? {
        let tree = try self.tree(id)
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree.pointer, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_tree_entry_bypath")
        defer { git_tree_entry_free(entry) }
        return TreeEntry(entry!)
    }

    /// The contents of the file at `path` inside a tree; nil when there is no file there.
    public func fileContents(at path: String, inTree id: ObjectID) throws -> Data? {
        guard let entry = try entry(at: path, inTree: id), entry.mode.isFile else { return nil }
        return try blobContents(entry.id)
    }

    // MARK: Identity

    /// The identity from git configuration (`user.name`/`user.email`, repository
    /// then global then system), stamped with the current time.
    public func defaultSignature() throws -> Signature {
        var out: UnsafeMutablePointer<git_signature>?
        do {
            try check(git_signature_default(&out, pointer), "git_signature_default")
        } catch {
            throw GitKitError.missingIdentity(repository: gitDirectory, underlying: error.message)
        }
        return SignatureHandle(out!).value
    }
}

/// Owns one `git_blob`, freed in `deinit`.
final class Blob {
    let pointer: OpaquePointer
    let repository: Repository

    init(lookup id: ObjectID, in repository: Repository) throws {
        var oid = id.raw
        var out: OpaquePointer?
        try check(git_blob_lookup(&out, repository.pointer, &oid), "git_blob_lookup")
        pointer = out!
        self.repository = repository
    }

    deinit { git_blob_free(pointer) }

    var contents: Data {
        let size = Int(git_blob_rawsize(pointer))
        guard size > 0, let bytes = git_blob_rawcontent(pointer) else { return Data() }
        return Data(bytes: bytes, count: size)
    }
}

/// Owns one `git_reference`, freed in `deinit`.
final class Reference {
    let pointer: OpaquePointer
    let repository: Repository

    init(_ pointer: OpaquePointer, repository: Repository) {
        self.pointer = pointer
        self.repository = repository
    }

    static func lookup(_ name: String, in repository: Repository) throws -> Reference {
        var out: OpaquePointer?
        try check(git_reference_lookup(&out, repository.pointer, name), "git_reference_lookup")
        return Reference(out!, repository: repository)
    }

    deinit { git_reference_free(pointer) }

    /// The name a symbolic reference points to (`refs/heads/main` for HEAD); nil for a direct one.
    var symbolicTarget: String? {
        git_reference_symbolic_target(pointer).map { String(cString: $0) }
    }
}
