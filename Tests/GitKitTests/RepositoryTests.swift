import Foundation
import GitKit
import Testing
import TestSupport

@Suite("Repository: open, first commits, reading back")
struct RepositoryTests {
    @Test("first commit on an empty bare repository is readable by the git CLI")
    func firstCommitBare() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-bare")
        let repository = try Repository.create(at: dir.path + "/ops.git", bare: true)
        #expect(repository.isBare)
        #expect(repository.workingDirectory == nil)
        #expect(try repository.branchTip("main") == nil)

        let commit = try commitFiles(repository, writes([
            "README.md": "hello\n",
            "apps/api/deployment.yaml": "kind: Deployment\n",
            "apps/api/overlays/staging/kustomization.yaml": "resources: []\n",
        ]), message: "first\n\nbody")

        let path = repository.gitDirectory
        #expect(try git(["rev-parse", "main"], in: path).trimmingCharacters(in: .whitespacesAndNewlines) == commit.hex)
        #expect(try git(["ls-tree", "-r", "--name-only", "main"], in: path) ==
            "README.md\napps/api/deployment.yaml\napps/api/overlays/staging/kustomization.yaml\n")
        #expect(try git(["cat-file", "-p", "main:apps/api/overlays/staging/kustomization.yaml"], in: path) == "resources: []\n")
        #expect(try git(["log", "-1", "--format=%an <%ae>|%at|%s|%P", "main"], in: path) ==
            "Scaffold Test <test@scaffold.invalid>|1700000000|first|\n")
        try expectFsckClean(path)
    }

    @Test("first commit on an empty non-bare repository checks the files out")
    func firstCommitNonBare() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-worktree")
        let repository = try Repository.create(at: dir.path, bare: false)
        #expect(!repository.isBare)
        #expect(try repository.headBranch == "main")

        try commitFiles(repository, writes(["a/b/c.yaml": "c: 1\n", "top.txt": "top\n"]))

        #expect(try String(contentsOfFile: dir.path + "/a/b/c.yaml", encoding: .utf8) == "c: 1\n")
        #expect(try git(["status", "--porcelain", "--untracked-files=all"], in: dir.path) == "")
        #expect(try git(["log", "--format=%s", "main"], in: dir.path) == "test commit\n")
        try expectFsckClean(dir.path)
    }

    @Test("reopening finds the branch; flat file map and single-file reads with modes")
    func readBack() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-read")
        do {
            let repository = try Repository.create(at: dir.path, bare: true)
            try commitFiles(repository, [
                "bin/run.sh": .write(Data(text: "#!/bin/sh\n"), mode: .executable),
                "link": .write(Data(text: "bin/run.sh"), mode: .symlink),
                "x/y/z.txt": .write(Data(text: "z\n")),
            ])
        }
        let repository = try Repository.open(at: dir.path)
        let tip = try #require(try repository.branchTip("main"))
        let tree = try repository.commit(tip).treeID
        let files = try repository.files(inTree: tree)
        #expect(files.keys.sorted() == ["bin/run.sh", "link", "x/y/z.txt"])
        #expect(files["bin/run.sh"]?.mode == .executable)
        #expect(files["link"]?.mode == .symlink)
        #expect(files["x/y/z.txt"]?.mode == .regular)
        #expect(try repository.fileContents(at: "x/y/z.txt", inTree: tree) == Data(text: "z\n"))
        #expect(try repository.fileContents(at: "x/y/missing.txt", inTree: tree) == nil)
        #expect(try repository.fileContents(at: "x/y", inTree: tree) == nil)  // a folder is not a file
        #expect(try repository.entry(at: "x/y", inTree: tree)?.mode == .tree)
        #expect(try repository.blobID(for: Data(text: "z\n")) == files["x/y/z.txt"]?.id)
    }

    @Test("errors carry the failing libgit2 function and its message")
    func errorsCarryFunctionAndMessage() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-errors")
        let error = try #require(throws: GitError.self) {
            try Repository.open(at: dir.path + "/nothing-here")
        }
        #expect(error.function == "git_repository_open_ext")
        #expect(error.isNotFound)
        #expect(error.message.contains("nothing-here"))
        #expect(error.description.hasPrefix("git_repository_open_ext failed (-3): "))

        let repository = try Repository.create(at: dir.path + "/r", bare: true)
        let bogus = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let lookup = try #require(throws: GitError.self) { try repository.tree(bogus) }
        #expect(lookup.function == "git_tree_lookup")
        #expect(lookup.message.contains("abababab"))

        let badBranch = try #require(throws: GitError.self) { try repository.branchTip("no..dots") }
        #expect(badBranch.function == "git_branch_name_is_valid")

        #expect(throws: GitError.self) { try Repository.create(at: dir.path + "/r", bare: true) }
    }

    @Test("object ids round-trip through hex")
    func objectIDs() throws {
        let hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        let id = try #require(ObjectID(hex: hex))
        #expect(id.hex == hex)
        #expect(id.shortHex == "4b825dc642cb")
        #expect(ObjectID(hex: "xyz") == nil)
        #expect(ObjectID(hex: String(repeating: "g", count: 40)) == nil)
        #expect(ObjectID(hex: hex.uppercased())?.hex == hex)
        #expect(ObjectID(hex: String(hex.dropLast(2)) + "é") == nil, "40 bytes, not 40 digits")
        // Nothing to parse when the first git call of a process is a bad id: this ran
        // through git_oid_fromstrn, whose error path crashed before git_libgit2_init.
        #expect(ObjectID(hex: String(hex.dropLast()) + "z") == nil)
    }
}
