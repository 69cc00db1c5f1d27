import Foundation
import GitKit
@testable import ScaffoldCore
import Testing
import TestSupport

/// `scaffold check` on real repositories: in sync after a generate and a bump; a hand
/// edit, a blueprint change not regenerated, and an ops head rendered from a blueprint
/// commit that never reached the blueprint branch are each drift, reported by file;
/// the command exits 1 on drift and 0 otherwise.
@Suite("scaffold check (drift)")
struct DriftCheckTests {
    func check(_ fixture: GitFixture) throws -> DriftReport {
        try DriftCheck.run(DriftCheckRequest(blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo))
    }

    func cli(_ fixture: GitFixture, _ extra: [String] = []) throws -> ProcessResult {
        try TestTools.run(TestTools.scaffoldExecutable, ["check", "--blueprint", fixture.blueprint, "--ops-repo", fixture.opsRepo,
                                                         "--infra-repo", fixture.infraRepo] + extra)
    }

    @Test func inSyncHandEditsAndMissingRegenerations() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture(prefix: "drift")
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo, author: GitFixture.author))

        // Right after generate: no trailer yet, compared with the blueprint branch's tip.
        var report = try check(fixture)
        #expect(!report.drifted, "\(report.repositories)")
        #expect(report.repositories.map(\.blueprintCommitFrom) == ["branch tip", "branch tip"])
        #expect(try cli(fixture).status == 0)

        // A bump straight onto main: the ops head names its blueprint commit.
        _ = try ImageDelivery.bump(ImageBumpRequest(
            service: "backend-api", environment: "staging", digest: "sha256:" + String(repeating: "ab", count: 32),
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, branch: "main", author: GitFixture.author))
        report = try check(fixture)
        #expect(!report.drifted)
        let blueprintTip = try #require(try fixture.tip(fixture.blueprintRepo, "main"))
        #expect(report.repositories[0].blueprintCommitFrom == "trailer" && report.repositories[0].blueprintCommit == blueprintTip)

        // The blueprint changes on main and nobody regenerates: pending, by file.
        let blueprintURL = URL(fileURLWithPath: fixture.blueprint)
        let changed = try String(contentsOf: blueprintURL, encoding: .utf8)
            .replacingOccurrences(of: "quotas: {cpu: \"4\", memory: 8Gi, storage: 50Gi}", with: "quotas: {cpu: \"6\", memory: 8Gi, storage: 50Gi}")
        try changed.write(to: blueprintURL, atomically: true, encoding: .utf8)
        try gitCLI(["commit", "-qam", "More CPU for bosphorus-labs"], in: fixture.blueprintRepo)
        report = try check(fixture)
        let ops = report.repositories[0]
        #expect(ops.drifted && ops.blueprintTip != nil && ops.handEdited.isEmpty && ops.stale.isEmpty)
        #expect(!ops.pending.isEmpty && ops.pending.allSatisfy { $0.path.contains("/tr") || $0.path.contains("-tr") }, "\(ops.pending)")
        let json = try cli(fixture, ["--format", "json"])
        #expect(json.status == 1)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(decoded?["drifted"] as? Bool == true)

        // Regenerated: in sync again.
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo, author: GitFixture.author))
        #expect(try cli(fixture).status == 0)

        // A hand edit in the ops repository.
        let clone = fixture.directory.path + "/ops-clone"
        try gitCLI(["clone", "-q", fixture.opsRepo, clone], in: fixture.directory.path)
        let edited = "cluster/apps/staging-es/backend-api.yaml"
        let url = URL(fileURLWithPath: clone + "/" + edited)
        try (String(contentsOf: url, encoding: .utf8) + "# tuned by hand\n").write(to: url, atomically: true, encoding: .utf8)
        try gitCLI(["commit", "-qam", "Tune backend-api by hand"], in: clone)
        try gitCLI(["push", "-q", "origin", "main"], in: clone)
        report = try check(fixture)
        #expect(report.drifted)
        #expect(report.repositories[0].handEdited == [edited] && report.repositories[0].stale.isEmpty)
        #expect(report.repositories[1].drifted == false)
        let text = try cli(fixture)
        #expect(text.status == 1 && text.stdout.contains("edited by hand: \(edited)"), "\(text.stdout)")
    }

    @Test func anOpsHeadRenderedFromABlueprintCommitOffTheBranchIsDrift() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture(prefix: "drift-order")
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo, author: GitFixture.author))
        // A bump on its own branches; then only the ops pull request is merged.
        let bump = try ImageDelivery.bump(ImageBumpRequest(
            service: "backend-api", environment: "staging", digest: "sha256:" + String(repeating: "cd", count: 32),
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, author: GitFixture.author))
        let opsCommit = try #require(bump.repositories[1].commit)
        try gitCLI(["update-ref", "refs/heads/main", opsCommit], in: fixture.opsRepo)
        let report = try check(fixture)
        let ops = report.repositories[0]
        #expect(ops.blueprintCommitFrom == "trailer" && !ops.blueprintCommitOnBranch && ops.drifted)
        #expect(try cli(fixture).stdout.contains("not on the blueprint branch"))
    }
}
