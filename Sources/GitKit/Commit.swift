internal import CLibGit2

/// A commit object. Owns one `git_commit`, freed in `deinit`; its fields are
/// copied into Swift values on lookup.
public final class Commit {
    let pointer: OpaquePointer
    let repository: Repository

    /// The commit's id.
    public let id: ObjectID
    /// The id of its root tree.
    public let treeID: ObjectID
    /// Its parents, first parent first.
    public let parentIDs: [ObjectID]
    /// The full message, trailers included.
    public let message: String
    /// Who wrote the change.
    public let author: Signature
    /// Who made the commit.
    public let committer: Signature

    init(lookup id: ObjectID, in repository: Repository) throws {
        var oid = id.raw
        var out: OpaquePointer?
        let code = git_commit_lookup(&out, repository.pointer, &oid)
        if code == GIT_ENOTFOUND.rawValue,
           (try? repository.containsObject(id)) == true {
            throw GitKitError.unexpectedObjectType(id, expected: "commit")
        }
        try check(code, "git_commit_lookup")
        let commit = out!
        pointer = commit
        self.repository = repository
        self.id = id
        treeID = ObjectID(git_commit_tree_id(commit))
        parentIDs = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)) }
        message = git_commit_message(commit).map { String(cString: $0) } ?? ""
        author = Signature(git_commit_author(commit))
        committer = Signature(git_commit_committer(commit))
    }

    deinit { git_commit_free(pointer) }

    /// The first line of the message.
    public var summary: String {
        String(message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// The root tree.
    public func tree() throws -> Tree { try repository.tree(treeID) }
}

extension Repository {
    /// Writes a commit object (and nothing else: no reference moves).
    ///
    /// Publish it with ``updateBranch(_:to:expecting:reflogMessage:)``, which
    /// is the only way GitKit moves a branch, always after the objects exist.
    public func createCommit(
        tree treeID: ObjectID,
        parents parentIDs: [ObjectID],
        message: String,
        author: Signature,
        committer: Signature
    ) throws -> ObjectID {
        let tree = try self.tree(treeID)
        let parents = try parentIDs.map { try commit($0) }
        let authorHandle = try author.makeHandle()
        let committerHandle = try committer.makeHandle()
        var parentPointers: [OpaquePointer?] = parents.map { $0.pointer }
        var oid = git_oid()
        let text = message.hasSuffix("\n") ? message : message + "\n"
        try parentPointers.withUnsafeMutableBufferPointer { buffer in
            try check(
                git_commit_create(
                    &oid, pointer, nil, authorHandle.pointer, committerHandle.pointer, nil, text,
                    tree.pointer, buffer.count, buffer.baseAddress),
                "git_commit_create")
        }
        withExtendedLifetime(parents) {}
        return ObjectID(oid)
    }
}
