internal import CLibGit2

/// A repository's object database. Owns one `git_odb` reference, freed in `deinit`.
final class ObjectDatabase {
    let pointer: OpaquePointer
    let repository: Repository

    init(of repository: Repository) throws {
        var out: OpaquePointer?
        try check(git_repository_odb(&out, repository.pointer), "git_repository_odb")
        pointer = out!
        self.repository = repository
    }

    deinit { git_odb_free(pointer) }

    func contains(_ id: ObjectID) -> Bool {
        var oid = id.raw
        return git_odb_exists(pointer, &oid) == 1
    }
}

extension Repository {
    func objectDatabase() throws -> ObjectDatabase { try ObjectDatabase(of: self) }

    /// True when the object database holds `id`.
    public func containsObject(_ id: ObjectID) throws -> Bool {
        try objectDatabase().contains(id)
    }
}
