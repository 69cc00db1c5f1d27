internal import CLibGit2
import Foundation

extension Repository {
    /// Moves `refs/heads/<branch>` to `commit` if, and only if, it still points
    /// at `expected` (nil: the branch must not exist yet). This is the only way
    /// GitKit moves a branch.
    ///
    /// - The commit is looked up first, so a branch can never point at an object
    ///   that is not (yet) in the object database; libgit2 then swaps the ref
    ///   through its lock file and an atomic rename, so a process killed at any
    ///   moment leaves the branch at either the old or the new commit.
    /// - Another writer having moved the branch (or holding its lock) throws
    ///   ``BranchConflict``: re-read, re-apply and retry (``commitToBranch(_:startingFrom:author:committer:maxAttempts:reflogMessage:propose:)`` does).
    /// - **Work tree policy.** In a non-bare repository whose HEAD is this branch,
    ///   the work tree and index follow the branch, like `git merge --ff-only`:
    ///   before anything moves, a dry-run SAFE checkout from the old tree to the
    ///   new one checks that no uncommitted or untracked file would be
    ///   overwritten (``GitKitError/checkoutWouldOverwrite(path:files:)``
    ///   otherwise); after the swap only the changed paths are written.
    ///   Unrelated local edits and untracked files are left alone. Such updates hold
    ///   an advisory lock (`flock` on `scaffold-worktree.lock` in the git folder,
    ///   released by the kernel if the process dies) from the dry run to the end of
    ///   the checkout. A branch that is not checked out (and every bare repository)
    ///   only has its ref moved.
    public func updateBranch(_ branch: String, to commitID: ObjectID, expecting expected: ObjectID?, reflogMessage: String) throws {
        let name = try Self.branchReference(branch)
        let newCommit = try commit(commitID)

        var followWorkTree: (baseline: Tree, target: Tree)?
        var workTreeLock: FileLock?
        defer { workTreeLock?.release() }
        if !isBare, try headBranch == branch {
            // Writers that bring the work tree along take turns, so one's dry run
            // never sees another's half-finished checkout.
            workTreeLock = try FileLock.workTree(gitDirectory: gitDirectory)
            let baseline = try expected.map { try commit($0).tree() } ?? emptyTree()
            let target = try newCommit.tree()
            let conflicts = try checkoutConflicts(from: baseline, to: target)
            if !conflicts.isEmpty {
                throw GitKitError.checkoutWouldOverwrite(path: workingDirectory ?? gitDirectory, files: conflicts)
            }
            followWorkTree = (baseline, target)
        }

        try swapReference(name, to: commitID, expecting: expected, reflogMessage: reflogMessage)

        if let followWorkTree {
            do {
                try checkout(from: followWorkTree.baseline, to: followWorkTree.target)
            } catch {
                throw GitKitError.workTreeNotUpdated(
                    path: workingDirectory ?? gitDirectory, commit: commitID, underlying: "\(error)")
            }
        }
    }

    private func swapReference(_ name: String, to commitID: ObjectID, expecting expected: ObjectID?, reflogMessage: String) throws {
        var new = commitID.raw
        var out: OpaquePointer?
        let code: Int32
        if let expected {
            var old = expected.raw
            code = git_reference_create_matching(&out, pointer, name, &new, 1, &old, reflogMessage)
        } else {
            // "Must not exist yet" is the all-zero id, checked under the ref's lock.
            // (`git_reference_create` with force 0 checks existence before taking the
            // lock, so two creators can both pass and the second silently overwrites
            // the first: seen as two bots both "creating" the same branch.)
            var absent = git_oid()
            code = git_reference_create_matching(&out, pointer, name, &new, 0, &absent, reflogMessage)
        }
        let function = "git_reference_create_matching"
        do {
            try check(code, function)
        } catch {
            let contended: Set<Int32> = [
                GIT_EMODIFIED.rawValue, GIT_EEXISTS.rawValue, GIT_ELOCKED.rawValue, GIT_ENOTFOUND.rawValue,
            ]
            if contended.contains(error.code) {
                throw BranchConflict(reference: name, expected: expected, underlying: error)
            }
            throw error
        }
        _ = Reference(out!, repository: self)
    }
}

