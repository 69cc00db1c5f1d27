import Foundation
import GitKit
import Testing
import TestSupport

@Suite("Building trees without an index")
struct TreeEditTests {
    private func makeRepository(_ dir: TemporaryDirectory) throws -> Repository {
        try Repository.create(at: dir.path, bare: true)
    }

    @Test("only the changed path's folders get new ids; siblings keep theirs")
    func nestedPathsRebuildOnlyChangedSubtrees() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-nested")
        let repository = try makeRepository(dir)
        let base = try repository.buildTree(base: nil, changes: writes([
            "orgs/acme/projects/web/app.yaml": "v: 1\n",
            "orgs/acme/projects/api/app.yaml": "v: 1\n",
            "orgs/globex/org.yaml": "name: globex\n",
        ]))
        let updated = try repository.buildTree(base: base, changes: writes(["orgs/acme/projects/web/app.yaml": "v: 2\n"]))
        #expect(updated != base)
        func id(_ path: String, _ tree: ObjectID) throws -> ObjectID? { try repository.entry(at: path, inTree: tree)?.id }
        #expect(try id("orgs/globex", base) == id("orgs/globex", updated))
        #expect(try id("orgs/acme/projects/api", base) == id("orgs/acme/projects/api", updated))
        #expect(try id("orgs/acme/projects/web", base) != id("orgs/acme/projects/web", updated))
        #expect(try repository.fileContents(at: "orgs/acme/projects/web/app.yaml", inTree: updated) == Data(text: "v: 2\n"))
        #expect(try repository.files(inTree: updated).count == 3)
    }

    @Test("the same contents give the identical tree id, whatever the order or repository")
    func unchangedPlanGivesIdenticalTree() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-same")
        let repository = try makeRepository(dir)
        let plan = writes(["b/2.txt": "2", "a/1.txt": "1", "c.txt": "3", "a/deeper/x.txt": "x"])
        let first = try repository.buildTree(base: nil, changes: plan)
        let again = try repository.buildTree(base: first, changes: plan)
        #expect(again == first)
        let other = try Repository.create(at: dir.path + "/other", bare: true)
        #expect(try other.buildTree(base: nil, changes: plan) == first)
        #expect(try repository.buildTree(base: first, changes: [:]) == first)
    }

    @Test("deleting a file, and the last file of a folder, removes the folder")
    func deletionRemovesEmptyFolders() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-delete")
        let repository = try makeRepository(dir)
        try commitFiles(repository, writes([
            "keep.txt": "k", "gone.txt": "g",
            "deep/only/child.yaml": "c", "deep/sibling.yaml": "s",
        ]))
        try commitFiles(repository, ["gone.txt": .delete, "deep/only/child.yaml": .delete, "never/existed.txt": .delete])
        #expect(try git(["ls-tree", "-r", "-t", "--name-only", "main"], in: dir.path) == "deep\ndeep/sibling.yaml\nkeep.txt\n")

        try commitFiles(repository, ["deep/sibling.yaml": .delete, "keep.txt": .delete])
        let tip = try #require(try repository.branchTip("main"))
        #expect(try repository.commit(tip).treeID.hex == "4b825dc642cb6eb9a060e54bf8d69288fbee4904")  // the empty tree
        try expectFsckClean(dir.path)
    }

    @Test("a file can replace a folder and a folder a file, when the change set says so")
    func fileFolderSwaps() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-swap")
        let repository = try makeRepository(dir)
        let base = try repository.buildTree(base: nil, changes: writes(["config": "flat", "dir/a": "a", "dir/b": "b"]))
        let swapped = try repository.buildTree(base: base, changes: [
            "config": .delete, "config/main.yaml": .write(Data(text: "nested")),
            "dir/a": .delete, "dir/b": .delete, "dir": .write(Data(text: "now a file")),
        ])
        let files = try repository.files(inTree: swapped)
        #expect(files.keys.sorted() == ["config/main.yaml", "dir"])
    }

    @Test("changes that would silently drop content are refused")
    func conflictsAreRefused() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-conflict")
        let repository = try makeRepository(dir)
        let base = try repository.buildTree(base: nil, changes: writes(["dir/hand-owned.txt": "mine", "file": "f"]))
        #expect(throws: GitKitError.pathConflict("dir", reason: "is a folder with other files; cannot replace it by a file")) {
            try repository.buildTree(base: base, changes: writes(["dir": "x"]))
        }
        #expect(throws: GitKitError.pathConflict("file", reason: "is a file; cannot create files below it")) {
            try repository.buildTree(base: base, changes: writes(["file/x": "x"]))
        }
        #expect(throws: GitKitError.self) {
            try repository.buildTree(base: base, changes: ["dir": .delete])
        }
        #expect(throws: GitKitError.self) {
            try repository.buildTree(base: nil, changes: writes(["a": "1", "a/b": "2"]))
        }
    }

    @Test("invalid paths are refused before anything is written", arguments: [
        "/abs.txt", "a//b", "trailing/", "../escape", "a/./b", ".git/config", "sub/.GIT/hooks", "",
    ])
    func invalidPaths(path: String) throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-invalid")
        let repository = try makeRepository(dir)
        #expect {
            try repository.buildTree(base: nil, changes: writes([path: "x"]))
        } throws: { error in
            guard case GitKitError.invalidPath(path, _) = error else { return false }
            return true
        }
    }

    @Test("changed paths between two trees, sorted, with blob ids")
    func changedPaths() throws {
        let dir = try TemporaryDirectory(prefix: "gitkit-diff")
        let repository = try makeRepository(dir)
        let old = try repository.buildTree(base: nil, changes: writes(["a.txt": "1", "b/c.txt": "2", "d.txt": "4"]))
        let new = try repository.buildTree(base: old, changes: [
            "a.txt": .write(Data(text: "1 changed")), "b/c.txt": .delete, "b/new.txt": .write(Data(text: "n")),
        ])
        let changes = try repository.changedPaths(from: old, to: new)
        #expect(changes.map(\.path) == ["a.txt", "b/c.txt", "b/new.txt"])
        #expect(changes.map(\.kind) == [.modified, .deleted, .added])
        #expect(changes[0].newID == (try repository.blobID(for: Data(text: "1 changed"))))
        #expect(changes[1].newID == nil && changes[2].oldID == nil)
        #expect(try repository.changedPaths(from: nil, to: old).count == 3)
        #expect(try repository.changedPaths(from: old, to: old).isEmpty)
    }
}

