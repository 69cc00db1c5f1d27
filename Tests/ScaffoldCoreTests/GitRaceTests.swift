import Foundation
import GitKit
import Renderer
import Testing
import TestSupport
@testable import ScaffoldCore

/// Several real `scaffold bump` processes at once against the same repositories.
@Suite("Races: concurrent scaffold bump processes never lose a change", .serialized)
struct GitRaceTests {
    /// Runs every command at the same time; returns their results in order.
    private func runConcurrently(_ commands: [[String]]) -> [Result<ProcessResult, any Error>] {
        let results = ResultBox(count: commands.count)
        DispatchQueue.concurrentPerform(iterations: commands.count) { index in
            results.set(index, Result { try TestTools.run(TestTools.scaffoldExecutable, commands[index], environment: ["NO_COLOR": "1"]) })
        }
        return results.values
    }

    /// A bare blueprint repository (as a bot service would use) and a generated ops repository.
    private func fixture() throws -> (GitFixture, bareBlueprint: String) {
        let fixture = try GitFixture(prefix: "scaffold-race")
        let bare = fixture.directory.path + "/blueprint.git"
        try gitCLI(["clone", "-q", "--bare", fixture.blueprintRepo, bare], in: fixture.directory.path)
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo,
            branch: "main", author: GitFixture.author))
        return (fixture, bare)
    }

    private func bumpArguments(_ bare: String, _ fixture: GitFixture, _ service: String, _ environment: String,
                               _ digest: String, branch: String?) -> [String] {
        ["bump", service, "--env", environment, "--digest", digest,
         "--blueprint-repo", bare, "--blueprint", "blueprints/galaxy.yaml", "--ops-repo", fixture.opsRepo,
         "--author", GitFixture.authorFlag, "--format", "json"] + (branch.map { ["--branch", $0] } ?? [])
    }

    /// The retry path, made certain: a rival commit lands between the writer's read of the
    /// tip and its compare-and-swap. The writer must re-read, re-apply on the new tip, and
    /// keep the rival's change.
    @Test("a rival commit between reading and swapping: the writer retries on the new tip and keeps the rival's change")
    func writerRetriesOnTheNewTip() throws {
        guard try TestTools.require("git") else { return }
        let directory = try TemporaryDirectory(prefix: "scaffold-cas")
        let path = directory.path + "/ops.git"
        let repository = try Repository.create(at: path, bare: true)
        let rival = try Repository.open(at: path)
        var parents: [String?] = []
        let destination = GitDestination(repository: repository, displayPath: "ops.git", branch: "main", base: nil)
        let delivery = try GitWriter.write(role: "ops", to: destination, author: GitFixture.author) { parent in
            parents.append(parent?.id.hex)
            if parents.count == 1 {
                _ = try rival.commitToBranch("main", author: GitFixture.author) { tip in
                    ProposedCommit(
                        tree: try rival.buildTree(base: tip?.treeID, changes: ["docs/notes.md": .write(Data("hand-owned\n".utf8))]),
                        message: "A human adds notes")
                }
            }
            let application = try GitWriter.application(
                of: [RenderedFile(.ops, "cluster/a.yaml", "a: 1\n")], to: parent?.treeID, in: repository)
            return (application, "scaffold: test")
        }
        #expect(delivery.committed && delivery.attempts == 2)
        let tip = try #require(try repository.branchTip("main"))
        #expect(parents.count == 2 && parents[0] == nil && parents[1] != nil)
        #expect(try repository.commit(tip).parentIDs.map(\.hex) == [parents[1]!])
        let tree = try repository.commit(tip).treeID
        #expect(try repository.fileContents(at: "docs/notes.md", inTree: tree) == Data("hand-owned\n".utf8))
        #expect(try repository.fileContents(at: "cluster/a.yaml", inTree: tree) == Data("a: 1\n".utf8))
        try expectRepositoryIntact(path)
    }

    @Test("six bots bump different pins straight onto main at once: every change lands exactly once")
    func concurrentBumpsOnMain() throws {
        guard try TestTools.require("git") else { return }
        let (fixture, bare) = try fixture()
        let blueprintBefore = try #require(try fixture.tip(bare, "main"))
        let opsBefore = try #require(try fixture.tip(fixture.opsRepo, "main"))
        let pins = [("frontend", "staging"), ("frontend", "production"), ("backend-api", "staging"),
                    ("backend-api", "production"), ("backend-ai", "staging"), ("platform-api", "production")]
        let digests = pins.indices.map { testDigest(100 + $0) }
        let results = runConcurrently(pins.indices.map { bumpArguments(bare, fixture, pins[$0].0, pins[$0].1, digests[$0], branch: "main") })

        var reports: [ImageDeliveryReport] = []
        for (index, result) in results.enumerated() {
            let run = try result.get()
            #expect(run.succeeded, "bump \(pins[index]) failed: \(run.stderr)")
            reports.append(try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(run.stdout.utf8)))
        }
        // The blueprint repository: one bump commit per bot, a straight line, all pins present.
        #expect(reports.allSatisfy { $0.repositories[0].committed && !$0.alreadyAt })
        let log = try gitCLI(["log", "--format=%(trailers:key=Scaffold-Bump,valueonly,separator=)", "\(blueprintBefore)..main"], in: bare)
            .split(separator: "\n").map(String.init)
        #expect(log.count == pins.count)
        for (index, pin) in pins.enumerated() {
            #expect(log.filter { $0.hasPrefix("\(pin.0) \(pin.1) ") && $0.hasSuffix("-> \(digests[index])") }.count == 1, "\(pin)")
        }
        #expect(try gitCLI(["rev-list", "--merges", "--count", "main"], in: bare) == "0\n")
        let finalPins = try gitCLI(["show", "main:blueprints/galaxy.pins.yaml"], in: bare)
        let parsed = try PinsEditor.parse(finalPins)
        for (index, pin) in pins.enumerated() {
            let entry = parsed.services.first { $0.name == pin.0 }?.entries.first { $0.name == pin.1 }
            #expect(entry?.digest == digests[index], "\(pin)")
        }
        let retried = reports.map { $0.repositories[0].attempts }.reduce(0, +) - pins.count
        // Contention is expected here, but not guaranteed on every run; record it for the log.
        print("concurrent bumps: \(retried) compare-and-swap retries in the blueprint repository")

        // The ops repository: its main is exactly the render of the final blueprint.
        let checkout = fixture.directory.path + "/final-blueprint"
        try gitCLI(["clone", "-q", bare, checkout], in: fixture.directory.path)
        let reference = fixture.directory.path + "/reference-ops.git"
        _ = try Repository.create(at: reference, bare: true)
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: checkout + "/blueprints/galaxy.yaml", opsRepository: reference, infraRepository: fixture.infraRepo,
            branch: "main", author: GitFixture.author))
        #expect(try gitCLI(["rev-parse", "main^{tree}"], in: fixture.opsRepo) == gitCLI(["rev-parse", "main^{tree}"], in: reference))
        #expect(try gitCLI(["rev-list", "--count", "\(opsBefore)..main"], in: fixture.opsRepo) != "0\n")
        try expectRepositoryIntact(bare)
        try expectRepositoryIntact(fixture.opsRepo)
    }

    @Test("the same bump started three times at once lands once; the others find it already there")
    func duplicateBumpsLandOnce() throws {
        guard try TestTools.require("git") else { return }
        let (fixture, bare) = try fixture()
        let digest = testDigest(200)
        let results = runConcurrently(Array(repeating: bumpArguments(bare, fixture, "frontend", "staging", digest, branch: nil), count: 3))
        var reports: [ImageDeliveryReport] = []
        for result in results {
            let run = try result.get()
            #expect(run.succeeded, "\(run.stderr)")
            reports.append(try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(run.stdout.utf8)))
        }
        #expect(reports.filter { $0.repositories[0].committed }.count == 1)
        #expect(reports.filter { $0.repositories[1].committed }.count == 1)
        let branch = reports[0].branch
        #expect(try gitCLI(["rev-list", "--count", "main..\(branch)"], in: bare) == "1\n")
        #expect(try gitCLI(["rev-list", "--count", "main..\(branch)"], in: fixture.opsRepo) == "1\n")
    }
}

/// Results written from concurrent threads, one slot each.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<ProcessResult, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<ProcessResult, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Result<ProcessResult, any Error>] { slots.map { $0! } }
}