/// The tree and message a ``Repository/commitToBranch(_:startingFrom:author:committer:maxAttempts:reflogMessage:propose:)``
/// attempt wants to commit.
public struct ProposedCommit: Sendable {
    /// The root tree of the new commit (already written, e.g. by ``Repository/buildTree(base:changes:)``).
    public var tree: ObjectID
    /// The full commit message.
    public var message: String

    /// Creates a proposal.
    public init(tree: ObjectID, message: String) {
        self.tree = tree
        self.message = message
    }
}

/// What ``Repository/commitToBranch(_:startingFrom:author:committer:maxAttempts:reflogMessage:propose:)`` did.
public enum BranchCommitResult: Sendable, Equatable {
    /// Nothing to commit: the tree is identical to the tip's (or the proposer declined).
    case unchanged(tip: ObjectID?)
    /// A new commit now heads the branch.
    case committed(CommittedChange)
}

/// A commit that landed on a branch.
public struct CommittedChange: Sendable, Equatable {
    /// The new commit.
    public var commit: ObjectID
    /// Its parent (nil for the first commit of a repository).
    public var parent: ObjectID?
    /// Its root tree.
    public var tree: ObjectID
    /// The files that differ from the parent, sorted by path.
    public var changes: [PathChange]
    /// How many read-apply-swap rounds it took (1 without contention).
    public var attempts: Int
}

extension Repository {
    /// Read-modify-write on a branch with optimistic concurrency.
    ///
    /// Each attempt reads the tip (or, for a branch that does not exist yet, the
    /// tip of `startingFrom`), asks `propose` for a tree and message based on
    /// that commit, writes the commit and swaps the branch from the tip it read.
    /// When another writer got there first, everything is re-read and `propose`
    /// runs again on the new tip, up to `maxAttempts` times; then
    /// ``GitKitError/retriesExhausted(reference:attempts:lastError:)``.
    ///
    /// A nil `author` is taken from git configuration (``defaultSignature()``);
    /// a missing identity fails before anything is written. A nil `committer`
    /// is the author.
    public func commitToBranch(
        _ branch: String,
        startingFrom base: String? = nil,
        author: Signature? = nil,
        committer: Signature? = nil,
        maxAttempts: Int = 8,
        reflogMessage: String = "scaffold: commit",
        propose: (_ parent: Commit?) throws -> ProposedCommit?
    ) throws -> BranchCommitResult {
        let author = try author ?? defaultSignature()
        let committer = committer ?? author
        var lastConflict: BranchConflict?
        for attempt in 1...max(1, maxAttempts) {
            let tip = try branchTip(branch)
            let parentID = try tip ?? base.flatMap { try branchTip($0) }
            let parent = try parentID.map { try commit($0) }
            guard let proposal = try propose(parent) else { return .unchanged(tip: tip) }
            if tip != nil, proposal.tree == parent?.treeID { return .unchanged(tip: tip) }
            let commitID = try createCommit(
                tree: proposal.tree, parents: parentID.map { [$0] } ?? [],
                message: proposal.message, author: author, committer: committer)
            do {
                try updateBranch(branch, to: commitID, expecting: tip, reflogMessage: reflogMessage)
            } catch let conflict as BranchConflict {
                lastConflict = conflict
                // Back off a little, more on each round, with jitter so racing writers spread out.
                usleep(UInt32.random(in: 1_000...(5_000 * UInt32(attempt))))
                continue
            }
            return .committed(CommittedChange(
                commit: commitID, parent: parentID, tree: proposal.tree,
                changes: try changedPaths(from: parent?.treeID, to: proposal.tree),
                attempts: attempt))
        }
        throw GitKitError.retriesExhausted(
            reference: try Self.branchReference(branch), attempts: maxAttempts,
            lastError: lastConflict.map { $0.underlying.message } ?? "")
    }
}