@Suite("Large change sets are written as one pack")
struct PackedTreeTests {
    @Test("thousands of files land in a single pack, readable by git, and later small commits build on them")
    func largeChangeSetIsPacked() throws {
        guard try requireGitCLI() else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-pack")
        let repository = try Repository.create(at: dir.path, bare: true)
        var plan: [String: String] = [:]
        for org in 0..<150 {
            for file in ["org.yaml", "projects/web.yaml", "projects/api.yaml", "rbac/roles.yaml"] {
                plan["orgs/org-\(org)/\(file)"] = "org: \(org)\nfile: \(file)\n"
            }
        }
        #expect(plan.count >= Repository.packThreshold)
        try commitFiles(repository, writes(plan))

        let objects = try git(["count-objects", "-v"], in: dir.path)
        #expect(objects.contains("packs: 1\n"))
        // Only the commit object is loose; every blob and tree went into the pack.
        #expect(objects.hasPrefix("count: 1\n"))
        #expect(try git(["ls-tree", "-r", "--name-only", "main"], in: dir.path).split(separator: "\n").count == plan.count)
        #expect(try git(["cat-file", "-p", "main:orgs/org-42/rbac/roles.yaml"], in: dir.path) == "org: 42\nfile: rbac/roles.yaml\n")

        // The same plan again packs nothing new and yields the same tree.
        let tip = try #require(try repository.branchTip("main"))
        #expect(try repository.buildTree(base: nil, changes: writes(plan)) == repository.commit(tip).treeID)
        #expect(try git(["count-objects", "-v"], in: dir.path).contains("packs: 1\n"))

        try commitFiles(repository, writes(["orgs/org-7/org.yaml": "changed\n"]))
        #expect(try git(["cat-file", "-p", "main:orgs/org-7/org.yaml"], in: dir.path) == "changed\n")
        try expectFsckClean(dir.path)
    }
}
