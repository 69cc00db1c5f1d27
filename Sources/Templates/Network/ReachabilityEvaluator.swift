import Renderer

/// Computes which connections a set of Kubernetes NetworkPolicies allows, with the
/// semantics of the `networking.k8s.io/v1` API:
///
/// - a pod is isolated for ingress (egress) when some policy in its namespace selects
///   it (`podSelector`) and lists `Ingress` (`Egress`) in `policyTypes` (a policy
///   without `policyTypes` is an ingress policy, plus egress when it has `egress` rules);
/// - an isolated pod accepts (opens) a connection when any selecting policy has a
///   rule whose peers match the other side (no `from`/`to`: any peer) and whose ports
///   match (no `ports`: any port); `port` may be a number or a container port name,
///   `endPort` makes a range, `protocol` defaults to TCP;
/// - a peer's `podSelector` alone selects pods of the policy's namespace,
///   `namespaceSelector` alone every pod of the matching namespaces, both together
///   pods matching both; selectors use `matchLabels` and `matchExpressions`
///   (`In`, `NotIn`, `Exists`, `DoesNotExist`);
/// - a connection needs the sender's egress and the receiver's ingress.
///
/// `ipBlock` peers are evaluated as the outside of the pod network only: the
/// evaluator does not know pod addresses, so a pod is never matched by an `ipBlock`
/// (some network plugins do match pod addresses against `ipBlock`s; scaffold's
/// allowlists use an `ipBlock` only towards the Kubernetes API).
///
/// It reads parsed objects (any YAML, not only scaffold's output), so the audit of a
/// live cluster's policies can reuse it.
public struct ReachabilityEvaluator: Sendable {
    /// A pod: where it runs, its labels, and its container ports by name.
    public struct Pod: Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public var namespace: String
        public var labels: [String: String]
        public var namedPorts: [String: PortProtocol]

        public init(name: String, namespace: String, labels: [String: String], namedPorts: [String: PortProtocol] = [:]) {
            self.name = name
            self.namespace = namespace
            self.labels = labels
            self.namedPorts = namedPorts
        }

