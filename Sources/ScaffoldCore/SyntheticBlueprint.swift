public import Foundation
import Renderer

/// A large, valid blueprint for benchmarks and stress tests: N organizations over
/// R regions, the three environments, S services with a dependency chain, and the
/// usual data stores. Built as a YAML tree and printed, with its pins file.
public enum SyntheticBlueprint {
    public static let regionPool: [(id: String, country: String, cloud: String, location: String)] = [
        ("de", "DE", "digitalocean", "fra1"), ("es", "ES", "azure", "spaincentral"),
        ("be", "BE", "gcp", "europe-west1"), ("nl", "NL", "digitalocean", "ams3"),
        ("fr", "FR", "azure", "francecentral"), ("it", "IT", "gcp", "europe-west8"),
    ]

    /// Writes `<name>.yaml` and `<name>.pins.yaml` into `directory`; returns the blueprint path.
    @discardableResult
    public static func write(to directory: URL, name: String = "synthetic", organizations: Int = 1000, regions: Int = 4, services: Int = 20) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let regionList = Array(regionPool.prefix(max(1, min(regions, regionPool.count))))
        let environments: [YAMLNode] = [
            ["name": "dev-local", "domain": "synthetic.localhost", "cluster": "k3d"],
            ["name": "staging", "domain": "staging.synthetic.example.com"],
            ["name": "production", "domain": "synthetic.example.com"],
        ]
        let resources: YAMLNode = ["requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["cpu": "500m", "memory": "256Mi"]]
        let serviceNodes: [YAMLNode] = (0..<services).map { index in
            var dependencies: [YAMLNode] = [["dataStore": "postgres"]]
            if index + 1 < services { dependencies.append(["service": .string("svc-\(index + 1)")]) }
            var pairs: [(String, YAMLNode)] = [
                ("name", .string("svc-\(index)")), ("image", .string("ghcr.io/synthetic/svc-\(index)")), ("port", 8080),
                ("replicas", ["min": 2, "max": 4]), ("resources", resources),
                ("health", ["liveness": "/healthz", "readiness": "/readyz"]), ("dependsOn", .sequence(dependencies)),
                ("config", ["LOG_LEVEL": "info"]),
            ]
            if index == 0 { pairs.append(("expose", ["host": "app"])) }
            return .map(pairs)
        }
        let organizationNodes: [YAMLNode] = (0..<organizations).map { index in
            let id = String(format: "org-%04d", index)
            return .map([
                ("id", .string(id)), ("displayName", .string("Organization \(index)")),
                ("homeRegion", .string(regionList[index % regionList.count].id)),
                ("quotas", ["cpu": "4", "memory": "8Gi", "storage": "50Gi"]),
                ("projects", [["id": "main"], ["id": "data"]]),
                ("data", [["store": "postgres"]]),
            ])
        }
        let blueprint: YAMLNode = .map([
            ("apiVersion", "scaffold.dev/v1"),
            ("platform", ["name": .string(name), "domain": "synthetic.example.com"]),
            ("repositories", ["ops": ["url": "../ops"], "infra": ["url": "../infra"]]),
            ("environments", .sequence(environments)),
            ("regions", .sequence(regionList.enumerated().map { offset, region in
                .map([
                    ("id", .string(region.id)), ("country", .string(region.country)), ("cloud", .string(region.cloud)),
                    ("location", .string(region.location)), ("residency", "strict"),
                    ("environments", offset == 0 ? ["dev-local", "staging", "production"] : ["staging", "production"]),
                ])
            })),
            ("organizations", .sequence(organizationNodes)),
            ("services", .sequence(serviceNodes)),
            ("dataStores", [
                ["name": "postgres", "kind": "postgresql"], ["name": "cache", "kind": "redis"],
                ["name": "objects", "kind": "minio", "buckets": ["backups", "uploads"]],
            ]),
            ("backup", ["store": "objects", "bucket": "backups"]),
            ("policy", ["cosign": ["issuer": "https://token.actions.githubusercontent.com", "subject": "https://github.com/synthetic/*"]]),
        ])
        let path = directory.appendingPathComponent("\(name).yaml")
        try YAMLPrinter.print(blueprint).write(to: path, atomically: true, encoding: .utf8)

        var pins: [YAMLNode.Pair] = []
        for index in 0..<services {
            let digests = ["dev-local", "staging", "production"].map { environment in
                YAMLNode.Pair(environment, .string("sha256:" + ContentHash.sha256("svc-\(index)-\(environment)")))
            }
            pins.append(.init("svc-\(index)", .mapping(digests)))
        }
        let pinsNode: YAMLNode = .map([("apiVersion", "scaffold.dev/v1"), ("kind", "Pins"), ("pins", .mapping(pins))])
        try YAMLPrinter.print(pinsNode).write(to: directory.appendingPathComponent("\(name).pins.yaml"), atomically: true, encoding: .utf8)
        return path.path
    }
}
