import Foundation
import GitKit
import Testing
import TestSupport

/// Fetch, mirror and push through libgit2 against a real remote (a bare repository by
/// `file://`, libgit2's local transport). A push that is not a fast-forward (someone pushed
/// first) is a ``PushRejected``, and the remote keeps the other writer's commit. The same
/// calls over git:// and http:// are exercised end to end by the delivery commands in
/// ScaffoldCoreTests/RemoteDeliveryTests (real `git daemon` and `git http-backend`).
@Suite("Remotes: fetch and push over file://")
struct RemoteTests {
    func roundTrip(_ url: (String) -> String, in dir: TemporaryDirectory) throws {
        let remotePath = dir.path + "/remote.git"
        let remote = try Repository.create(at: remotePath, bare: true)
        let first = try commitFiles(remote, writes(["a.txt": "1"]))

        // A mirror fetches the remote's branches.
        let mirror = try Repository.create(at: dir.path + "/mirror.git", bare: true)
        try mirror.fetch(from: url("remote.git"), refspecs: ["+refs/heads/*:refs/heads/*"])
        #expect(try mirror.branchTip("main") == first)

        // It commits on a new branch and on main, then pushes both.
        let second = try commitFiles(mirror, writes(["b.txt": "2"]))
        try mirror.updateBranch("scaffold/change", to: second, expecting: nil, reflogMessage: "test")
        try mirror.push(to: url("remote.git"), refspecs: ["refs/heads/main:refs/heads/main", "refs/heads/scaffold/change:refs/heads/scaffold/change"])
        #expect(try git(["rev-parse", "main"], in: remotePath).trimmingCharacters(in: .whitespacesAndNewlines) == second.hex)
        #expect(try git(["rev-parse", "scaffold/change"], in: remotePath).trimmingCharacters(in: .whitespacesAndNewlines) == second.hex)
        try expectFsckClean(remotePath)

        // Someone else pushes first: our next push is not a fast-forward and is refused.
        let theirs = try commitFiles(remote, writes(["c.txt": "theirs"]))
        let ours = try commitFiles(mirror, writes(["c.txt": "ours"]))
        #expect(try mirror.branchTip("main") == ours)
        let rejected = try #require(throws: PushRejected.self) {
            try mirror.push(to: url("remote.git"), refspecs: ["refs/heads/main:refs/heads/main"])
        }
        #expect(rejected.description.contains("refused"))
        #expect(try remote.branchTip("main") == theirs)

        // Fetching again brings the mirror to their commit (the caller then redoes its change on it).
        try mirror.fetch(from: url("remote.git"), refspecs: ["+refs/heads/*:refs/heads/*"])
        #expect(try mirror.branchTip("main") == theirs)
    }

    @Test func overFileURLs() throws {
        guard try TestTools.require("git") else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-remote-file")
        try roundTrip({ "file://\(dir.path)/\($0)" }, in: dir)
    }

    @Test("a mirror ends with exactly the remote's branches and HEAD")
    func mirrorMatchesTheRemote() throws {
        guard try TestTools.require("git") else { return }
        let dir = try TemporaryDirectory(prefix: "gitkit-remote-mirror")
        let remotePath = dir.path + "/remote.git"
        let remote = try Repository.create(at: remotePath, bare: true, initialBranch: "trunk")
        let first = try commitFiles(remote, branch: "trunk", writes(["a.txt": "1"]))
        try remote.updateBranch("feature", to: first, expecting: nil, reflogMessage: "test")

        let mirror = try Repository.create(at: dir.path + "/mirror.git", bare: true)
        // A branch from an earlier, unpushed attempt: the mirror must drop it.
        try mirror.fetch(from: "file://" + remotePath, refspecs: ["+refs/heads/trunk:refs/heads/stale"])
        let state = try mirror.mirror(from: "file://" + remotePath)
        #expect(state.defaultBranch == "trunk")
        #expect(state.branches == ["trunk": first, "feature": first])
        #expect(try mirror.localBranches() == state.branches.keys.sorted())
        #expect(try mirror.headBranch == "trunk")
        #expect(try mirror.branchTip("stale") == nil)

        // An empty remote: nothing to fetch, no branch, HEAD left alone.
        _ = try Repository.create(at: dir.path + "/empty.git", bare: true)
        let fresh = try Repository.create(at: dir.path + "/fresh.git", bare: true)
        let emptyState = try fresh.mirror(from: "file://" + dir.path + "/empty.git")
        #expect(emptyState.branches.isEmpty && emptyState.defaultBranch == nil)
        #expect(try fresh.localBranches().isEmpty)
    }

    @Test func credentialsNeverShowInTheirDescription() {
        let credentials = RemoteCredentials(username: "bot", token: "ghp_secretvalue", sshKeyFile: "/keys/id")
        #expect(!credentials.description.contains("ghp_secretvalue") && credentials.description.contains("token"))
    }
}
