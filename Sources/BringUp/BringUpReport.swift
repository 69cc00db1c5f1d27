import Foundation

/// The report of `scaffold verify`, in the formats a person, a bot and code scanning read.
public enum BringUpReport {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, sarif
    }

    public static func render(_ clusters: [ClusterBringUp], as format: Format) -> String {
        switch format {
        case .text: text(clusters)
        case .json: encode(JSONReport(clusters))
        case .sarif: encode(SARIFLog(clusters))
        }
    }

    static func text(_ clusters: [ClusterBringUp]) -> String {
        var lines: [String] = []
        for cluster in clusters {
            let objects = cluster.applications.reduce(0) { $0 + $1.objects }
            let errors = cluster.findings.filter { $0.severity == .error }.count
            lines.append("\(cluster.cluster): \(cluster.applications.count) applications, \(objects) objects, \(errors) errors, \(cluster.findings.count - errors) warnings")
            lines += cluster.findings.map { "  \($0)" }
        }
        let total = clusters.reduce(0) { $0 + $1.findings.count }
        lines.append(total == 0 ? "bring-up: every cluster finishes its first sync" : "bring-up: \(total) findings")
        return lines.joined(separator: "\n") + "\n"
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self) + "\n"
    }

    struct JSONReport: Encodable {
        struct Cluster: Encodable {
            var cluster: String
            var applications: [String: Int]
            var findings: [Finding]
        }
        var passed: Bool
        var clusters: [Cluster]

        init(_ clusters: [ClusterBringUp]) {
            self.passed = clusters.allSatisfy { $0.findings.isEmpty }
            self.clusters = clusters.map { cluster in
                Cluster(cluster: cluster.cluster,
                        applications: Dictionary(cluster.applications.map { ($0.name, $0.objects) }, uniquingKeysWith: +),
                        findings: cluster.findings)
            }
        }
    }

    /// SARIF 2.1.0: one rule per check, one result per finding.
    struct SARIFLog: Encodable {
        struct Run: Encodable {
            struct Tool: Encodable {
                struct Driver: Encodable {
                    struct Rule: Encodable { var id: String; var shortDescription: [String: String] }
                    var name = "scaffold verify"
                    var informationUri = "https://scaffold.dev/docs/verify"
                    var rules: [Rule]
                }
                var driver: Driver
            }
            struct Result: Encodable {
                struct Location: Encodable {
                    struct Physical: Encodable {
                        var artifactLocation: [String: String]
                        var region: [String: Int]
                    }
                    var physicalLocation: Physical
                }
                var ruleId: String
                var level: String
                var message: [String: String]
                var locations: [Location]
            }
            var tool: Tool
            var results: [Result]
        }
        var version = "2.1.0"
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var runs: [Run]

        enum CodingKeys: String, CodingKey { case version, schema = "$schema", runs }

        init(_ clusters: [ClusterBringUp]) {
            let rules = Finding.Check.allCases.map {
                Run.Tool.Driver.Rule(id: $0.rawValue, shortDescription: ["text": SARIFLog.summary($0)])
            }
            let results = clusters.flatMap(\.findings).map { finding in
                Run.Result(
                    ruleId: finding.check.rawValue, level: finding.severity == .error ? "error" : "warning",
                    message: ["text": "\(finding.cluster) \(finding.application): \(finding.object): \(finding.message)"],
                    locations: finding.location.map { location in
                        // Rendered charts have no file in the repository: point at the Application.
                        let file = location.file.hasPrefix("cluster/") ? "ops/\(location.file)" : location.file
                        return [Run.Result.Location(physicalLocation: .init(artifactLocation: ["uri": file], region: ["startLine": max(location.line, 1)]))]
                    } ?? [])
            }
            self.runs = [Run(tool: .init(driver: .init(rules: rules)), results: results)]
        }

        static func summary(_ check: Finding.Check) -> String {
            switch check {
            case .render: "A chart does not render with the generated values"
            case .project: "An Application's AppProject is missing or refuses it"
            case .permission: "An AppProject refuses an object of its Application"
            case .crd: "A custom resource comes before its CRD"
            case .dependency: "A Secret or ConfigMap a pod needs is produced nowhere"
            case .deadlock: "A Secret or ConfigMap a pod needs comes in a later wave"
            case .admission: "Admission (Kyverno, Pod Security) refuses an object"
            case .reference: "A Service, Ingress, HPA, PDB or monitor points at nothing"
            case .resources: "A container has no CPU/memory requests or no memory limit"
            }
        }
    }
}
