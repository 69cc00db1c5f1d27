public import GitKit
public import Renderer
import Foundation

/// What a delivery did in one repository.
public struct RepositoryDelivery: Codable, Sendable, Equatable {
    /// `blueprint`, `ops` or `infra`.
    public var role: String
    /// The repository's path as given.
    public var repository: String
    /// The branch written (or that would have been written).
    public var branch: String
    /// The branch it starts from when it is new (equal to `branch` when committing straight onto it).
    public var base: String
    /// True when a commit was made.
    public var committed: Bool
    /// The new commit, or the branch's current tip when nothing changed (nil: the branch does not exist).
    public var commit: String?
    /// The new commit's parent.
    public var parent: String?
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
    /// Compare-and-swap rounds it took (more than 1 when another writer got in first).
    public var attempts: Int
    /// The pull request for this repository's branch (bumps and promotions): a title, and a
    /// Markdown body with the change by meaning, this repository's files and the merge order.
    public var title: String?
    public var body: String?
}

/// Where a writer puts generated files: a branch of a local repository.
public struct GitDestination {
    /// The repository.
    public var repository: Repository
    /// The path shown in reports.
    public var displayPath: String
    /// The branch to commit on.
    public var branch: String
    /// The branch a new `branch` starts from; nil when committing straight onto `branch`.
    public var base: String?

    /// Creates a destination.
    public init(repository: Repository, displayPath: String, branch: String, base: String?) {
        self.repository = repository
        self.displayPath = displayPath
        self.branch = branch
        self.base = base
    }

    /// The branch HEAD names in this repository (bare or not), else `main`.
    public static func defaultBranch(of repository: Repository) -> String {
        ((try? repository.headBranch) ?? nil) ?? "main"
    }
}

/// Writes generated files into a git branch as one commit, without a work tree.
///
/// The repository keeps scaffold's ownership manifest at `.scaffold/manifest.json`
/// (the same ``OwnershipManifest`` the folder writer uses): only the files it
/// lists are ever changed or removed, so hand-owned files in the same
/// repository survive every regeneration. Owned files edited by hand, and
/// unowned files in the way, are refused unless forced. The branch moves by
/// compare-and-swap; when another writer got in first, everything is re-read
/// and re-applied (see ``Repository/commitToBranch(_:startingFrom:author:committer:maxAttempts:reflogMessage:propose:)``).
enum GitWriter {
    /// What the plan changes in a tree, and the file operations that apply it.
    struct Application {
        /// The comparison with ownership (hand edits, collisions, deleted objects).
        var changes: ChangeSet
        /// What to write and delete, including the manifest.
        var operations: [String: FileChange]
        /// The files a report lists (the manifest is bookkeeping and not listed).
        var added: [String]
        var changed: [String]
        var removed: [String]

        init(changes: ChangeSet, operations: [String: FileChange]) {
            self.changes = changes
            self.operations = operations
            added = changes.added
            changed = changes.changed
            removed = changes.removed
        }

        /// A hand-made application (e.g. one rewritten pins file).
        init(operations: [String: FileChange], added: [String] = [], changed: [String] = [], removed: [String] = []) {
            self.changes = ChangeSet()
            self.operations = operations
            self.added = added
            self.changed = changed
            self.removed = removed
        }
    }

