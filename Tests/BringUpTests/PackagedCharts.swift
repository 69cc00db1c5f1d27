import Foundation
import TestSupport

/// The pinned charts as `helm package` publishes them.
///
/// `../shared/charts/external-secrets-0.18.2` is the chart's git tree at its release tag.
/// Upstream generates `templates/crds/` at packaging time (`make helm.generate`), so that
/// folder renders no CRDs with `installCRDs: true`, while the published 0.18.2 package
/// (what Argo CD pulls from charts.external-secrets.io) does. This folder restores what
/// packaging adds for the kinds scaffold generates: each CRD is built from the
/// `openAPIV3Schema` upstream publishes (`../shared/schemas/crds`, provenance in its
/// SOURCES.md), behind the same `installCRDs` switch. Every other chart is linked as is.
enum PackagedCharts {
    struct CRD {
        var kind: String
        var scope: String
        var schemaFile: String
        var condition: String
    }

    static let externalSecretsCRDs = [
        CRD(kind: "ExternalSecret", scope: "Namespaced", schemaFile: "externalsecret-external-secrets-v1.json",
            condition: ".Values.installCRDs"),
        CRD(kind: "SecretStore", scope: "Namespaced", schemaFile: "secretstore-external-secrets-v1.json",
            condition: ".Values.installCRDs"),
        CRD(kind: "ClusterSecretStore", scope: "Cluster", schemaFile: "clustersecretstore-external-secrets-v1.json",
            condition: "and (.Values.installCRDs) (.Values.crds.createClusterSecretStore)"),
    ]

    /// A charts folder for the whole test process (built once, removed at exit by the OS's temp cleaning).
    static let directory: String = {
        do { return try build() } catch { fatalError("packaged charts: \(error)") }
    }()

    static func build() throws -> String {
        let shared = TestTools.sharedRoot.appendingPathComponent("charts")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-packaged-charts-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: shared.path).sorted() {
            let source = shared.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let target = root.appendingPathComponent(name)
            if name == "external-secrets-0.18.2" {
                try FileManager.default.copyItem(at: source, to: target)
                let crds = target.appendingPathComponent("templates/crds")
                try FileManager.default.createDirectory(at: crds, withIntermediateDirectories: true)
                for crd in externalSecretsCRDs {
                    try Data(template(crd).utf8).write(to: crds.appendingPathComponent("\(crd.kind.lowercased()).yaml"))
                }
            } else {
                try FileManager.default.createSymbolicLink(at: target, withDestinationURL: source)
            }
        }
        return root.path
    }

    /// One CRD template: JSON is YAML, so the published schema goes in unchanged.
    static func template(_ crd: CRD) throws -> String {
        let url = TestTools.sharedRoot.appendingPathComponent("schemas/crds/\(crd.schemaFile)")
        guard var schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        schema["$schema"] = nil
        let plural = crd.kind.lowercased() + "s"
        let definition: [String: Any] = [
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": ["name": "\(plural).external-secrets.io"],
            "spec": [
                "group": "external-secrets.io",
                "names": ["kind": crd.kind, "listKind": crd.kind + "List", "plural": plural, "singular": crd.kind.lowercased()],
                "scope": crd.scope,
                "versions": [[
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": schema],
                    "subresources": ["status": [String: Any]()],
                ]],
            ],
        ]
        let json = try JSONSerialization.data(withJSONObject: definition, options: [.sortedKeys])
        return "{{- if \(crd.condition) }}\n---\n" + String(decoding: json, as: UTF8.self) + "\n{{- end }}\n"
    }
}
