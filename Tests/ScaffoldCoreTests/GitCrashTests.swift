import Foundation
import GitKit
import Testing
import TestSupport
@testable import ScaffoldCore

#if canImport(Glibc)
import Glibc
#endif

/// `scaffold generate --ops-repo/--infra-repo` killed with SIGKILL at varied
/// moments of a large commit (the synthetic 1,000-organization platform): the
/// repositories must pass `git fsck --full` and each branch must point either
/// at its previous commit or at the complete new one.
@Suite("Crash safety: SIGKILL while committing never corrupts a repository", .serialized)
struct GitCrashTests {
    struct Target {
        var blueprint: String
        var trees: [String: String]  // role → expected tree id
        var seconds: Double
    }

    private func treeOfMain(_ repository: String) throws -> String? {
        let result = try TestTools.run("git", ["-C", repository, "rev-parse", "--verify", "--quiet", "refs/heads/main^{tree}"])
        return result.succeeded ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    private func generateArguments(_ blueprint: String, ops: String, infra: String) -> [String] {
        ["generate", blueprint, "--ops-repo", ops, "--infra-repo", infra, "--branch", "main", "--author", GitFixture.authorFlag, "--allow-deletions"]
    }

    /// Generates `blueprint` into fresh repositories, timing it: what a complete run produces.
    private func reference(_ blueprint: String, in directory: String) throws -> Target {
        let ops = directory + "/ops.git", infra = directory + "/infra.git"
        _ = try Repository.create(at: ops, bare: true)
        _ = try Repository.create(at: infra, bare: true)
        let start = Date()
        let result = try TestTools.run(TestTools.scaffoldExecutable, generateArguments(blueprint, ops: ops, infra: infra))
        let seconds = Date().timeIntervalSince(start)
        #expect(result.succeeded, "\(result.stderr)")
        return Target(blueprint: blueprint, trees: ["ops": try treeOfMain(ops) ?? "", "infra": try treeOfMain(infra) ?? ""], seconds: seconds)
    }

    /// Starts scaffold, kills it with SIGKILL after `delay` seconds (if still running); true when it was killed.
    private func runAndKill(_ arguments: [String], after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestTools.scaffoldExecutable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32(delay * 1_000_000))
        let killed = process.isRunning && kill(process.processIdentifier, SIGKILL) == 0
        process.waitUntilExit()
        return killed && process.terminationReason == .uncaughtSignal
    }

    @Test("killed at ten points of a 1,000-organization commit: fsck clean, branches at old or complete new commits")
    func killedWhileCommitting() throws {
        guard try TestTools.require("git") else { return }
        let directory = try TemporaryDirectory(prefix: "scaffold-crash")
        let root = directory.path
        // Two large platforms that differ in many files, so every run has a big commit to make.
        let a = try SyntheticBlueprint.write(to: URL(fileURLWithPath: root + "/a"), organizations: 1000, regions: 4, services: 20)
        let b = try SyntheticBlueprint.write(to: URL(fileURLWithPath: root + "/b"), organizations: 1000, regions: 3, services: 16)
        let targets = [try reference(a, in: root + "/ref-a"), try reference(b, in: root + "/ref-b")]
        #expect(targets[0].trees != targets[1].trees)

        let ops = root + "/ops.git", infra = root + "/infra.git"
        _ = try Repository.create(at: ops, bare: true)
        _ = try Repository.create(at: infra, bare: true)
        var current: [String: String?] = ["ops": nil, "infra": nil]
        var kills = 0
        let points = 10
        for index in 0..<points {
            let target = targets[index % 2]
            // Spread the kill over the whole run, from the start to just before the end.
            let delay = target.seconds * (0.05 + 0.9 * Double(index) / Double(points - 1))
            if try runAndKill(generateArguments(target.blueprint, ops: ops, infra: infra), after: delay) { kills += 1 }
            for (role, repository) in [("ops", ops), ("infra", infra)] {
                try expectRepositoryIntact(repository)
                let tree = try treeOfMain(repository)
                #expect(tree == current[role]! || tree == target.trees[role],
                        "after a kill at \(String(format: "%.2f", delay)) s, \(role)/main is at a tree that is neither the old nor the complete new one")
                current[role] = tree
                let locks = FileManager.default.enumerator(atPath: repository + "/refs")?.allObjects
                    .compactMap { $0 as? String }.filter { $0.hasSuffix(".lock") } ?? []
                #expect(locks.isEmpty, "stale ref lock left in \(role): \(locks)")
            }
        }
        #expect(kills >= points / 2, "only \(kills) of \(points) runs were still running when killed")

        // A run that is left alone completes from whatever state the kills left.
        let final = targets[points % 2]
        let finish = try TestTools.run(TestTools.scaffoldExecutable, generateArguments(final.blueprint, ops: ops, infra: infra))
        #expect(finish.succeeded, "\(finish.stderr)")
        #expect(try treeOfMain(ops) == final.trees["ops"])
        #expect(try treeOfMain(infra) == final.trees["infra"])
        try expectRepositoryIntact(ops)
        try expectRepositoryIntact(infra)
    }
}
