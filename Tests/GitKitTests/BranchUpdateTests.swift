import Foundation
import GitKit
import Testing
import TestSupport

@Suite("Moving branches: compare-and-swap, retries, objects first")
struct BranchUpdateTests {
    @Test("a stale expected commit is a BranchConflict and the branch does not move")
    func casConflictDetected() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-cas")
        let repository = try Repository.create(at: dir.path, bare: true)
        let first = try commitFiles(repository, writes(["a": "1"]))
        let second = try commitFiles(repository, writes(["a": "2"]))

        // A writer that read `first` and tries to publish on top of it.
        let stale = try repository.createCommit(
            tree: repository.buildTree(base: repository.commit(first).treeID, changes: writes(["b": "x"])),
            parents: [first], message: "stale", author: testSignature, committer: testSignature)
        let conflict = try #require(throws: BranchConflict.self) {
            try repository.updateBranch("main", to: stale, expecting: first, reflogMessage: "stale")
        }
        #expect(conflict.reference == "refs/heads/main")
        #expect(conflict.expected == first)
        #expect(conflict.underlying.function == "git_reference_create_matching")
        #expect(try repository.branchTip("main") == second)

        // Create-only on a branch that exists is a conflict too.
        let createOnly = try #require(throws: BranchConflict.self) {
            try repository.updateBranch("main", to: stale, expecting: nil, reflogMessage: "create")
        }
        #expect(createOnly.underlying.function == "git_reference_create_matching")
        #expect(try repository.branchTip("main") == second)

        // The same expectation, fresh, succeeds.
        try repository.updateBranch("main", to: stale, expecting: second, reflogMessage: "forced onto new tip")
        #expect(try repository.branchTip("main") == stale)
    }

    @Test("when another writer wins every round, the retries are bounded and end in a clear error; the winners' commits stand")
    func retriesAreBoundedAndFailClearly() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-exhausted")
        let repository = try Repository.create(at: dir.path, bare: true)
        _ = try commitFiles(repository, writes(["start": "0"]))
        let rival = try Repository.open(at: dir.path)
        var rounds = 0
        let error = try #require(throws: GitKitError.self) {
            try repository.commitToBranch("main", author: testSignature, maxAttempts: 3) { parent in
                rounds += 1
                let tree = try repository.buildTree(base: parent?.treeID, changes: writes(["mine": "\(rounds)"]))
                // Another writer publishes between our read and our swap, every time.
                _ = try commitFiles(rival, writes(["rival-\(rounds)": "x"]))
                return ProposedCommit(tree: tree, message: "mine \(rounds)")
            }
        }
        #expect(rounds == 3)
        guard case let .retriesExhausted(reference, attempts, _) = error else {
            Issue.record("expected retriesExhausted, got \(error)")
            return
        }
        #expect(reference == "refs/heads/main" && attempts == 3)
        #expect(error.description.contains("gave up after 3 attempts"))
        let files = try git(["ls-tree", "--name-only", "main"], in: dir.path).split(separator: "\n").map(String.init)
        #expect(files == ["rival-1", "rival-2", "rival-3", "start"])
    }

    @Test("a branch can never be pointed at an object that does not exist, or at a non-commit")
    func refNeverPointsAtMissingObjects() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-missing")
        let repository = try Repository.create(at: dir.path, bare: true)
        let first = try commitFiles(repository, writes(["a": "1"]))
        let missing = try #require(ObjectID(hex: String(repeating: "12", count: 20)))
        let error = try #require(throws: GitError.self) {
            try repository.updateBranch("main", to: missing, expecting: first, reflogMessage: "bad")
        }
        #expect(error.function == "git_commit_lookup")
        let tree = try repository.commit(first).treeID
        #expect(throws: GitKitError.unexpectedObjectType(tree, expected: "commit")) {
            try repository.updateBranch("main", to: tree, expecting: first, reflogMessage: "bad")
        }
        #expect(try repository.branchTip("main") == first)
    }

    @Test("creating a branch at a commit, and commitToBranch starting from a base branch")
    func branchFromBase() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-branch")
        let repository = try Repository.create(at: dir.path, bare: true)
        let base = try commitFiles(repository, writes(["pins.yaml": "api: sha256:aaa\n"]))
        try repository.createBranch("release/1", at: base)
        #expect(try repository.branchTip("release/1") == base)
        #expect(throws: BranchConflict.self) { try repository.createBranch("release/1", at: base) }

        let result = try repository.commitToBranch(
            "scaffold/bump/api", startingFrom: "main", author: testSignature
        ) { parent in
            #expect(parent?.id == base)
            let tree = try repository.buildTree(base: parent?.treeID, changes: writes(["pins.yaml": "api: sha256:bbb\n"]))
            return ProposedCommit(tree: tree, message: "Bump api")
        }
        guard case let .committed(change) = result else { Issue.record("expected a commit"); return }
        #expect(change.parent == base)
        #expect(change.attempts == 1)
        #expect(change.changes.map(\.path) == ["pins.yaml"])
        #expect(try repository.branchTip("main") == base)
        #expect(try git(["log", "--format=%s", "scaffold/bump/api"], in: dir.path) == "Bump api\ntest commit\n")
    }

    @Test("an unchanged tree makes no commit")
    func unchangedMakesNoCommit() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-unchanged")
        let repository = try Repository.create(at: dir.path, bare: true)
        let tip = try commitFiles(repository, writes(["a": "1", "b/c": "2"]))
        let result = try repository.commitToBranch("main", author: testSignature) { parent in
            let tree = try repository.buildTree(base: parent?.treeID, changes: writes(["a": "1", "b/c": "2"]))
            return ProposedCommit(tree: tree, message: "no-op")
        }
        #expect(result == .unchanged(tip: tip))
        #expect(try repository.branchTip("main") == tip)
    }

    @Test("racing creators of one new branch: exactly one wins, every other gets a BranchConflict")
    func racingCreatorsOfANewBranch() async throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-create-race")
        let repository = try Repository.create(at: dir.path, bare: true)
        let base = try commitFiles(repository, writes(["a": "0"]))
        let path = dir.path
        let creators = 8, rounds = 25
        var lost = 0
        for round in 0..<rounds {
            // Each creator's own commit, written before the race so only the ref swap races.
            let commits = try (0..<creators).map { creator in
                try repository.createCommit(
                    tree: repository.buildTree(base: repository.commit(base).treeID, changes: writes(["c": "\(round)/\(creator)"])),
                    parents: [base], message: "round \(round) creator \(creator)", author: testSignature, committer: testSignature)
            }
            let branch = "topic/round-\(round)"
            let winners = try await withThrowingTaskGroup(of: ObjectID?.self) { group in
                for commit in commits {
                    group.addTask {
                        let own = try Repository.open(at: path)
                        do {
                            try own.updateBranch(branch, to: commit, expecting: nil, reflogMessage: "create")
                            return commit
                        } catch is BranchConflict {
                            return nil
                        }
                    }
                }
                var winners: [ObjectID] = []
                for try await winner in group { if let winner { winners.append(winner) } }
                return winners
            }
            #expect(winners.count == 1, "round \(round): \(winners.count) creators were told they created \(branch)")
            if winners.count != 1 { lost += 1 }
            #expect(try repository.branchTip(branch) == winners.first)
        }
        #expect(lost == 0)
    }

    @Test("concurrent writers on one branch: every change lands exactly once")
    func concurrentWritersNeverLoseChanges() async throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-race")
        try commitFiles(try Repository.create(at: dir.path, bare: true), writes(["counter/start": "0"]))
        let path = dir.path
        let writers = 4, commitsEach = 6
        try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    // One Repository per task, as libgit2 requires; they only share the files on disk.
                    let repository = try Repository.open(at: path)
                    var retries = 0
                    for index in 0..<commitsEach {
                        let result = try repository.commitToBranch("main", author: testSignature, maxAttempts: 50) { parent in
                            let tree = try repository.buildTree(
                                base: parent?.treeID, changes: writes(["counter/w\(writer)-\(index)": "\(writer)/\(index)"]))
                            return ProposedCommit(tree: tree, message: "writer \(writer) change \(index)")
                        }
                        guard case let .committed(change) = result else { throw GitCLIFailed(arguments: [], stderr: "no commit") }
                        retries += change.attempts - 1
                    }
                    return retries
                }
            }
            for try await _ in group {}
        }
        let files = try git(["ls-tree", "--name-only", "main", "counter/"], in: path).split(separator: "\n")
        #expect(files.count == writers * commitsEach + 1)
        let subjects = try git(["log", "--format=%s", "--first-parent", "main"], in: path).split(separator: "\n")
        #expect(subjects.count == writers * commitsEach + 1)
        #expect(Set(subjects).count == subjects.count)  // each change exactly once
        try expectFsckClean(path)
    }
}
