/// Something that opens or accepts connections in a cluster: the pods of a rendered
/// workload, the pods a policy selector names (upstream charts' pods scaffold does not
/// render), any other pod of a namespace, a pod in a namespace scaffold does not
/// manage, or an address outside the pod network.
public struct NetworkEndpoint: Sendable, Hashable, Comparable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The pods of a Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod that was rendered.
        case workload
        /// Pods a NetworkPolicy selector names, when no rendered workload carries those labels.
        case selected
        /// Any pod of a namespace (`namespace/*`): a pod carrying none of the workloads' labels.
        case namespace
        /// A pod in a namespace scaffold does not manage (`default/*`).
        case outsider
        /// Addresses outside the pod network (the internet, the Kubernetes API server).
        case external
    }

    /// nil for ``Kind/external``.
    public var namespace: String?
    public var name: String
    public var labels: [String: String]
    public var kind: Kind
    /// Container ports by name, for resolving named ports (workloads only).
    public var namedPorts: [String: Int]

    public init(namespace: String?, name: String, labels: [String: String], kind: Kind, namedPorts: [String: Int] = [:]) {
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.kind = kind
        self.namedPorts = namedPorts
    }

    /// `namespace/name`, or `external`.
    public var id: String { namespace.map { "\($0)/\(name)" } ?? name }

    public static let external = NetworkEndpoint(namespace: nil, name: "external", labels: [:], kind: .external)
    /// The namespace standing for every namespace scaffold does not manage.
    public static let outsiderNamespace = "default"

    public static func < (lhs: NetworkEndpoint, rhs: NetworkEndpoint) -> Bool { lhs.id < rhs.id }
}

/// One allowed connection in one cluster.
public struct NetworkConnection: Sendable, Hashable, Comparable, Codable {
    public var cluster: String
    public var from: String
    public var to: String
    public var ports: PortSet
    /// The policies on the sender's side that opened it (empty: the sender is not isolated).
    public var egressPolicies: [String]
    /// The policies on the receiver's side that opened it (empty: the receiver is not isolated).
    public var ingressPolicies: [String]

    public init(cluster: String, from: String, to: String, ports: PortSet, egressPolicies: [String] = [], ingressPolicies: [String] = []) {
        self.cluster = cluster
        self.from = from
        self.to = to
        self.ports = ports
        self.egressPolicies = egressPolicies
        self.ingressPolicies = ingressPolicies
    }

    public static func < (lhs: NetworkConnection, rhs: NetworkConnection) -> Bool {
        (lhs.cluster, lhs.from, lhs.to) < (rhs.cluster, rhs.from, rhs.to)
    }

    /// `apps/frontend → apps/backend-api on 8080/TCP`.
    public var description: String { "\(from) → \(to) on \(ports)" }
}

/// The endpoints of one cluster, found in its rendered objects only.
public enum EndpointCatalog {
    /// Kinds whose pod template makes pods.
    static let workloadKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]

    /// The pod template of a workload object (`spec.template`, a CronJob's job template, a Pod itself).
    public static func podTemplate(_ object: ManifestObject) -> (labels: [String: String], spec: ManifestValue?)? {
        switch object.kind {
        case "Pod":
            return (object.labels, object.body["spec"])
        case "CronJob":
            let template = object.body["spec"]?["jobTemplate"]?["spec"]?["template"]
            return (template?["metadata"]?["labels"]?.stringMap ?? [:], template?["spec"])
        case _ where workloadKinds.contains(object.kind):
            let template = object.body["spec"]?["template"]
            return (template?["metadata"]?["labels"]?.stringMap ?? [:], template?["spec"])
        default:
            return nil
        }
    }

    /// Workloads, then selector-named pods no workload carries, then `namespace/*` for
    /// every namespace in sight, an outsider pod, and the outside world.
    public static func endpoints(_ cluster: RenderedCluster, policies: [ParsedNetworkPolicy]) -> [NetworkEndpoint] {
        var byID: [String: NetworkEndpoint] = [:]
        func add(_ endpoint: NetworkEndpoint) {
            var endpoint = endpoint
            if let existing = byID[endpoint.id], existing != endpoint {
                let suffix = endpoint.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                endpoint.name += "[\(suffix)]"
            }
            if byID[endpoint.id] == nil { byID[endpoint.id] = endpoint }
        }

        var namespaces = Set(cluster.objects(kind: "Namespace").map(\.name))
        var workloads: [NetworkEndpoint] = []
        for object in cluster.objects where workloadKinds.contains(object.kind) {
            guard let template = podTemplate(object), let namespace = object.namespace else { continue }
            var named: [String: Int] = [:]
            for container in (template.spec?["containers"]?.items ?? []) + (template.spec?["initContainers"]?.items ?? []) {
                for port in container["ports"]?.items ?? [] {
                    if let name = port["name"]?.string, let number = port["containerPort"]?.int { named[name] = number }
                }
            }
            workloads.append(NetworkEndpoint(namespace: namespace, name: object.name, labels: template.labels, kind: .workload, namedPorts: named))
            namespaces.insert(namespace)
        }
        workloads.sorted().forEach(add)

        // Selector-named pods.
        var selected: [NetworkEndpoint] = []
        func select(_ namespace: String, _ selector: LabelSelector) {
            namespaces.insert(namespace)
            guard !selector.isEverything, !selector.unreadable else { return }
            if workloads.contains(where: { $0.namespace == namespace && selector.matches($0.labels) }) { return }
            selected.append(NetworkEndpoint(namespace: namespace, name: displayName(selector.matchLabels), labels: selector.matchLabels, kind: .selected))
        }
        for policy in policies {
            select(policy.namespace, policy.podSelector)
            for rule in policy.ingress + policy.egress {
                for peer in rule.peers ?? [] {
                    guard case .pods(let namespaceSelector, let podSelector) = peer else { continue }
                    let pods = podSelector ?? .everything
                    if let namespaceSelector {
                        for namespace in namedNamespaces(namespaceSelector) { select(namespace, pods) }
                    } else {
                        select(policy.namespace, pods)
                    }
                }
            }
        }
        Set(selected).sorted().forEach(add)

        for namespace in namespaces.sorted() where namespace != NetworkEndpoint.outsiderNamespace {
            add(NetworkEndpoint(namespace: namespace, name: "*", labels: [:], kind: .namespace))
        }
        add(NetworkEndpoint(namespace: NetworkEndpoint.outsiderNamespace, name: "*", labels: [:], kind: .outsider))
        add(.external)
        return byID.values.sorted()
    }

    /// Namespaces a selector names by `kubernetes.io/metadata.name`.
    static func namedNamespaces(_ selector: LabelSelector) -> [String] {
        var names: [String] = []
        if let name = selector.matchLabels["kubernetes.io/metadata.name"] { names.append(name) }
        for requirement in selector.requirements where requirement.key == "kubernetes.io/metadata.name" && requirement.operator == .in {
            names += requirement.values
        }
        return names
    }

    /// A short name for selected pods: their `app.kubernetes.io/name` (or `k8s-app`, `app`).
    static func displayName(_ labels: [String: String]) -> String {
        for key in ["app.kubernetes.io/name", "k8s-app", "app"] { if let value = labels[key] { return value } }
        return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