    /// Compares `files` (the repository's share of a plan) with `tree`. Writes nothing.
    static func application(of files: [RenderedFile], to tree: ObjectID?, in repository: Repository) throws -> Application {
        let current = try tree.map { try repository.files(inTree: $0) } ?? [:]
        var manifest = OwnershipManifest()
        var manifestBytes: Data?
        if let entry = current[OwnershipManifest.path], let tree {
            let data = try repository.blobContents(entry.id)
            manifestBytes = data
            manifest = try OwnershipManifest.decode(data, source: "\(tree.shortHex):\(OwnershipManifest.path)")
        }

        // Files whose committed blob already is the planned content and which the
        // manifest records with that content are unchanged: skip reading them.
        var remaining: [(path: String, contents: String)] = []
        var remainingManifest = manifest
        var newManifest = OwnershipManifest()
        var skipped = 0
        for file in files {
            let hash = ContentHash.sha256(file.contents)
            newManifest.files[file.path] = hash
            if manifest.files[file.path] == hash, let existing = current[file.path],
               try existing.id == repository.blobID(for: Data(file.contents.utf8)) {
                remainingManifest.files[file.path] = nil
                skipped += 1
            } else {
                remaining.append((file.path, file.contents))
            }
        }
        var changes = FolderWriter.compare(files: remaining, manifest: remainingManifest) { path in
            guard let entry = current[path], entry.mode.isFile else { return nil }
            return try? repository.blobContents(entry.id)
        }
        changes.unchanged += skipped

        let contents = Dictionary(files.map { ($0.path, $0.contents) }) { first, _ in first }
        var operations: [String: FileChange] = [:]
        for change in changes.changes {
            switch change.kind {
            case .added, .changed: operations[change.path] = .write(Data(contents[change.path]!.utf8))
            case .removed: operations[change.path] = .delete
            }
        }
        let encoded = newManifest.encoded()
        if encoded != manifestBytes { operations[OwnershipManifest.path] = .write(encoded) }
        return Application(changes: changes, operations: operations)
    }

    /// Refuses what the folder writer refuses: hand edits and unowned files (unless
    /// `force`), and deletions beyond the guardrail.
    static func checkRefusals(_ changes: ChangeSet, force: Bool, guardrail: DeletionGuardrail?) throws {
        if !force {
            if !changes.handEdited.isEmpty { throw WriteError.handEdited(changes.handEdited) }
            if !changes.unownedCollisions.isEmpty { throw WriteError.unownedCollision(changes.unownedCollisions) }
        }
        try guardrail?.check(changes)
    }

    /// Commits `files` onto the destination branch: one commit, or none when
    /// nothing changed. `message` gets the change set of the attempt that lands.
    static func write(
        _ files: @autoclosure () throws -> [RenderedFile],
        role: String,
        to destination: GitDestination,
        author: Signature?,
        force: Bool,
        guardrail: DeletionGuardrail?,
        maxAttempts: Int = 20,
        message: (ChangeSet) -> String
    ) throws -> RepositoryDelivery {
        try write(role: role, to: destination, author: author, maxAttempts: maxAttempts) { parent in
            let application = try application(of: files(), to: parent?.treeID, in: destination.repository)
            try checkRefusals(application.changes, force: force, guardrail: guardrail)
            return (application, message(application.changes))
        }
    }

    /// The general form: `apply` computes, from the commit it is given, what to
    /// write (nil or no operations: nothing to do) and the message.
    static func write(
        role: String,
        to destination: GitDestination,
        author: Signature?,
        maxAttempts: Int = 20,
        apply: (_ parent: Commit?) throws -> (Application, String)?
    ) throws -> RepositoryDelivery {
        let repository = destination.repository
        var landed: Application?
        let result = try repository.commitToBranch(
            destination.branch, startingFrom: destination.base, author: author,
            maxAttempts: maxAttempts, reflogMessage: "scaffold: \(role)"
        ) { parent in
            guard let (application, message) = try apply(parent), !application.operations.isEmpty else {
                landed = nil
                return nil
            }
            landed = application
            let tree = try repository.buildTree(base: parent?.treeID, changes: application.operations)
            return ProposedCommit(tree: tree, message: message)
        }
        let base = destination.base ?? destination.branch
        switch result {
        case .unchanged(let tip):
            return RepositoryDelivery(
                role: role, repository: destination.displayPath, branch: destination.branch, base: base,
                committed: false, commit: tip?.hex, parent: nil, added: [], changed: [], removed: [], attempts: 1)
        case .committed(let change):
            return RepositoryDelivery(
                role: role, repository: destination.displayPath, branch: destination.branch, base: base,
                committed: true, commit: change.commit.hex, parent: change.parent?.hex,
                added: landed?.added ?? [], changed: landed?.changed ?? [], removed: landed?.removed ?? [],
                attempts: change.attempts)
        }
    }
}
