import BlueprintModel
import Renderer

/// Resource requests and limits of the platform's own workloads (data stores,
/// observability, Argo CD, ingress, External Secrets), from one table: a base size per kind of container on a local
/// cluster, doubled in staging and quadrupled in production; a data store's memory
/// also grows with its `storage` (a cache or database serves more from memory the
/// more it keeps), outside local clusters.
public enum WorkloadSizing {
    /// What a container does, which decides its base size.
    public enum Role: Sendable, CaseIterable {
        /// Init containers, config reloaders, exporters, hook Jobs.
        case sidecar
        /// Per-node agents and small controllers (node exporter, log collector, operators, proxies).
        case agent
        /// Servers holding an index or a working set (Prometheus, Loki, Tempo, Grafana, Velero).
        case server
        /// Data store servers (PostgreSQL, Redis, MinIO).
        case dataStore
    }

    /// Millicores and mebibytes.
    struct Size: Equatable {
        var cpu: Int
        var memory: Int

        func scaled(_ factor: Int, memoryFactor: Int = 1) -> Size { Size(cpu: cpu * factor, memory: memory * factor * memoryFactor) }
    }

    /// Local-cluster requests and limits of each role.
    static func base(_ role: Role) -> (requests: Size, limits: Size) {
        switch role {
        case .sidecar: (Size(cpu: 10, memory: 32), Size(cpu: 100, memory: 64))
        case .agent: (Size(cpu: 25, memory: 64), Size(cpu: 250, memory: 256))
        case .server: (Size(cpu: 50, memory: 256), Size(cpu: 500, memory: 1024))
        case .dataStore: (Size(cpu: 100, memory: 256), Size(cpu: 1000, memory: 1024))
        }
    }

    /// The environment's factor: 1 on a local cluster, 4 in production, 2 elsewhere.
    static func environmentFactor(_ context: ClusterContext) -> Int {
        if context.environment.isLocal { return 1 }
        return context.scope.environment == "production" ? 4 : 2
    }

    /// A data store's memory factor outside local clusters: one per 25Gi of storage, 1 to 4.
    static func storageFactor(_ storage: Quantity?, _ context: ClusterContext) -> Int {
        guard let storage, !context.environment.isLocal else { return 1 }
        let gibibytes = storage.milliValue / 1000 / 1_073_741_824
        return Int(min(4, max(1, gibibytes / 25)))
    }

    /// The `resources` value of one container.
    public static func resources(_ role: Role, _ context: ClusterContext, storage: Quantity? = nil) -> YAMLNode {
        let factor = environmentFactor(context)
        let memoryFactor = role == .dataStore ? storageFactor(storage, context) : 1
        let (requests, limits) = base(role)
        func node(_ size: Size) -> YAMLNode {
            .map([("cpu", .string("\(size.cpu)m")), ("memory", .string(memory(size.memory)))])
        }
        return .map([
            ("requests", node(requests.scaled(factor, memoryFactor: memoryFactor))),
            ("limits", node(limits.scaled(factor, memoryFactor: memoryFactor))),
        ])
    }

    static func memory(_ mebibytes: Int) -> String {
        mebibytes % 1024 == 0 ? "\(mebibytes / 1024)Gi" : "\(mebibytes)Mi"
    }
}
