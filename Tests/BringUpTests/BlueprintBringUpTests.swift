import BlueprintModel
import BringUp
import Foundation
import ScaffoldCore
import Testing
import TestSupport

/// `scaffold verify` on the committed blueprints, with the upstream charts at the pinned
/// versions (`../shared/charts`) rendered offline by Helm v4 (`../shared/tools/render-chart`).
///
/// What the simulation still finds is recorded in `Known/<blueprint>.txt` and compared
/// exactly: a fix removes lines (re-record with `SCAFFOLD_RECORD_FINDINGS=1`, which fails
/// the run so it is never silent), a regression adds them.
@Suite("Bring-up of the committed blueprints", .serialized)
struct BlueprintBringUpTests {
    static var renderer: ChartRenderer {
        ChartRenderer(tool: .command(TestTools.sharedRoot.appendingPathComponent("tools/render-chart").path),
                      chartsDirectory: TestTools.sharedRoot.appendingPathComponent("charts").path)
    }

    static func rendererAvailable() throws -> Bool {
        let probe = try TestTools.run("python3", ["-c", "import helm_python, yaml"])
        if probe.succeeded { return true }
        if TestTools.isCI { throw ToolMissing(name: "helm-python-sdk (python3 -m pip install helm-python-sdk)") }
        return false
    }

    static func lines(_ clusters: [ClusterBringUp]) -> [String] {
        clusters.flatMap(\.findings).map { "\($0.severity.rawValue) [\($0.check.rawValue)] \($0.cluster) \($0.application): \($0.object): \($0.message)" }
    }

    /// galaxy (DigitalOcean + Azure, strict, dev-local), meridian (GCP, relaxed), harbor
    /// (on-prem, strict, dev-local), atlas (Azure, relaxed, no object store).
    @Test(arguments: ["galaxy", "meridian/meridian", "harbor/harbor", "atlas/atlas"])
    func knownFindingsOnly(_ name: String) throws {
        guard try Self.rendererAvailable() else { return }
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
        let clusters = try Verify.run(loaded, renderer: Self.renderer)
        #expect(!clusters.isEmpty)
        for cluster in clusters {
            // Every chart renders with the generated values: no render finding, ever.
            #expect(cluster.findings.filter { $0.check == .render }.map(\.description) == [])
            #expect(cluster.applications.count >= 10, "\(cluster.cluster): \(cluster.applications.map(\.name))")
        }
        let actual = Self.lines(clusters)
        let known = TestTools.packageRoot.appendingPathComponent("Tests/BringUpTests/Known/\(name.split(separator: "/").last!).txt")
        if ProcessInfo.processInfo.environment["SCAFFOLD_RECORD_FINDINGS"] == "1" {
            try Data((actual.joined(separator: "\n") + "\n").utf8).write(to: known)
            Issue.record("recorded \(actual.count) findings into \(known.path); unset SCAFFOLD_RECORD_FINDINGS and review the diff")
            return
        }
        let expected = try String(contentsOf: known, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        #expect(actual.filter { !expected.contains($0) } == [], "new findings")
        #expect(expected.filter { !actual.contains($0) } == [], "findings gone: re-record Known/\(name).txt")
    }

    /// Every chart's render validates strictly, custom resources against the CRDs in it.
    @Test(arguments: ["galaxy"])
    func renderedChartsValidate(_ name: String) throws {
        guard try Self.rendererAvailable(), try TestTools.require(TestTools.sharedRoot.appendingPathComponent("tools/validate-manifests").path) else { return }
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
        let cluster = try #require(try Verify.run(loaded, renderer: Self.renderer, clusters: ["staging-tr"]).first)
        let folder = try TemporaryDirectory(prefix: "bringup-renders")
        var paths: [String] = []
        for (application, manifests) in cluster.renders.sorted(by: { $0.key < $1.key }) {
            let path = folder.url.appendingPathComponent("\(application.replacingOccurrences(of: "/", with: "-")).yaml").path
            try Data(manifests.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        #expect(paths.count >= 12)
        let result = try TestTools.validateManifests(paths: paths)
        #expect(result.succeeded, "\(result.stdout.suffix(4000))\(result.stderr.suffix(2000))")
    }
}

@Suite("Kustomize build")
struct KustomizeBuildTests {
    /// The in-memory build holds the same objects as `kubectl kustomize` of the overlay.
    @Test func matchesKubectlKustomize() throws {
        guard try TestTools.require("kubectl") else { return }
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path)
        let simulation = Verify.simulation(loaded, renderer: ChartRenderer(tool: .command("/bin/false"), chartsDirectory: nil))
        let objects = try KustomizeBuild(files: simulation.files).build("cluster/overlays/staging-tr")
        let golden = TestTools.packageRoot.appendingPathComponent("Tests/Golden/galaxy/ops/cluster/overlays/staging-tr")
        let built = try TestTools.run("kubectl", ["kustomize", golden.path])
        #expect(built.succeeded, "\(built.stderr)")
        let kubectlObjects = built.stdout.components(separatedBy: "\n---\n").filter { $0.contains("kind:") }
        #expect(objects.count == kubectlObjects.count)
        let names = Set(objects.map { "\($0.kind) \($0.namespace ?? "")/\($0.name)" })
        #expect(names.count == objects.count)
        #expect(objects.allSatisfy { $0.labels["scaffold.dev/region"] == "tr" && $0.labels["scaffold.dev/environment"] == "staging" })
    }
}
