import BlueprintModel
import Renderer

/// A port and protocol (`TCP` unless said otherwise).
public struct PortProtocol: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var port: Int
    public var transport: String

    public init(_ port: Int, _ transport: String = "TCP") {
        self.port = port
        self.transport = transport
    }

    public var description: String { "\(port)/\(transport)" }

    public static func < (lhs: PortProtocol, rhs: PortProtocol) -> Bool { (lhs.port, lhs.transport) < (rhs.port, rhs.transport) }

    /// The NetworkPolicy `ports` entry.
    public var node: YAMLNode { .map([("port", .int(port)), ("protocol", .string(transport))]) }

    /// DNS over UDP and TCP.
    public static let dns = [PortProtocol(53, "TCP"), PortProtocol(53, "UDP")]
    /// OTLP traces (gRPC and HTTP).
    public static let otlp = [PortProtocol(4317), PortProtocol(4318)]
    /// The Kubernetes API (managed control planes listen on 443, kubeadm and k3s on 6443).
    public static let kubernetesAPI = [PortProtocol(443), PortProtocol(6443)]
    /// CloudNativePG's instance manager, which the operator polls.
    public static let postgresInstanceManager = PortProtocol(8000)

    /// Where Prometheus scrapes a data store: CloudNativePG's exporter, the Redis
    /// exporter sidecar, MinIO's own port.
    public static func metrics(of kind: DataStore.Kind) -> PortProtocol {
        switch kind {
        case .postgresql: PortProtocol(9187)
        case .redis: PortProtocol(9121)
        case .minio: PortProtocol(9000)
        }
    }
}

/// A party in the service graph of one cluster.
public enum GraphNode: Hashable, Comparable, Sendable, CustomStringConvertible {
    case service(String)
    case dataStore(String)
    case tenant(String)
    case platform(PlatformPeer)
    /// The Kubernetes API server: outside the pod network.
    case kubernetesAPI
    /// The region's object storage outside the cluster, where backups go (``BackupTarget``).
    case objectStorage

    public var description: String {
        switch self {
        case .service(let name): "service/\(name)"
        case .dataStore(let name): "store/\(name)"
        case .tenant(let id): "tenant/\(id)"
        case .platform(let peer): "platform/\(peer.rawValue)"
        case .kubernetesAPI: "kubernetes-api"
        case .objectStorage: "object-storage"
        }
    }

    public static func < (lhs: GraphNode, rhs: GraphNode) -> Bool { lhs.description < rhs.description }

    /// The namespace this party's pods run in (nil for the API server).
    public var namespace: String? {
        switch self {
        case .service: ClusterNamespaces.apps
        case .dataStore(let name): ClusterNamespaces.dataStore(name)
        case .tenant(let id): TenantNamespaces.namespace(of: id)
        case .platform(let peer): peer.namespace
        case .kubernetesAPI, .objectStorage: nil
        }
    }

    /// The pods of this party inside its namespace (empty: every pod of the namespace).
    public var podLabels: [String: String] {
        switch self {
        case .service(let name): [Labels.name: name]
        case .dataStore, .tenant, .kubernetesAPI, .objectStorage: [:]
        case .platform(let peer): peer.podLabels
        }
    }

    /// The NetworkPolicy peer selecting this party, seen from `namespace`.
    public func peer(from namespace: String) -> YAMLNode {
        guard let own = self.namespace else {
            return .map([("ipBlock", .map([("cidr", "0.0.0.0/0")]))])
        }
        if own == namespace {
            return .map([("podSelector", podLabels.isEmpty ? .mapping([]) : K8s.matchLabels(podLabels))])
        }
        return .map([
            ("namespaceSelector", K8s.matchLabels(["kubernetes.io/metadata.name": own])),
            ("podSelector", podLabels.isEmpty ? .mapping([]) : K8s.matchLabels(podLabels)),
        ])
    }
}

