import BlueprintModel
import Foundation
import Renderer
import Templates
import TestSupport
import Testing
import Yams

/// Shared by the GitOps tree tests: galaxy's ops tree written to a folder, built
/// with the real `kubectl kustomize`, parsed back with Yams.
enum GitOps {
    static func galaxy() throws -> LoadedBlueprint {
        try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path)
    }

    /// The ops repository files of a plan written under `folder`.
    static func writeOps(_ plan: OutputPlan, to folder: URL) throws {
        for file in plan.files(in: .ops) {
            let url = folder.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// `kubectl kustomize <directory>`; fails the test when it fails.
    /// The CRDs cert-manager's chart installs (the ClusterIssuer and Certificate scaffold
    /// writes are validated against them).
    static func certManagerCRDs(in folder: URL) throws -> URL {
        let chart = PlatformComponent.certManager.chart
        return try TestTools.chartCRDs("\(chart.chart)-\(chart.version)", release: "cert-manager", namespace: ClusterNamespaces.certManager,
                                       values: "crds:\n  enabled: true\n", in: folder)
    }

    static func kustomize(_ directory: URL) throws -> String {
        let result = try TestTools.run("kubectl", ["kustomize", directory.path])
        #expect(result.succeeded, "kubectl kustomize \(directory.lastPathComponent) failed: \(result.stderr)")
        return result.stdout
    }

    /// Every overlay of galaxy built by kubectl, by cluster name; nil (after recording
    /// why) when kubectl is missing outside CI.
    static func builtOverlays() throws -> (loaded: LoadedBlueprint, builds: [String: [YAMLNode]])? {
        guard try TestTools.require("kubectl") else {
            Issue.record("kubectl is not installed: the overlays were not built (CI fails here)")
            return nil
        }
        let loaded = try galaxy()
        let folder = try TemporaryDirectory(prefix: "gitops-overlays")
        try writeOps(Generator.plan(for: loaded), to: folder.url)
        var builds: [String: [YAMLNode]] = [:]
        for scope in loaded.clusters {
            let text = try kustomize(folder.url.appendingPathComponent(ClusterOverlays.directory(scope)))
            builds[scope.name] = try documents(text)
        }
        return (loaded, builds)
    }

    /// Parses a multi-document YAML text into ordered trees.
    static func documents(_ text: String) throws -> [YAMLNode] {
        try Yams.compose_all(yaml: text).compactMap { $0 }.map(node)
    }

    /// A Yams node as a ``YAMLNode`` (resolved scalars: ints, booleans, null; other scalars as strings).
    static func node(_ node: Yams.Node) -> YAMLNode {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.int.rawValue: return Int(scalar.string).map(YAMLNode.int) ?? .string(scalar.string)
            case Tag.Name.bool.rawValue: return .bool(node.bool ?? false)
            case Tag.Name.null.rawValue: return .null
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            return .mapping(mapping.map { YAMLNode.Pair($0.key.string ?? "", Self.node($0.value)) })
        case .sequence(let sequence):
            return .sequence(sequence.map(Self.node))
        case .alias:
            return .null
        }
    }

    static func kind(_ object: YAMLNode) -> String { object["kind"]?.scalarText ?? "" }
    static func name(_ object: YAMLNode) -> String { object["metadata"]?["name"]?.scalarText ?? "" }
    static func namespace(_ object: YAMLNode) -> String? { object["metadata"]?["namespace"]?.scalarText }
    static func labels(_ node: YAMLNode?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (node?.pairs ?? []).map { ($0.key, $0.value.scalarText ?? "") })
    }

    /// Namespace labels from the Namespace objects of a build.
    static func namespaceLabels(_ objects: [YAMLNode]) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for object in objects where kind(object) == "Namespace" { result[name(object)] = labels(object["metadata"]?["labels"]) }
        return result
    }
}

