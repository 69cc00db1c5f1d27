import Foundation
import GitKit
import Renderer
import Testing
import TestSupport
@testable import ScaffoldCore

@Suite("bump and promote: pins edit + re-render, committed on a predictable branch")
struct GitBumpTests {
    /// A fixture whose ops and infra repositories already hold the generated platform.
    private func generatedFixture() throws -> GitFixture {
        let fixture = try GitFixture()
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo, author: GitFixture.author))
        return fixture
    }

    private func bump(_ fixture: GitFixture, _ service: String, _ environment: String, _ digest: String,
                      region: String? = nil, branch: String? = nil) throws -> ImageDeliveryReport {
        try ImageDelivery.bump(ImageBumpRequest(
            service: service, environment: environment, region: region, digest: digest, blueprint: fixture.blueprint,
            opsRepository: fixture.opsRepo, branch: branch, author: GitFixture.author))
    }

    @Test("a bump commits the pins file and the re-render on scaffold/bump/…, leaving main alone")
    func bumpCommitsOnPredictableBranch() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        let blueprintMain = try #require(try fixture.tip(fixture.blueprintRepo, "main"))
        let opsMain = try #require(try fixture.tip(fixture.opsRepo, "main"))
        let old = "sha256:768cde82e7396dae8856ede5393e10e23a037929b88954dcf75a5341a09946db"
        let new = testDigest(42)

        let report = try bump(fixture, "backend-api", "staging", new)
        let branch = "scaffold/bump/backend-api-staging-" + String(repeating: "2a", count: 6)
        #expect(report.branch == branch && report.base == "main")
        #expect(report.from == old && report.to == new && !report.alreadyAt)
        #expect(report.title == "Bump backend-api in staging to sha256:2a2a2a2a2a2a")

        // Blueprint repository: one commit on the new branch, only the pins file, one line.
        let blueprint = report.repositories[0]
        #expect(blueprint.role == "blueprint" && blueprint.committed && blueprint.parent == blueprintMain)
        #expect(blueprint.changed == ["blueprints/galaxy.pins.yaml"])
        #expect(try fixture.tip(fixture.blueprintRepo, branch) == blueprint.commit)
        #expect(try fixture.tip(fixture.blueprintRepo, "main") == blueprintMain)
        let diff = try gitCLI(["diff", "--unified=0", "main", branch], in: fixture.blueprintRepo)
        #expect(diff.split(separator: "\n").filter { $0.hasPrefix("+    ") || $0.hasPrefix("-    ") } ==
            ["-    staging: \(old)", "+    staging: \(new)"])
        #expect(try trailers(of: branch, in: fixture.blueprintRepo)["Scaffold-Bump"] == "backend-api staging \(old) -> \(new)")
        // The work tree of the blueprint repository is not on the bump branch: untouched.
        #expect(try gitCLI(["status", "--porcelain"], in: fixture.blueprintRepo) == "")

        // Ops repository: the re-render on the same branch name, based on ops main.
        let ops = report.repositories[1]
        #expect(ops.role == "ops" && ops.committed && ops.parent == opsMain && !ops.changed.isEmpty)
        #expect(ops.added.isEmpty && ops.removed.isEmpty)
        #expect(try fixture.tip(fixture.opsRepo, "main") == opsMain)
        let opsDiff = try gitCLI(["diff", "main", branch], in: fixture.opsRepo)
        #expect(opsDiff.contains("+") && opsDiff.contains(new) && opsDiff.contains(old))
        #expect(try trailers(of: branch, in: fixture.opsRepo)["Scaffold-Blueprint-Commit"] == blueprint.commit)
        for path in ops.changed where path != OwnershipManifest.path {
            #expect(path.contains("staging"), "a staging bump changed \(path)")
        }

        // What a bot needs for the pull request.
        #expect(report.body.contains("| `backend-api staging` | `\(old)` | `\(new)` |"))
        for path in blueprint.changed + ops.changed { #expect(report.body.contains("`\(path)`")) }
        try expectRepositoryIntact(fixture.blueprintRepo)
        try expectRepositoryIntact(fixture.opsRepo)
    }

    @Test("the same bump again is a no-op that says already at; so is a bump to the pinned digest")
    func sameBumpIsNoOp() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        _ = try bump(fixture, "frontend", "production", testDigest(3))
        let before = try fixture.refs(fixture.blueprintRepo) + fixture.refs(fixture.opsRepo)
        let again = try bump(fixture, "frontend", "production", testDigest(3))
        #expect(again.alreadyAt && again.from == testDigest(3))
        #expect(again.repositories.allSatisfy { !$0.committed })
        #expect(try fixture.refs(fixture.blueprintRepo) + fixture.refs(fixture.opsRepo) == before)

        let current = "sha256:9e645af2ffca124fe6b00dac9cd047e21ed0c9aed67917547c8a75cddeae2f3c"
        let pinned = try bump(fixture, "frontend", "production", current)
        #expect(pinned.alreadyAt)
        #expect(try fixture.refs(fixture.blueprintRepo) + fixture.refs(fixture.opsRepo) == before)
    }

    @Test("tags, malformed digests, unknown services, environments and regions are refused; nothing is written")
    func badInputIsRefused() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        let before = try fixture.refs(fixture.blueprintRepo) + fixture.refs(fixture.opsRepo)
        #expect(throws: DeliveryError.tagInsteadOfDigest("v1.4.2")) { try bump(fixture, "frontend", "staging", "v1.4.2") }
        #expect(throws: DeliveryError.malformedDigest("sha256:1234")) { try bump(fixture, "frontend", "staging", "sha256:1234") }
        #expect(throws: DeliveryError.unknownService("backend-apu", hint: "did you mean `backend-api`?")) {
            try bump(fixture, "backend-apu", "staging", testDigest(1))
        }
        #expect {
            try bump(fixture, "frontend", "prod", testDigest(1))
        } throws: { error in
            guard case DeliveryError.unknownEnvironment("prod", let hint) = error else { return false }
            return hint.contains("production")
        }
        #expect {
            try bump(fixture, "frontend", "dev-local", testDigest(1), region: "es")
        } throws: { error in
            guard case DeliveryError.unknownRegion("es", let hint) = error else { return false }
            return hint.contains("`tr`")
        }
        #expect(try fixture.refs(fixture.blueprintRepo) + fixture.refs(fixture.opsRepo) == before)
    }

    @Test("a region bump adds an environment/region pin and re-renders that region only")
    func regionBump() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        let report = try bump(fixture, "backend-ai", "production", testDigest(5), region: "es")
        #expect(report.from == nil && report.branch.hasPrefix("scaffold/bump/backend-ai-production-es-"))
        let pins = try gitCLI(["show", "\(report.branch):blueprints/galaxy.pins.yaml"], in: fixture.blueprintRepo)
        #expect(pins.contains("    production/es: \(testDigest(5))\n"))
        let ops = report.repositories[1]
        #expect(!ops.changed.isEmpty)
        #expect(ops.changed.allSatisfy { !$0.contains("/tr/") && !$0.contains("-tr") }, "\(ops.changed)")
    }

    @Test("promote copies the digest recorded for the source environment")
    func promoteCopiesRecordedDigest() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        // A bot bumps staging straight on main (the base), as a merged pull request would.
        let staged = try bump(fixture, "backend-api", "staging", testDigest(77), branch: "main")
        #expect(staged.branch == "main" && staged.repositories.allSatisfy { $0.committed })

        let report = try ImageDelivery.promote(ImagePromotionRequest(
            service: "backend-api", from: "staging", to: "production", blueprint: fixture.blueprint,
            opsRepository: fixture.opsRepo, author: GitFixture.author, describeAccess: true))
        #expect(report.action == "promote" && report.promotedFrom == "staging")
        #expect(report.to == testDigest(77))
        #expect(report.from == "sha256:768cde82e7396dae8856ede5393e10e23a037929b88954dcf75a5341a09946db")
        #expect(report.branch == "scaffold/promote/backend-api-staging-to-production-" + String(repeating: "4d", count: 6))
        #expect(report.title == "Promote backend-api from staging to production (sha256:4d4d4d4d4d4d)")
        // The pull request says by meaning what the change does (the diff engine against main).
        let access = try #require(report.access)
        #expect(access.widening == 0 && access.neutral > 0 && access.text == "Image digests only; no access widened.", "\(access)")
        #expect(report.body.contains("**Access:** Image digests only; no access widened."))
        #expect(report.mergeOrder == ["blueprint", "ops"] && report.body.contains("The blueprint pull request first: ops were rendered"))
        // One pull request per repository: its title, its own files, the meaning, its place in the merge order.
        let (blueprint, ops) = (report.repositories[0], report.repositories[1])
        #expect(blueprint.title == report.title && ops.title == report.title + " (ops)")
        let blueprintBody = try #require(blueprint.body), opsBody = try #require(ops.body)
        for body in [blueprintBody, opsBody] {
            #expect(body.contains("**Access:** Image digests only; no access widened."))
            #expect(body.contains("| `backend-api production` |"))
        }
        #expect(blueprintBody.contains("1. **blueprint** (`\(blueprint.repository)`, branch `\(blueprint.branch)`) — this pull request"))
        #expect(opsBody.contains("2. **ops** (`\(ops.repository)`, branch `\(ops.branch)`) — this pull request"))
        #expect(opsBody.contains("at blueprint commit `\(blueprint.commit ?? "-")`"))
        #expect(try trailers(of: report.branch, in: fixture.opsRepo)["Scaffold-Blueprint-Commit"] == blueprint.commit)
        for path in blueprint.changed { #expect(blueprintBody.contains("`\(path)`") && !opsBody.contains("`\(path)`")) }
        for path in ops.changed { #expect(opsBody.contains("`\(path)`") && !blueprintBody.contains("`\(path)`")) }
        let pins = try gitCLI(["show", "\(report.branch):blueprints/galaxy.pins.yaml"], in: fixture.blueprintRepo)
        #expect(pins.contains("    production: \(testDigest(77))\n"))
        #expect(try trailers(of: report.branch, in: fixture.opsRepo)["Scaffold-Promote"]?.hasSuffix("-> \(testDigest(77))") == true)

        #expect(throws: DeliveryError.self) {
            try ImageDelivery.promote(ImagePromotionRequest(
                service: "backend-api", from: "staging", to: "production", region: "de", blueprint: fixture.blueprint,
                opsRepository: fixture.opsRepo, author: GitFixture.author))
        }
    }

    @Test("promote goes forward in the promotion order only; backwards needs force and is refused before anything is written")
    func promoteFollowsThePromotionOrder() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        _ = try bump(fixture, "backend-api", "production", testDigest(91), branch: "main")
        let heads = try [fixture.blueprintRepo, fixture.opsRepo].map { try gitCLI(["for-each-ref", "--format=%(refname) %(objectname)"], in: $0) }

        // production → staging is backwards in galaxy's order (dev-local → staging → production).
        #expect(throws: DeliveryError.promotionAgainstOrder(from: "production", to: "staging", order: ["dev-local", "staging", "production"])) {
            try ImageDelivery.promote(ImagePromotionRequest(
                service: "backend-api", from: "production", to: "staging", blueprint: fixture.blueprint,
                opsRepository: fixture.opsRepo, author: GitFixture.author))
        }
        // So is promoting an environment onto itself.
        #expect(throws: DeliveryError.self) {
            try ImageDelivery.promote(ImagePromotionRequest(
                service: "backend-api", from: "staging", to: "staging", blueprint: fixture.blueprint,
                opsRepository: fixture.opsRepo, author: GitFixture.author))
        }
        let message = DeliveryError.promotionAgainstOrder(from: "production", to: "staging", order: ["dev-local", "staging", "production"]).description
        #expect(message.contains("dev-local → staging → production") && message.contains("--force"))
        // Nothing was written: every branch of both repositories is where it was.
        #expect(try [fixture.blueprintRepo, fixture.opsRepo].map { try gitCLI(["for-each-ref", "--format=%(refname) %(objectname)"], in: $0) } == heads)

        // A deliberate rollback takes force.
        let rollback = try ImageDelivery.promote(ImagePromotionRequest(
            service: "backend-api", from: "production", to: "staging", blueprint: fixture.blueprint,
            opsRepository: fixture.opsRepo, author: GitFixture.author, force: true))
        #expect(rollback.to == testDigest(91) && rollback.repositories.allSatisfy { $0.committed })
    }

    @Test("promote --all moves every service's staging digest to production in one commit per repository")
    func promoteAllServicesInOneCommit() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try generatedFixture()
        _ = try bump(fixture, "backend-api", "staging", testDigest(61), branch: "main")
        _ = try bump(fixture, "frontend", "staging", testDigest(62), branch: "main")
        let before = try gitCLI(["rev-list", "--count", "main"], in: fixture.blueprintRepo)

        let report = try ImageDelivery.promote(ImagePromotionRequest(
            service: ImagePromotionRequest.allServices, from: "staging", to: "production", blueprint: fixture.blueprint,
            opsRepository: fixture.opsRepo, author: GitFixture.author))
        #expect(report.service == "*" && report.from == nil)
        #expect(report.branch.hasPrefix("scaffold/promote/all-staging-to-production-"))
        let byService = Dictionary(uniqueKeysWithValues: report.pins.map { ($0.service, $0) })
        #expect(byService["backend-api"]?.to == testDigest(61) && byService["frontend"]?.to == testDigest(62))
        #expect(report.pins.allSatisfy { $0.environment == "production" && $0.region == nil })
        #expect(report.title.hasPrefix("Promote \(report.pins.count) services from staging to production"))
        // One commit in the blueprint repository sets every pin; its trailers name each.
        #expect(try gitCLI(["rev-list", "--count", report.branch], in: fixture.blueprintRepo) == String(Int(before.trimmingCharacters(in: .whitespacesAndNewlines))! + 1) + "\n")
        let pins = try gitCLI(["show", "\(report.branch):blueprints/galaxy.pins.yaml"], in: fixture.blueprintRepo)
        #expect(pins.contains("    production: \(testDigest(61))\n") && pins.contains("    production: \(testDigest(62))\n"))
        let message = try gitCLI(["log", "-1", "--format=%B", report.branch], in: fixture.opsRepo)
        #expect(message.components(separatedBy: "Scaffold-Promote: ").count - 1 == report.pins.count, "\(message)")

        // Again: every pin is already there, nothing is written.
        let again = try ImageDelivery.promote(ImagePromotionRequest(
            service: ImagePromotionRequest.allServices, from: "staging", to: "production", blueprint: fixture.blueprint,
            opsRepository: fixture.opsRepo, branch: report.branch, author: GitFixture.author))
        #expect(again.alreadyAt && again.repositories.allSatisfy { !$0.committed })
    }
}
