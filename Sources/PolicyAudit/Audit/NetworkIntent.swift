import BlueprintModel
import Templates

/// The connections the blueprint means a cluster to allow (its ``ServiceGraph``: each
/// service to what it `dependsOn`, the ingress controller to exposed services,
/// Prometheus to metrics ports, traces, DNS, data store replication and backups,
/// each tenant within itself), compared with the reachability computed from the
/// rendered NetworkPolicies.
///
/// The comparison covers every pair of endpoints with at least one end in a workload
/// namespace (services, data stores, tenants): there, anything the rendered policies
/// allow beyond the intent is an unintended opening, and anything intended they block
/// is a broken allowlist. Platform namespaces keep open egress by design and are
/// compared only where they meet workloads.
public struct NetworkIntent: Sendable {
    /// One pair whose computed access differs from the intent.
    public struct Disagreement: Sendable, Hashable, Codable, Comparable {
        public var cluster: String
        public var from: String
        public var to: String
        /// Allowed by the rendered policies but not intended.
        public var unintended: PortSet
        /// Intended but blocked by the rendered policies.
        public var blocked: PortSet

        public static func < (lhs: Disagreement, rhs: Disagreement) -> Bool {
            (lhs.cluster, lhs.from, lhs.to) < (rhs.cluster, rhs.from, rhs.to)
        }

        /// `allowed but not intended on …; intended but blocked on …`.
        public var detail: String {
            var parts: [String] = []
            if !unintended.isEmpty { parts.append("allowed but not intended on \(unintended)") }
            if !blocked.isEmpty { parts.append("intended but blocked on \(blocked)") }
            return parts.joined(separator: "; ")
        }
    }

    /// Intended ports by `from|to` endpoint id, per cluster.
    public var intended: [String: [String: PortSet]]
    /// The workload namespaces of each cluster.
    public var workloadNamespaces: [String: Set<String>]

    /// The intent of every cluster of a blueprint, mapped onto each cluster's endpoints.
    public init(_ loaded: LoadedBlueprint, model: PolicyModel) {
        var intended: [String: [String: PortSet]] = [:]
        var workloadNamespaces: [String: Set<String>] = [:]
        for context in ClusterContext.all(loaded) {
            guard let cluster = model.cluster(context.scope.name) else { continue }
            let namespaces = Set(ClusterNamespaces.workloads(context) + context.organizations.map { TenantNamespaces.namespace(of: $0.id) })
            workloadNamespaces[cluster.name] = namespaces
            var pairs: [String: PortSet] = [:]
            func add(_ from: NetworkEndpoint, _ to: NetworkEndpoint, _ ports: PortSet) {
                let key = "\(from.id)|\(to.id)"
                pairs[key] = (pairs[key] ?? .none).union(ports)
            }
            for edge in ServiceGraph.edges(context) {
                let ports = edge.ports.map { list in PortSet.ports(list.map { ($0.port, $0.transport) }) } ?? .all
                for from in cluster.endpoints where Self.matches(edge.from, from) {
                    for to in cluster.endpoints where Self.matches(edge.to, to) { add(from, to, ports) }
                }
            }
            // Every pod of a workload namespace may resolve names (one namespace-wide DNS allowlist).
            let dns = PortSet.ports(PortProtocol.dns.map { ($0.port, $0.transport) })
            for from in cluster.endpoints where from.namespace.map(namespaces.contains) == true {
                for to in cluster.endpoints where Self.matches(.platform(.dns), to) { add(from, to, dns) }
            }
            intended[cluster.name] = pairs
        }
        self.intended = intended
        self.workloadNamespaces = workloadNamespaces
    }

    /// Whether an endpoint is one of a graph node's pods.
    static func matches(_ node: GraphNode, _ endpoint: NetworkEndpoint) -> Bool {
        guard let namespace = node.namespace else { return endpoint.kind == .external }
        guard endpoint.namespace == namespace, endpoint.kind != .external else { return false }
        return LabelSelector(matchLabels: node.podLabels).matches(endpoint.labels)
    }

    /// Every pair, in scope, where the computed access and the intent differ.
    public func disagreements(_ model: PolicyModel) -> [Disagreement] {
        var result: [Disagreement] = []
        for cluster in model.clusters {
            guard let namespaces = workloadNamespaces[cluster.name], let pairs = intended[cluster.name] else { continue }
            let computed = Dictionary(cluster.connections.map { ("\($0.from)|\($0.to)", $0.ports) }) { first, _ in first }
            for from in cluster.endpoints {
                for to in cluster.endpoints {
                    let inScope = [from.namespace, to.namespace].contains { $0.map(namespaces.contains) ?? false }
                    guard inScope else { continue }
                    let key = "\(from.id)|\(to.id)"
                    let actual = computed[key] ?? .none
                    let expected = pairs[key] ?? .none
                    guard actual != expected else { continue }
                    let unintended = actual.subtracting(expected), blocked = expected.subtracting(actual)
                    guard !unintended.isEmpty || !blocked.isEmpty else { continue }
                    result.append(Disagreement(cluster: cluster.name, from: from.id, to: to.id, unintended: unintended, blocked: blocked))
                }
            }
        }
        return result.sorted()
    }

    /// Whether a connection is intended (for marking matrix cells).
    public func isIntended(_ connection: NetworkConnection) -> Bool {
        guard let expected = intended[connection.cluster]?["\(connection.from)|\(connection.to)"] else { return false }
        return connection.ports.isSubset(of: expected)
    }

    /// Whether a connection is compared with the intent: one of its ends is in a workload namespace.
    public func isChecked(_ connection: NetworkConnection) -> Bool {
        guard let namespaces = workloadNamespaces[connection.cluster] else { return false }
        return [connection.from, connection.to].contains { id in
            id.split(separator: "/").first.map { namespaces.contains(String($0)) } ?? false
        }
    }
}
