internal import CLibGit2

/// Writes a large batch of new objects as one pack file instead of thousands
/// of loose files.
///
/// A second handle on the same repository gets libgit2's in-memory "mempack"
/// backend at the highest priority, so objects written through it stay in
/// memory while the tree is built. ``flush(into:)`` then hands exactly the new
/// objects to `git_packbuilder`, which writes the pack and its index to
/// temporary files in `objects/pack` and renames them into place. The objects
/// are therefore on disk before anyone can commit or move a branch to them, and
/// a process killed halfway leaves at worst an unreferenced temporary file.
final class PackWriter {
    /// The handle whose writes are held in memory.
    let staging: Repository
    private let backend: UnsafeMutablePointer<git_odb_backend>

    init(for repository: Repository) throws {
        staging = try Repository.open(at: repository.gitDirectory)
        var out: UnsafeMutablePointer<git_odb_backend>?
        try check(git_mempack_new(&out), "git_mempack_new")
        let odb = try staging.objectDatabase()
        do {
            try check(git_odb_add_backend(odb.pointer, out, 999), "git_odb_add_backend")
        } catch {
            out?.pointee.free?(out)
            throw error
        }
        // From here the object database owns the backend and frees it with itself.
        backend = out!
        staging.writtenObjects = []
    }

    /// Writes every new object made through ``staging`` into `repository` as one pack.
    func flush(into repository: Repository) throws {
        let target = try repository.objectDatabase()
        var seen = Set<ObjectID>()
        let fresh = (staging.writtenObjects ?? []).filter { seen.insert($0).inserted && !target.contains($0) }
        if !fresh.isEmpty {
            let builder = try PackBuilder(repository: staging)
            for id in fresh { try builder.insert(id) }
            try builder.write(toFolder: repository.gitDirectory + "objects/pack")
            try check(git_odb_refresh(target.pointer), "git_odb_refresh")
        }
        staging.writtenObjects = []
        try check(git_mempack_reset(backend), "git_mempack_reset")
    }
}

/// Owns one `git_packbuilder`, freed in `deinit`.
final class PackBuilder {
    let pointer: OpaquePointer
    let repository: Repository

    init(repository: Repository) throws {
        var out: OpaquePointer?
        try check(git_packbuilder_new(&out, repository.pointer), "git_packbuilder_new")
        pointer = out!
        self.repository = repository
        git_packbuilder_set_threads(pointer, 0)  // 0: one thread per core
    }

    deinit { git_packbuilder_free(pointer) }

    func insert(_ id: ObjectID) throws {
        var oid = id.raw
        try check(git_packbuilder_insert(pointer, &oid, nil), "git_packbuilder_insert")
    }

    func write(toFolder folder: String) throws {
        try check(git_packbuilder_write(pointer, folder, 0, nil, nil), "git_packbuilder_write")
    }
}
