import BlueprintModel
import Foundation
import ScaffoldCore
import Testing
import TestSupport

/// `scaffold region add`, run as the built executable on a copy of the example: the
/// blueprint's diff is exactly the new region, the result validates, the new region's
/// generated output equals `Tests/Golden/region-add` (`SCAFFOLD_RECORD=1` rewrites it
/// and fails; `scripts/update-golden.sh` makes the same tree), and refusals leave the
/// file byte for byte as it was.
@Suite(.serialized) struct RegionAddTests {
    static let golden = TestTools.packageRoot.appendingPathComponent("Tests/Golden/region-add")
    let scaffold = TestTools.scaffoldExecutable

    /// The lines `region add de --country DE --cloud digitalocean` writes into galaxy.yaml.
    static let deLines = [
        "  - id: de",
        "    country: DE",
        "    cloud: digitalocean",
        "    location: fra1",
        "    residency: strict",
        "    environments: [staging, production]",
    ]

    /// Every file of `after` that is new or different in `before` (the manifest aside).
    static func changedFiles(before: URL, after: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: after.path)
        var changed: [String] = []
        while let path = enumerator?.nextObject() as? String {
            guard !path.hasPrefix(".scaffold"), !FileManager.default.isDirectory(after.appendingPathComponent(path)) else { continue }
            let old = FileManager.default.contents(atPath: before.appendingPathComponent(path).path)
            if old != FileManager.default.contents(atPath: after.appendingPathComponent(path).path) { changed.append(path) }
        }
        return changed.sorted()
    }

    @Test func addsTheRegionInPlaceAndItsOutputMatchesTheGolden() throws {
        let fixture = try GitFixture(prefix: "region-add")
        let original = try String(contentsOfFile: fixture.blueprint, encoding: .utf8)
        let before = fixture.directory.url.appendingPathComponent("before")
        _ = try ScaffoldCommands.generate(GenerationOptions(blueprint: fixture.blueprint, output: before.path))

        let result = try TestTools.run(scaffold, ["region", "add", "de", "--blueprint", fixture.blueprint, "--country", "DE", "--cloud", "digitalocean"],
                                       environment: ["NO_COLOR": "1"])
        #expect(result.status == 0, "\(result.stderr)")

        // The file's diff is the new region, after the last line of `es` (its secret store).
        let edited = try String(contentsOfFile: fixture.blueprint, encoding: .utf8)
        var lines = original.components(separatedBy: "\n")
        let esEnd = try #require(lines.firstIndex { $0.contains("vault: {server: \"https://vault.es.galaxy.example.com\"}") })
        lines.insert(contentsOf: Self.deLines, at: esEnd + 1)
        #expect(edited == lines.joined(separator: "\n"))
        let diff = try TestTools.run("git", ["-C", fixture.blueprintRepo, "diff", "--numstat"])
        #expect(diff.stdout == "6\t0\tblueprints/galaxy.yaml\n", "only six added lines")

        // The checklist: Terraform in order, the keys of both clusters, their bootstraps.
        #expect(result.stdout.contains("to \(fixture.blueprint), lines \(esEnd + 2)-\(esEnd + 7): clusters staging-de, production-de"))
        #expect(result.stdout.contains("     bootstrap/de   (once: the region's state storage)\n     live/de/staging\n     live/de/production\n"))
        #expect(result.stdout.contains("     staging-de: store galaxy-vault (vault), "))
        #expect(result.stdout.contains("       staging/de/galaxy/platform-api/jwt-secret\n"))
        #expect(result.stdout.contains("     kubectl kustomize --enable-helm cluster/bootstrap/production-de | kubectl apply --server-side -f -\n"))
        #expect(result.stdout.contains("scaffold secrets \(fixture.blueprint) --region de"))

        let validate = try TestTools.run(scaffold, ["validate", fixture.blueprint])
        #expect(validate.status == 0, "\(validate.stderr)")

        // The new region's output: every file added or changed by it, as generated.
        let after = fixture.directory.url.appendingPathComponent("after")
        _ = try ScaffoldCommands.generate(GenerationOptions(blueprint: fixture.blueprint, output: after.path))
        let changed = try Self.changedFiles(before: before, after: after)
        // …and the infra workflow, whose matrix lists every stack.
        #expect(changed.contains("infra/.github/workflows/terraform.yaml"))
        #expect(changed.allSatisfy { $0.contains("-de/") || $0.contains("/de/") || $0.hasPrefix("infra/modules/digitalocean/")
                    || $0 == "infra/.github/workflows/terraform.yaml" },
                "files outside the new region changed: \(changed.filter { !$0.contains("de/") })")
        let selected = fixture.directory.url.appendingPathComponent("region-add")
        for path in changed {
            let target = selected.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: after.appendingPathComponent(path), to: target)
        }
        if ProcessInfo.processInfo.environment["SCAFFOLD_RECORD"] == "1" {
            try? FileManager.default.removeItem(at: Self.golden)
            try FileManager.default.copyItem(at: selected, to: Self.golden)
            Issue.record("recorded \(Self.golden.path); review it and run again without SCAFFOLD_RECORD")
            return
        }
        let compared = try TestTools.run("git", ["diff", "--no-index", Self.golden.path, selected.path])
        #expect(compared.succeeded, "the new region's output differs from Tests/Golden/region-add (scripts/update-golden.sh):\n\(compared.stdout.prefix(6000))")
    }

    @Test func jsonReportAndCommitWithTheGenerateDelivery() throws {
        let fixture = try GitFixture(prefix: "region-add-git")
        let result = try TestTools.run(scaffold, [
            "region", "add", "fr", "--blueprint", fixture.blueprint, "--country", "FR", "--cloud", "azure", "--environments", "production",
            "--ops-repo", fixture.opsRepo, "--infra-repo", fixture.infraRepo, "--author", GitFixture.authorFlag, "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(RegionAddReport.self, from: Data(result.stdout.utf8))
        #expect(report.location == "francecentral" && report.residency == "strict" && report.environments == ["production"])
        #expect(report.terraformStacks == ["bootstrap/fr", "live/fr/production"])
        #expect(report.clusters.map(\.cluster) == ["production-fr"])
        let keys = try #require(report.clusters.first?.secretKeys)
        #expect(!keys.isEmpty && keys.allSatisfy { $0.hasPrefix("production/fr/") }, "\(keys)")
        // The same inventory `scaffold secrets --region fr` reads.
        let inventory = try SecretInventory.clusters(try Pipeline.load(blueprint: fixture.blueprint), region: "fr")
        #expect(inventory.map { $0.keys.map(\.key) } == [keys])

        // Committed as `scaffold generate --ops-repo` commits: the new cluster is on main.
        let delivery = try #require(report.delivery)
        #expect(delivery.repositories.map(\.role) == ["ops", "infra"] && delivery.repositories.allSatisfy(\.committed))
        let tree = try gitCLI(["ls-tree", "-r", "--name-only", "main"], in: fixture.opsRepo)
        #expect(tree.contains("cluster/bootstrap/production-fr/kustomization.yaml"))
        let infra = try gitCLI(["ls-tree", "-r", "--name-only", "main"], in: fixture.infraRepo)
        #expect(infra.contains("live/fr/production/main.tf") && infra.contains("bootstrap/fr/main.tf"))
    }

    @Test func refusalsLeaveTheFileByteForByte() throws {
        let fixture = try GitFixture(prefix: "region-add-refused")
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture.blueprint))
        let text = String(decoding: original, as: UTF8.self)
        let trLine = try #require(text.components(separatedBy: "\n").firstIndex { $0 == "  - id: tr" }) + 1
        let cases: [(arguments: [String], message: String)] = [
            (["tr", "--country", "TR", "--cloud", "onprem"],
             "\(fixture.blueprint):\(trLine):9: error: region `tr` already exists"),
            (["fr", "--country", "FR", "--cloud", "digitalocean", "--location", "fra1"],
             "error: residency: region `fr` is strict in FR, but digitalocean location `fra1` is in DE\n  hint: none: digitalocean has no location in FR; use `cloud: onprem` (or another cloud: azure has `francecentral`, `francesouth`; gcp has `europe-west9`)"),
            (["fr", "--country", "FR", "--cloud", "digitalocean"],
             "error: digitalocean has no location in FR\n  hint: use --cloud onprem, or --cloud azure (`francecentral`, `francesouth`), or --cloud gcp (`europe-west9`)"),
            (["fr", "--country", "FR", "--cloud", "aws"], "error: unknown cloud `aws`"),
            (["fr", "--country", "FR", "--cloud", "azure", "--environments", "qa"], "error: region `fr` runs unknown environment `qa`"),
        ]
        for (arguments, message) in cases {
            let result = try TestTools.run(scaffold, ["region", "add"] + arguments + ["--blueprint", fixture.blueprint], environment: ["NO_COLOR": "1"])
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.blueprint)) == original, "\(arguments) changed the file")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.blueprintRepo + "/blueprints").filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        }
    }
}

extension FileManager {
    func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }
}
