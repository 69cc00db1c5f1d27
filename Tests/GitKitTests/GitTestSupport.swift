import Foundation
import GitKit
import Testing
import TestSupport

/// A fixed identity so commits made by tests are reproducible.
let testSignature = Signature(name: "Scaffold Test", email: "test@scaffold.invalid", time: 1_700_000_000)

/// Runs the git CLI (allowed in tests only, to check what libgit2 wrote).
@discardableResult
func git(_ arguments: [String], in directory: String) throws -> String {
    let result = try TestTools.run("git", ["-C", directory] + arguments)
    guard result.succeeded else {
        Issue.record("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        throw GitCLIFailed(arguments: arguments, stderr: result.stderr)
    }
    return result.stdout
}

struct GitCLIFailed: Error {
    var arguments: [String]
    var stderr: String
}

/// `git fsck --full --strict` must report nothing.
func expectFsckClean(_ directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try TestTools.run("git", ["-C", directory, "fsck", "--full", "--strict", "--no-dangling"])
    #expect(result.succeeded, "git fsck failed: \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty && result.stderr.isEmpty, "git fsck: \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
}

/// The git CLI must be present for these checks; under CI a missing one fails.
func requireGitCLI() throws -> Bool {
    try TestTools.require("git")
}

extension Data {
    init(text: String) { self = Data(text.utf8) }
}

/// Change sets written as `path: text` for brevity.
func writes(_ files: [String: String]) -> [String: FileChange] {
    files.mapValues { .write(Data(text: $0)) }
}

/// Builds a tree on top of `parent`, commits it and moves `branch` (create-only when new).
@discardableResult
func commitFiles(
    _ repository: Repository, branch: String = "main", _ changes: [String: FileChange], message: String = "test commit"
) throws -> ObjectID {
    let parent = try repository.branchTip(branch)
    let base = try parent.map { try repository.commit($0).treeID }
    let tree = try repository.buildTree(base: base, changes: changes)
    let commit = try repository.createCommit(
        tree: tree, parents: parent.map { [$0] } ?? [], message: message,
        author: testSignature, committer: testSignature)
    try repository.updateBranch(branch, to: commit, expecting: parent, reflogMessage: "test")
    return commit
}
