import Foundation
import GitKit
import Testing
import TestSupport

/// The documented policy: a checked-out branch carries its work tree along
/// (SAFE checkout of the changed paths only), and a commit that would
/// overwrite uncommitted or untracked files is refused before anything moves.
@Suite("Work tree policy for a checked-out branch")
struct WorkTreeTests {
    private func checkedOutRepository(_ dir: TemporaryDirectory) throws -> Repository {
        let repository = try Repository.create(at: dir.path, bare: false)
        try commitFiles(repository, writes(["generated/app.yaml": "v: 1\n", "README.md": "hand-written\n"]))
        return repository
    }

    @Test("changed files are written, unrelated local edits and untracked files survive")
    func followsBranchKeepingLocalWork() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-wt-follow")
        let repository = try checkedOutRepository(dir)
        try "edited locally\n".write(toFile: dir.path + "/README.md", atomically: true, encoding: .utf8)
        try "scratch\n".write(toFile: dir.path + "/notes.txt", atomically: true, encoding: .utf8)

        try commitFiles(repository, writes(["generated/app.yaml": "v: 2\n", "generated/new.yaml": "n\n"]))

        #expect(try String(contentsOfFile: dir.path + "/generated/app.yaml", encoding: .utf8) == "v: 2\n")
        #expect(try String(contentsOfFile: dir.path + "/generated/new.yaml", encoding: .utf8) == "n\n")
        #expect(try String(contentsOfFile: dir.path + "/README.md", encoding: .utf8) == "edited locally\n")
        #expect(try git(["status", "--porcelain"], in: dir.path) == " M README.md\n?? notes.txt\n")

        try commitFiles(repository, ["generated/new.yaml": .delete])
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/generated/new.yaml"))
        #expect(try git(["status", "--porcelain"], in: dir.path) == " M README.md\n?? notes.txt\n")
    }

    @Test("a local edit to a file the commit changes is refused and nothing moves")
    func refusesToOverwriteLocalEdit() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-wt-dirty")
        let repository = try checkedOutRepository(dir)
        let before = try repository.branchTip("main")
        try "hand edit\n".write(toFile: dir.path + "/generated/app.yaml", atomically: true, encoding: .utf8)

        #expect(throws: GitKitError.checkoutWouldOverwrite(path: dir.url.resolvingSymlinksInPath().path + "/", files: ["generated/app.yaml"])) {
            try commitFiles(repository, writes(["generated/app.yaml": "v: 2\n"]))
        }
        #expect(try repository.branchTip("main") == before)
        #expect(try String(contentsOfFile: dir.path + "/generated/app.yaml", encoding: .utf8) == "hand edit\n")
    }

    @Test("an untracked file where a new file would go is refused and nothing moves")
    func refusesToOverwriteUntracked() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-wt-untracked")
        let repository = try checkedOutRepository(dir)
        let before = try repository.branchTip("main")
        try "mine\n".write(toFile: dir.path + "/generated/new.yaml", atomically: true, encoding: .utf8)
        #expect {
            try commitFiles(repository, writes(["generated/new.yaml": "theirs\n"]))
        } throws: { error in
            guard case let GitKitError.checkoutWouldOverwrite(_, files) = error else { return false }
            return files == ["generated/new.yaml"]
        }
        #expect(try repository.branchTip("main") == before)
        #expect(try String(contentsOfFile: dir.path + "/generated/new.yaml", encoding: .utf8) == "mine\n")
    }

    @Test("a branch that is not checked out only has its ref moved")
    func otherBranchLeavesWorkTreeAlone() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-wt-other")
        let repository = try checkedOutRepository(dir)
        let main = try #require(try repository.branchTip("main"))
        try repository.createBranch("scaffold/bump/api", at: main)
        try commitFiles(repository, branch: "scaffold/bump/api", writes(["generated/app.yaml": "v: 9\n"]))
        #expect(try String(contentsOfFile: dir.path + "/generated/app.yaml", encoding: .utf8) == "v: 1\n")
        #expect(try git(["status", "--porcelain"], in: dir.path) == "")
        #expect(try git(["show", "scaffold/bump/api:generated/app.yaml"], in: dir.path) == "v: 9\n")
    }

    @Test("concurrent writers on a checked-out branch take turns; the work tree ends clean with every change")
    func concurrentWritersOnCheckedOutBranch() async throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-wt-race")
        _ = try checkedOutRepository(dir)
        let path = dir.path
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<3 {
                group.addTask {
                    let repository = try Repository.open(at: path)
                    for index in 0..<4 {
                        _ = try repository.commitToBranch("main", author: testSignature, maxAttempts: 50) { parent in
                            ProposedCommit(
                                tree: try repository.buildTree(base: parent?.treeID, changes: writes(["generated/w\(writer)-\(index).yaml": "x\n"])),
                                message: "w\(writer) \(index)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try git(["status", "--porcelain"], in: path) == "")
        let files = try FileManager.default.contentsOfDirectory(atPath: path + "/generated").filter { $0.hasPrefix("w") }
        #expect(files.count == 12)
        #expect(try git(["rev-list", "--count", "main"], in: path) == "13\n")
        try expectFsckClean(path)
    }
}