/// One allowed connection: `from` may open connections to `to` on `ports` (nil: any port).
public struct GraphEdge: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var from: GraphNode
    public var to: GraphNode
    public var ports: [PortProtocol]?

    public init(_ from: GraphNode, _ to: GraphNode, _ ports: [PortProtocol]?) {
        self.from = from
        self.to = to
        self.ports = ports.map { Array(Set($0)).sorted() }
    }

    public var description: String {
        "\(from) -> \(to) on \(ports.map { $0.map(\.description).joined(separator: ",") } ?? "any port")"
    }

    public static func < (lhs: GraphEdge, rhs: GraphEdge) -> Bool {
        (lhs.from, lhs.to, lhs.description) < (rhs.from, rhs.to, rhs.description)
    }
}

/// The connections a cluster needs, derived from the blueprint: what the network
/// allowlists open, and nothing else.
///
/// - each service to the services and data stores it `dependsOn`, on the declared port
///   (else the target's);
/// - the ingress controller to exposed services; Prometheus to every service's and
///   data store's metrics port; every service to Tempo (OTLP traces);
/// - every workload pod to the cluster DNS;
/// - a data store's pods among themselves (replication), PostgreSQL to the region's
///   object storage outside the cluster (WAL archive, base backups) and to the Kubernetes
///   API (its instance manager), the PostgreSQL operator to its instances;
/// - Supabase's pods among themselves and to its two stores, the ingress controller to its
///   gateway when it has a host;
/// - a tenant's pods among themselves, and nothing across tenants.
public enum ServiceGraph {
    public static func edges(_ context: ClusterContext) -> [GraphEdge] {
        var ports: [Pair: Set<PortProtocol>] = [:]
        var anyPort: Set<Pair> = []
        func add(_ from: GraphNode, _ to: GraphNode, _ list: [PortProtocol]) {
            ports[Pair(from: from, to: to), default: []].formUnion(list)
        }
        let serviceNames = Set(context.services.map(\.name))
        for service in context.services {
            let node = GraphNode.service(service.name)
            for dependency in service.dependsOn {
                switch dependency.target {
                case .service(let name):
                    guard serviceNames.contains(name), let target = context.blueprint.service(name) else { continue }
                    add(node, .service(name), [PortProtocol(dependency.port ?? target.port)])
                case .dataStore(let name):
                    guard let store = context.dataStore(name) else { continue }
                    add(node, .dataStore(name), [PortProtocol(dependency.port ?? store.port)])
                }
            }
            if service.expose != nil { add(.platform(.ingressController), node, [PortProtocol(service.port)]) }
            if service.declaresMetrics { add(.platform(.prometheus), node, [PortProtocol(service.metricsPort)]) }
            add(node, .platform(.tempo), PortProtocol.otlp)
            add(node, .platform(.dns), PortProtocol.dns)
        }
        for store in context.dataStores {
            let node = GraphNode.dataStore(store.name)
            anyPort.insert(Pair(from: node, to: node))
            add(node, .platform(.dns), PortProtocol.dns)
            add(.platform(.prometheus), node, [PortProtocol.metrics(of: store.kind)])
            if store.kind == .postgresql {
                add(.platform(.postgresOperator), node, [PortProtocol.postgresInstanceManager])
                add(node, .kubernetesAPI, PortProtocol.kubernetesAPI)
                if let target = BackupTarget.of(context) { add(node, .objectStorage, [PortProtocol(target.port)]) }
            }
        }
        if let supabase = context.supabase, let postgres = context.dataStore(supabase.store), let objects = context.dataStore(supabase.objectStore) {
            let node = GraphNode.platform(.supabase)
            anyPort.insert(Pair(from: node, to: node))
            add(node, .platform(.dns), PortProtocol.dns)
            add(node, .dataStore(postgres.name), [PortProtocol(postgres.port)])
            add(node, .dataStore(objects.name), [PortProtocol(objects.port)])
            if supabase.host != nil { add(.platform(.ingressController), .platform(.supabaseGateway), [Supabase.gatewayPort]) }
        }
        for organization in context.organizations {
            let node = GraphNode.tenant(organization.id)
            anyPort.insert(Pair(from: node, to: node))
            add(node, .platform(.dns), PortProtocol.dns)
        }
        var edges = anyPort.map { GraphEdge($0.from, $0.to, nil) }
        for (pair, list) in ports where !anyPort.contains(pair) { edges.append(GraphEdge(pair.from, pair.to, Array(list))) }
        return edges.sorted()
    }

    struct Pair: Hashable {
        var from: GraphNode
        var to: GraphNode
    }
}
