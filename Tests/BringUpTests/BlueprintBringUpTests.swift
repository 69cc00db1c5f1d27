import BlueprintModel
import BringUp
import Foundation
import ScaffoldCore
import Testing
import TestSupport

/// `scaffold verify` on the committed blueprints, with the upstream charts at the pinned
/// versions (`../shared/charts`, as packaged: ``PackagedCharts``) rendered offline by
/// Helm v4 (`../shared/tools/render-chart`): every cluster comes up with no finding.
@Suite("Bring-up of the committed blueprints", .serialized)
struct BlueprintBringUpTests {
    static func renderer(charts: String = PackagedCharts.directory) -> ChartRenderer {
        ChartRenderer(tool: .command(TestTools.sharedRoot.appendingPathComponent("tools/render-chart").path), chartsDirectory: charts)
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

    /// galaxy (on-prem + Azure, strict, dev-local, Vault per region), meridian (GCP,
    /// relaxed, Secret Manager), harbor (on-prem, strict, dev-local, Vault), atlas
    /// (DigitalOcean + Azure, relaxed, no object store, the in-cluster secret store).
    @Test(arguments: ["galaxy", "meridian/meridian", "harbor/harbor", "atlas/atlas"])
    func comesUpWithoutFindings(_ name: String) throws {
        guard try Self.rendererAvailable() else { return }
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
        let clusters = try Verify.run(loaded, renderer: Self.renderer())
        #expect(!clusters.isEmpty)
        for cluster in clusters {
            #expect(cluster.applications.count >= 10, "\(cluster.cluster): \(cluster.applications.map(\.name))")
            print("verify \(name) \(cluster.cluster): \(cluster.applications.count) applications, \(cluster.objects.count) objects, \(cluster.findings.count) findings")
        }
        #expect(Self.lines(clusters) == [])
        if name == "harbor/harbor" {
            // harbor turns on components.supabase: the community chart renders with scaffold's values and comes up too.
            #expect(clusters.allSatisfy { $0.applications.contains { $0.name == "supabase" } && $0.renders["supabase"]?.isEmpty == false })
        }
    }

    /// The external-secrets folder as committed upstream (no generated CRD templates):
    /// the CRD check sees that nothing installs ExternalSecret and ClusterSecretStore.
    @Test func theChartsGitTreeWithoutItsGeneratedCRDsIsFound() throws {
        guard try Self.rendererAvailable() else { return }
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/harbor/harbor.yaml").path)
        let raw = Self.renderer(charts: TestTools.sharedRoot.appendingPathComponent("charts").path)
        let cluster = try #require(try Verify.run(loaded, renderer: raw, clusters: ["production-ch"]).first)
        #expect(!cluster.findings.isEmpty)
        #expect(cluster.findings.allSatisfy { $0.check == .crd }, "\(Self.lines([cluster]))")
        let kinds = Set(cluster.findings.map { String($0.object.split(separator: " ").first ?? "") })
        #expect(kinds == ["ExternalSecret", "ClusterSecretStore"], "\(kinds)")
    }

    /// Every chart's render validates strictly, custom resources against the CRDs in it
    /// (harbor: with Supabase's chart).
    @Test(arguments: zip(["galaxy", "harbor/harbor"], ["staging-tr", "production-ch"]))
    func renderedChartsValidate(_ name: String, _ clusterName: String) throws {
        guard try Self.rendererAvailable(), try TestTools.require(TestTools.sharedRoot.appendingPathComponent("tools/validate-manifests").path) else { return }
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
        let cluster = try #require(try Verify.run(loaded, renderer: Self.renderer(), clusters: [clusterName]).first)
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