        public var description: String { "\(namespace)/\(name)" }
    }

    /// A party: a pod, or an address outside the pod network.
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        case pod(Pod)
        case external(String)

        public var description: String {
            switch self {
            case .pod(let pod): pod.description
            case .external(let address): "external/\(address)"
            }
        }
    }

    struct Rule: Sendable {
        /// nil: any peer.
        var peers: [YAMLNode]?
        /// nil: any port.
        var ports: [YAMLNode]?
    }

    struct Policy: Sendable {
        var name: String
        var namespace: String
        var podSelector: YAMLNode
        var ingress: [Rule]?
        var egress: [Rule]?
    }

    var policies: [Policy]
    /// Namespace labels by namespace name.
    public var namespaceLabels: [String: [String: String]]

    /// - Parameters:
    ///   - objects: parsed objects; everything but NetworkPolicies is ignored.
    ///   - namespaceLabels: the labels of each namespace (`kubernetes.io/metadata.name`
    ///     is added when missing, as the API server does).
    public init(objects: [YAMLNode], namespaceLabels: [String: [String: String]]) {
        var labels = namespaceLabels
        for (name, var values) in labels where values["kubernetes.io/metadata.name"] == nil {
            values["kubernetes.io/metadata.name"] = name
            labels[name] = values
        }
        self.namespaceLabels = labels
        policies = objects.compactMap { object in
            guard object["kind"]?.scalarText == "NetworkPolicy", let spec = object["spec"] else { return nil }
            let namespace = object["metadata"]?["namespace"]?.scalarText ?? "default"
            let types = spec["policyTypes"]?.items.compactMap(\.scalarText)
            let hasIngress = types.map { $0.contains("Ingress") } ?? true
            let hasEgress = types.map { $0.contains("Egress") } ?? (spec["egress"] != nil)
            func rules(_ key: String, _ peerKey: String) -> [Rule] {
                (spec[key]?.items ?? []).map { rule in
                    let peers = rule[peerKey].flatMap { node -> [YAMLNode]? in
                        if case .null = node { return nil }
                        let items = node.items
                        return items.isEmpty ? nil : items
                    }
                    let ports = rule["ports"].flatMap { node -> [YAMLNode]? in
                        let items = node.items
                        return items.isEmpty ? nil : items
                    }
                    return Rule(peers: peers, ports: ports)
                }
            }
            return Policy(
                name: object["metadata"]?["name"]?.scalarText ?? "",
                namespace: namespace,
                podSelector: spec["podSelector"] ?? .mapping([]),
                ingress: hasIngress ? rules("ingress", "from") : nil,
                egress: hasEgress ? rules("egress", "to") : nil)
        }
    }

    /// Whether `source` may open a connection to `destination` on `port`.
    public func allows(from source: Endpoint, to destination: Endpoint, port: PortProtocol) -> Bool {
        egressAllows(source, destination, port) && ingressAllows(source, destination, port)
    }

    /// The policies that select a pod, in one direction (nil: the pod is not isolated).
    func selecting(_ pod: Pod, ingress: Bool) -> [[Rule]]? {
        let applicable = policies.filter { policy in
            policy.namespace == pod.namespace && (ingress ? policy.ingress != nil : policy.egress != nil)
                && Self.selector(policy.podSelector, matches: pod.labels)
        }
        if applicable.isEmpty { return nil }
        return applicable.map { ingress ? $0.ingress! : $0.egress! }
    }

    func egressAllows(_ source: Endpoint, _ destination: Endpoint, _ port: PortProtocol) -> Bool {
        guard case .pod(let pod) = source else { return true }
        guard let ruleSets = selecting(pod, ingress: false) else { return true }
        let policyNamespace = pod.namespace
        return ruleSets.contains { rules in
            rules.contains { rule in
                peersMatch(rule.peers, other: destination, policyNamespace: policyNamespace)
                    && portsMatch(rule.ports, port: port, destination: destination)
            }
        }
    }

    func ingressAllows(_ source: Endpoint, _ destination: Endpoint, _ port: PortProtocol) -> Bool {
        guard case .pod(let pod) = destination else { return true }
        guard let ruleSets = selecting(pod, ingress: true) else { return true }
        return ruleSets.contains { rules in
            rules.contains { rule in
                peersMatch(rule.peers, other: source, policyNamespace: pod.namespace)
                    && portsMatch(rule.ports, port: port, destination: destination)
            }
        }
    }

    func peersMatch(_ peers: [YAMLNode]?, other: Endpoint, policyNamespace: String) -> Bool {
        guard let peers else { return true }
        return peers.contains { peer in
            if let block = peer["ipBlock"] {
                guard case .external(let address) = other, let cidr = block["cidr"]?.scalarText else { return false }
                let excepted = block["except"]?.items.compactMap(\.scalarText) ?? []
                return IPv4CIDR(cidr)?.contains(address) == true && !excepted.contains { IPv4CIDR($0)?.contains(address) == true }
            }
            guard case .pod(let pod) = other else { return false }
            let namespaceSelector = peer["namespaceSelector"]
            let podSelector = peer["podSelector"]
            if namespaceSelector == nil && podSelector == nil { return false }
            if let namespaceSelector {
                guard Self.selector(namespaceSelector, matches: namespaceLabels[pod.namespace] ?? ["kubernetes.io/metadata.name": pod.namespace]) else {
                    return false
                }
            } else if pod.namespace != policyNamespace {
                return false
            }
            if let podSelector { return Self.selector(podSelector, matches: pod.labels) }
            return true
        }
    }

    func portsMatch(_ ports: [YAMLNode]?, port: PortProtocol, destination: Endpoint) -> Bool {
        guard let ports else { return true }
        return ports.contains { entry in
            let transport = entry["protocol"]?.scalarText ?? "TCP"
            guard transport == port.transport else { return false }
            guard let value = entry["port"] else { return true }
            if case .int(let number) = value {
                if let end = entry["endPort"], case .int(let last) = end { return (number...last).contains(port.port) }
                return number == port.port
            }
            guard let text = value.scalarText else { return false }
            if let number = Int(text) { return number == port.port }
            // A named port: the destination pod's container port of that name.
            guard case .pod(let pod) = destination, let named = pod.namedPorts[text] else { return false }
            return named == port
        }
    }

    /// Label selector semantics (`{}` selects everything).
    public static func selector(_ selector: YAMLNode, matches labels: [String: String]) -> Bool {
        for pair in selector["matchLabels"]?.pairs ?? [] where labels[pair.key] != pair.value.scalarText {
            return false
        }
        for expression in selector["matchExpressions"]?.items ?? [] {
            guard let key = expression["key"]?.scalarText, let op = expression["operator"]?.scalarText else { return false }
            let values = expression["values"]?.items.compactMap(\.scalarText) ?? []
            let value = labels[key]
            switch op {
            case "In": if value == nil || !values.contains(value!) { return false }
            case "NotIn": if let value, values.contains(value) { return false }
            case "Exists": if value == nil { return false }
            case "DoesNotExist": if value != nil { return false }
            default: return false
            }
        }
        return true
    }
}

/// An IPv4 CIDR block.
struct IPv4CIDR {
    var network: UInt32
    var mask: UInt32

    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits), let address = Self.parse(String(parts[0])) else { return nil }
        mask = bits == 0 ? 0 : UInt32.max << UInt32(32 - bits)
        network = address & mask
    }

    func contains(_ address: String) -> Bool {
        guard let value = Self.parse(address) else { return false }
        return value & mask == network
    }

    static func parse(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1 }
    }
}
