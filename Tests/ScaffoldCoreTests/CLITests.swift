import Foundation
import Renderer
import ScaffoldCore
import Testing
import TestSupport

/// The `scaffold` executable as bots and scripts use it: names, exit codes
/// (0 success, 1 invalid input or usage, 2 refused), JSON output, no colour
/// off a terminal, nothing written on failure.
@Suite(.serialized) struct CLITests {
    static let galaxy = TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path
    let scaffold = TestTools.scaffoldExecutable

    @Test func versionAndSchema() throws {
        let version = try TestTools.run(scaffold, ["--version"])
        #expect(version.succeeded && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ScaffoldVersion.current)
        let schema = try TestTools.run(scaffold, ["schema"])
        #expect(schema.succeeded)
        let json = try JSONSerialization.jsonObject(with: Data(schema.stdout.utf8)) as? [String: Any]
        #expect(json?["title"] as? String == "scaffold blueprint v1")
    }

    @Test func invalidBlueprintExitsOneWithPositionsAndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let corpus = TestTools.packageRoot.appendingPathComponent("Tests/BlueprintModelTests/Corpus")
        let blueprint = corpus.appendingPathComponent("many-errors-at-once.yaml").path
        let out = directory.url.appendingPathComponent("out").path
        let result = try TestTools.run(scaffold, ["generate", blueprint, "--out", out, "--overlays", "/nonexistent"], environment: ["NO_COLOR": "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("many-errors-at-once.yaml:42:11: error: `services[0].port` is 0; it must be at least 1"))
        #expect(result.stderr.contains("many-errors-at-once.yaml:33:17: error: organization `acme` has unknown home region `fr`"))
        #expect(result.stderr.contains("3 errors"))
        #expect(!result.stderr.contains("\u{1B}["), "no colour off a terminal")
        #expect(!FileManager.default.fileExists(atPath: out))

        let json = try TestTools.run(scaffold, ["validate", blueprint, "--overlays", "/nonexistent", "--format", "json"])
        #expect(json.status == 1)
        let report = try JSONDecoder().decode(ValidationReport.self, from: Data(json.stdout.utf8))
        #expect(!report.valid && report.diagnostics.count == 3)
        #expect(report.diagnostics.contains { $0.line == 42 && $0.column == 11 })
    }

    @Test func usageErrorsExitOne() throws {
        #expect(try TestTools.run(scaffold, ["generate"]).status == 1)
        #expect(try TestTools.run(scaffold, ["frobnicate"]).status == 1)
        #expect(try TestTools.run(scaffold, ["validate", "/does/not/exist.yaml"]).status == 1)
    }

    @Test func planWritesNothingAndGenerateThenPlanIsClean() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out").path
        let plan = try TestTools.run(scaffold, ["plan", Self.galaxy, "--out", out, "--format", "json"])
        #expect(plan.succeeded, "\(plan.stderr)")
        let planned = try JSONDecoder().decode(GenerationReport.self, from: Data(plan.stdout.utf8))
        #expect(!planned.added.isEmpty && planned.changed.isEmpty && !planned.written)
        #expect(!FileManager.default.fileExists(atPath: out))

        let generate = try TestTools.run(scaffold, ["generate", Self.galaxy, "--out", out, "--format", "json"])
        #expect(generate.succeeded, "\(generate.stderr)")
        let generated = try JSONDecoder().decode(GenerationReport.self, from: Data(generate.stdout.utf8))
        #expect(generated.added == planned.added && generated.written)
        #expect(generated.contentHash == planned.contentHash && generated.contentHash.count == 64)

        let again = try TestTools.run(scaffold, ["generate", Self.galaxy, "--out", out])
        #expect(again.succeeded && again.stdout.contains("up to date"))
    }

