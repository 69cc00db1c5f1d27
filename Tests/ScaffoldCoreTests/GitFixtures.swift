import Foundation
import GitKit
import Testing
import TestSupport

/// Real repositories for the git delivery tests: a blueprint repository (a work
/// tree holding the example blueprint, its pins and overlays, committed with the
/// git CLI) and bare ops and infra repositories.
struct GitFixture {
    let directory: TemporaryDirectory
    var blueprintRepo: String { directory.path + "/platform-blueprint" }
    var blueprint: String { blueprintRepo + "/blueprints/galaxy.yaml" }
    var pinsPath: String { blueprintRepo + "/blueprints/galaxy.pins.yaml" }
    var opsRepo: String { directory.path + "/ops.git" }
    var infraRepo: String { directory.path + "/infra.git" }

    static let author = Signature(name: "Scaffold Bot", email: "bot@scaffold.invalid")
    static let authorFlag = "Scaffold Bot <bot@scaffold.invalid>"

    /// Copies the example blueprint into a new repository and creates empty bare output repositories.
    init(prefix: String = "scaffold-git") throws {
        directory = try TemporaryDirectory(prefix: prefix)
        let root = TestTools.packageRoot
        let files = ["blueprints/galaxy.yaml", "blueprints/galaxy.pins.yaml", "overlays/staging.yaml", "overlays/production.yaml"]
        for file in files {
            let target = URL(fileURLWithPath: blueprintRepo + "/" + file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: root.appendingPathComponent(file), to: target)
        }
        try gitCLI(["init", "-q", "-b", "main"], in: blueprintRepo)
        try gitCLI(["add", "-A"], in: blueprintRepo)
        try gitCLI(["commit", "-q", "-m", "Blueprint"], in: blueprintRepo)
        _ = try Repository.create(at: opsRepo, bare: true)
        _ = try Repository.create(at: infraRepo, bare: true)
    }

    /// The commit a branch points at (nil when absent), read with the git CLI.
    func tip(_ repository: String, _ branch: String) throws -> String? {
        let result = try TestTools.run("git", ["-C", repository, "rev-parse", "--verify", "--quiet", "refs/heads/\(branch)"])
        return result.succeeded ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Every branch with its tip, to check that nothing was written.
    func refs(_ repository: String) throws -> String {
        try gitCLI(["for-each-ref", "--format=%(refname) %(objectname)"], in: repository)
    }
}

/// Runs the git CLI (tests only) and fails the test when it fails.
@discardableResult
func gitCLI(_ arguments: [String], in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let result = try TestTools.run("git", ["-C", directory] + arguments, environment: [
        "GIT_AUTHOR_NAME": "Test Human", "GIT_AUTHOR_EMAIL": "human@scaffold.invalid",
        "GIT_COMMITTER_NAME": "Test Human", "GIT_COMMITTER_EMAIL": "human@scaffold.invalid",
    ])
    guard result.succeeded else {
        Issue.record("git \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        throw GitCommandFailed(message: result.stderr)
    }
    return result.stdout
}

struct GitCommandFailed: Error { var message: String }

/// `git fsck --full --strict` reports nothing.
func expectRepositoryIntact(_ directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try TestTools.run("git", ["-C", directory, "fsck", "--full", "--strict", "--no-dangling"])
    #expect(result.succeeded && result.stdout.isEmpty && result.stderr.isEmpty,
            "git fsck \(directory): \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
}

/// The trailers of a commit, parsed by git itself.
func trailers(of commit: String, in repository: String) throws -> [String: String] {
    let message = try gitCLI(["log", "-1", "--format=%B", commit], in: repository)
    let parsed = try TestTools.run("git", ["interpret-trailers", "--parse"], stdin: message)
    var out: [String: String] = [:]
    for line in parsed.stdout.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return out
}

/// A fresh digest for test number `n`.
func testDigest(_ n: Int) -> String {
    "sha256:" + String(repeating: String(format: "%02x", n % 256), count: 32)
}
