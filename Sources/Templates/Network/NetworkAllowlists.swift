import BlueprintModel
import Renderer

/// NetworkPolicies derived from the ``ServiceGraph``.
///
/// Workload namespaces (`apps`, `data-<store>`) get default deny (ingress and egress),
/// DNS, and one policy per party opening exactly its graph edges, both ways: the
/// sender's egress and the receiver's ingress. Platform namespaces get default-deny
/// ingress, traffic inside the namespace, the ports their component serves to the
/// cluster (admission webhooks, the ingress controller's HTTP(S)), and the graph's
/// edges into them (traces to Tempo).
public enum NetworkAllowlists {
    static let policyAPI = "networking.k8s.io/v1"

    /// The policies of one workload namespace (`apps` or `data-<store>`).
    public static func workloadPolicies(_ namespace: String, _ context: ClusterContext, edges: [GraphEdge]) -> [YAMLNode] {
        let labels = context.labels(name: namespace, component: "network-policy")
        var objects = [
            policy("default-deny", namespace, labels, selecting: [:], types: ["Ingress", "Egress"], ingress: [], egress: []),
            policy("allow-dns", namespace, labels, selecting: [:], types: ["Egress"], ingress: [],
                   egress: [rule("to", GraphNode.platform(.dns).peer(from: namespace), PortProtocol.dns)]),
        ]
        let parties = Set(edges.flatMap { [$0.from, $0.to] }).filter { $0.namespace == namespace }.sorted()
        for party in parties {
            let incoming = edges.filter { $0.to == party }
            let outgoing = edges.filter { $0.from == party && $0.to != .platform(.dns) }
            let ingress = incoming.map { rule("from", $0.from.peer(from: namespace), $0.ports) }
            let egress = outgoing.map { rule("to", $0.to.peer(from: namespace), $0.ports) }
            var types: [String] = []
            if !ingress.isEmpty { types.append("Ingress") }
            if !egress.isEmpty { types.append("Egress") }
            guard !types.isEmpty else { continue }
            objects.append(policy(policyName(party), namespace, labels, selecting: party.podLabels, types: types, ingress: ingress, egress: egress))
        }
        return objects
    }

    /// The policies of every platform namespace of a cluster.
    public static func platformPolicies(_ context: ClusterContext, edges: [GraphEdge]) -> [YAMLNode] {
        let components = PlatformComponent.installed(in: context)
        var objects: [YAMLNode] = []
        for namespace in ClusterNamespaces.platform(context) {
            let labels = context.labels(name: namespace, component: "network-policy")
            objects.append(policy("default-deny-ingress", namespace, labels, selecting: [:], types: ["Ingress"], ingress: [], egress: []))
            objects.append(policy("allow-same-namespace", namespace, labels, selecting: [:], types: ["Ingress"],
                                  ingress: [rule("from", .map([("podSelector", .mapping([]))]), nil)], egress: []))
            if namespace != ClusterNamespaces.monitoring {
                objects.append(policy("allow-from-prometheus", namespace, labels, selecting: [:], types: ["Ingress"],
                                      ingress: [rule("from", PlatformPeer.prometheus.peer, nil)], egress: []))
            }
            for component in components where component.namespace == namespace && !component.servedPorts.isEmpty {
                // Admission webhooks are called by the API server and the ingress controller
                // by clients outside the cluster: neither has a pod address to select.
                objects.append(policy("allow-\(component.rawValue)-served-ports", namespace, labels, selecting: [:], types: ["Ingress"],
                                      ingress: [rule(nil, nil, component.servedPorts)], egress: []))
            }
            let parties = Set(edges.map(\.to)).filter { $0.namespace == namespace && $0 != .platform(.dns) }.sorted()
            for party in parties {
                let incoming = edges.filter { $0.to == party && $0.from.namespace != namespace }
                guard !incoming.isEmpty else { continue }
                objects.append(policy("allow-to-\(policyName(party))", namespace, labels, selecting: party.podLabels, types: ["Ingress"],
                                      ingress: incoming.map { rule("from", $0.from.peer(from: namespace), $0.ports) }, egress: []))
            }
        }
        return objects
    }

    static func policyName(_ party: GraphNode) -> String {
        switch party {
        case .service(let name), .dataStore(let name), .tenant(let name): name
        case .platform(let peer): peer.rawValue
        case .kubernetesAPI: "kubernetes-api"
        case .objectStorage: "object-storage"
        }
    }

    /// One ingress (`from`) or egress (`to`) rule; a nil peer key means any peer, nil ports any port.
    static func rule(_ key: String?, _ peer: YAMLNode?, _ ports: [PortProtocol]?) -> YAMLNode {
        var pairs: [(String, YAMLNode)] = []
        if let key, let peer { pairs.append((key, [peer])) }
        if let ports { pairs.append(("ports", .sequence(ports.map(\.node)))) }
        return .map(pairs)
    }

    static func policy(_ name: String, _ namespace: String, _ labels: [String: String], selecting: [String: String], types: [String],
                       ingress: [YAMLNode], egress: [YAMLNode]) -> YAMLNode {
        var spec: [(String, YAMLNode)] = [
            ("podSelector", selecting.isEmpty ? .mapping([]) : K8s.matchLabels(selecting)),
            ("policyTypes", .sequence(types.map { .string($0) })),
        ]
        if !ingress.isEmpty { spec.append(("ingress", .sequence(ingress))) }
        if !egress.isEmpty { spec.append(("egress", .sequence(egress))) }
        return K8s.object(policyAPI, "NetworkPolicy", name: name, namespace: namespace, labels: labels,
                          annotations: SyncWave.annotations(SyncWave.policies), [("spec", .map(spec))])
    }
}