    @Test func handEditedOwnedFileIsRefusedWithExitTwoUnlessForced() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        #expect(try TestTools.run(scaffold, ["generate", Self.galaxy, "--out", out.path]).succeeded)
        let edited = out.appendingPathComponent("ops/cluster/tenants/staging-es/iberia-care.yaml")
        try "# my change\n".write(to: edited, atomically: true, encoding: .utf8)
        let before = try snapshot(out)
        // A blueprint change that rewrites that file:
        let copy = try copyGalaxy(into: directory.url) { $0.replacingOccurrences(of: "quotas: {cpu: \"6\"", with: "quotas: {cpu: \"7\"") }
        let refused = try TestTools.run(scaffold, ["generate", copy, "--out", out.path])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("edited by hand"))
        #expect(try snapshot(out) == before, "a refused run leaves the tree exactly as it was")
        let plan = try TestTools.run(scaffold, ["plan", copy, "--out", out.path])
        #expect(plan.status == 2)
        let forced = try TestTools.run(scaffold, ["generate", copy, "--out", out.path, "--force"])
        #expect(forced.succeeded)
        #expect(try String(contentsOf: edited, encoding: .utf8).contains("requests.cpu: \"7\""))
    }

    @Test func deletingATenantNamespaceIsRefusedUnlessAllowed() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out").path
        let copy = try copyGalaxy(into: directory.url) { $0 }
        #expect(try TestTools.run(scaffold, ["generate", copy, "--out", out]).succeeded)
        // Remove the organization bosphorus-labs (its block ends where iberia-care starts).
        let text = try String(contentsOfFile: copy, encoding: .utf8)
        let start = try #require(text.range(of: "  - id: bosphorus-labs\n"))
        let end = try #require(text.range(of: "  - id: iberia-care\n"))
        try text.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "").write(toFile: copy, atomically: true, encoding: .utf8)
        let plan = try TestTools.run(scaffold, ["plan", copy, "--out", out, "--format", "json"])
        #expect(plan.status == 2)
        let report = try JSONDecoder().decode(GenerationReport.self, from: Data(plan.stdout.utf8))
        #expect(report.refusals.contains { $0.contains("namespace") && $0.contains("tenant-bosphorus-labs") })
        #expect(try TestTools.run(scaffold, ["generate", copy, "--out", out]).status == 2)
        #expect(try TestTools.run(scaffold, ["generate", copy, "--out", out, "--allow-deletions"]).succeeded)
    }

    @Test func initWritesAValidStarterAndRefusesToOverwrite() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("platform.yaml").path
        #expect(try TestTools.run(scaffold, ["init", path, "--name", "demo"]).succeeded)
        // Outside the current folder, the blueprint's folder is its repository: the CI goes beside it.
        let workflow = try String(contentsOf: directory.url.appendingPathComponent(".github/workflows/blueprint.yaml"), encoding: .utf8)
        #expect(workflow.contains("scaffold validate platform.yaml"))
        let validate = try TestTools.run(scaffold, ["validate", path])
        #expect(validate.succeeded, "\(validate.stderr)")
        #expect(try TestTools.run(scaffold, ["init", path]).status == 2)
        // Its first line points editors at a schema that exists: the one `scaffold schema` prints.
        let first = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first ?? ""
        let reference = try #require(first.split(separator: "$schema=").last.map(String.init))
        let schema = directory.url.appendingPathComponent(reference)
        #expect(try String(contentsOf: schema, encoding: .utf8) == TestTools.run(scaffold, ["schema"]).stdout)
    }

    /// The example's `$schema` comment points at `docs/blueprint.schema.json`: it is committed,
    /// and it is exactly what `scaffold schema` prints (regenerate with `scaffold schema > docs/blueprint.schema.json`).
    @Test func theExampleSchemaCommentPointsAtTheCommittedSchema() throws {
        let galaxy = TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml")
        let first = try String(contentsOf: galaxy, encoding: .utf8).split(separator: "\n").first ?? ""
        let reference = try #require(first.split(separator: "$schema=").last.map(String.init))
        #expect(reference == "../docs/blueprint.schema.json")
        let committed = try String(contentsOf: galaxy.deletingLastPathComponent().appendingPathComponent(reference), encoding: .utf8)
        #expect(committed == (try TestTools.run(scaffold, ["schema"]).stdout))
    }

    // MARK: Helpers

    /// Copies galaxy (blueprint, pins, overlays) into `directory`, transforming the blueprint text.
    func copyGalaxy(into directory: URL, _ transform: (String) -> String) throws -> String {
        let blueprints = directory.appendingPathComponent("blueprints")
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        let root = TestTools.packageRoot
        let text = try String(contentsOf: root.appendingPathComponent("blueprints/galaxy.yaml"), encoding: .utf8)
        try transform(text).write(to: blueprints.appendingPathComponent("galaxy.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: root.appendingPathComponent("blueprints/galaxy.pins.yaml"), to: blueprints.appendingPathComponent("galaxy.pins.yaml"))
        try FileManager.default.copyItem(at: root.appendingPathComponent("overlays"), to: directory.appendingPathComponent("overlays"))
        return blueprints.appendingPathComponent("galaxy.yaml").path
    }
}

/// Every file under a folder with its content hash.
func snapshot(_ root: URL) throws -> [String: String] {
    var result: [String: String] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return result }
    while let relative = enumerator.nextObject() as? String {
        let path = root.appendingPathComponent(relative).path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            result[relative] = ContentHash.sha256(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }
    return result
}
