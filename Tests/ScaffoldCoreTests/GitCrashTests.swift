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

    /// Runs a complete generation and times it; returns what it committed.
    private func complete(_ blueprint: String, ops: String, infra: String) throws -> Target {
        let start = Date()
        let result = try TestTools.run(TestTools.scaffoldExecutable, generateArguments(blueprint, ops: ops, infra: infra))
        let seconds = Date().timeIntervalSince(start)
        #expect(result.succeeded, "\(result.stderr)")
        return Target(blueprint: blueprint, trees: ["ops": try treeOfMain(ops) ?? "", "infra": try treeOfMain(infra) ?? ""], seconds: seconds)
    }

    enum Outcome { case killed, exited(status: Int32, stderr: String) }

    /// Starts scaffold and kills it with SIGKILL after `delay` seconds, unless it ended first.
    private func runAndKill(_ arguments: [String], after delay: Double) throws -> Outcome {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-crash-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestTools.scaffoldExecutable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        usleep(UInt32(delay * 1_000_000))
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL { return .killed }
        return .exited(status: process.terminationStatus, stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    @Test("killed at ten points of a 1,000-organization commit: fsck clean, branches at old or complete new commits")
    func killedWhileCommitting() throws {
        guard try TestTools.require("git") else { return }
        let directory = try TemporaryDirectory(prefix: "scaffold-crash")
        let root = directory.path
        // Two large platforms that differ in many files, so every run has a big commit to make.
        let a = try SyntheticBlueprint.write(to: URL(fileURLWithPath: root + "/a"), organizations: 1000, regions: 4, services: 20)
        let b = try SyntheticBlueprint.write(to: URL(fileURLWithPath: root + "/b"), organizations: 1000, regions: 3, services: 16)
        // Reference runs in other repositories: A from nothing, then B over A and A over B,
        // timed, since the kills below make exactly those transitions.
        let referenceOps = root + "/ref-ops.git", referenceInfra = root + "/ref-infra.git"
        _ = try Repository.create(at: referenceOps, bare: true)
        _ = try Repository.create(at: referenceInfra, bare: true)
        _ = try complete(a, ops: referenceOps, infra: referenceInfra)
        let overA = try complete(b, ops: referenceOps, infra: referenceInfra)
        let overB = try complete(a, ops: referenceOps, infra: referenceInfra)
        #expect(overA.trees != overB.trees)

        // The repositories under test start at a complete commit of A, so every kill has an
        // old commit to keep; each run moves to the other platform, changing thousands of files.
        let ops = root + "/ops.git", infra = root + "/infra.git"
        _ = try Repository.create(at: ops, bare: true)
        _ = try Repository.create(at: infra, bare: true)
        var current: [String: String?] = try complete(a, ops: ops, infra: infra).trees
        #expect(current == overB.trees)
        var kills = 0, kept = 0, advanced = 0
        let points = 10
        for index in 0..<points {
            let target = current == overB.trees ? overA : overB
            // Spread the kill over the whole run and a little past its usual end, so some
            // kills land while the objects are written and some around the branch update.
            let delay = target.seconds * (0.05 + 1.15 * Double(index) / Double(points - 1))
            let outcome = try runAndKill(generateArguments(target.blueprint, ops: ops, infra: infra), after: delay)
            var completed = false
            switch outcome {
            case .killed: kills += 1
            case .exited(let status, let stderr):
                #expect(status == 0, "a run that was not killed failed: \(stderr)")
                completed = true
            }
            var next = current
            for (role, repository) in [("ops", ops), ("infra", infra)] {
                try expectRepositoryIntact(repository)
                let tree = try treeOfMain(repository)
                #expect(tree != nil && (tree == current[role]! || tree == target.trees[role]),
                        "after a kill at \(String(format: "%.2f", delay)) s, \(role)/main is at a tree that is neither the old nor the complete new one")
                if completed { #expect(tree == target.trees[role], "a completed run left \(role)/main elsewhere") }
                if tree == current[role]! { kept += 1 } else { advanced += 1 }
                next[role] = tree
                let locks = FileManager.default.enumerator(atPath: repository + "/refs")?.allObjects
                    .compactMap { $0 as? String }.filter { $0.hasSuffix(".lock") } ?? []
                #expect(locks.isEmpty, "stale ref lock left in \(role): \(locks)")
            }
            current = next
            // A kill between the two repositories' updates leaves ops new and infra old; the
            // next run moves both to the same platform again.
            if current != overA.trees && current != overB.trees {
                current = try complete(a, ops: ops, infra: infra).trees
            }
        }
        #expect(kills >= points / 2, "only \(kills) of \(points) runs were still running when killed")
        print("crash test: \(kills) of \(points) runs killed; branches kept their old commit \(kept) times, reached the complete new one \(advanced) times")

        // A run that is left alone completes from whatever state the kills left.
        let final = current == overB.trees ? overA : overB
        let finish = try TestTools.run(TestTools.scaffoldExecutable, generateArguments(final.blueprint, ops: ops, infra: infra))
        #expect(finish.succeeded, "\(finish.stderr)")
        #expect(try treeOfMain(ops) == final.trees["ops"])
        #expect(try treeOfMain(infra) == final.trees["infra"])
        try expectRepositoryIntact(ops)
        try expectRepositoryIntact(infra)
    }
}
