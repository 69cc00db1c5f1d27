/// A NetworkPolicy read back from rendered YAML.
public struct ParsedNetworkPolicy: Sendable, Equatable {
    public enum Direction: String, Sendable, Hashable, Codable { case ingress = "Ingress", egress = "Egress" }

    /// One `from`/`to` entry.
    public enum Peer: Sendable, Equatable {
        /// Pods chosen by selectors; a nil namespace selector means the policy's own namespace.
        case pods(namespaces: LabelSelector?, pods: LabelSelector?)
        /// An address block: taken to address endpoints outside the pod network, as the
        /// NetworkPolicy API recommends (pod addresses inside a wide block are
        /// implementation-defined and not modelled).
        case ipBlock(cidr: String, except: [String])
    }

    /// One ingress or egress rule: nil peers means every peer.
    public struct Rule: Sendable, Equatable {
        public var peers: [Peer]?
        public var ports: [PortEntry]
    }

    /// One `ports` entry, kept as written until the target is known (named ports).
    public struct PortEntry: Sendable, Equatable {
        public var transport: String
        /// A number, a name, or nil for every port of the protocol.
        public var port: String?
        public var endPort: Int?
    }

    public var namespace: String
    public var name: String
    public var podSelector: LabelSelector
    public var directions: Set<Direction>
    public var ingress: [Rule]
    public var egress: [Rule]
    public var location: RenderedLocation

    /// `namespace/name`.
    public var reference: String { "\(namespace)/\(name)" }

    /// Reads a NetworkPolicy object.
    public init?(_ object: ManifestObject) {
        guard object.kind == "NetworkPolicy", object.group == "networking.k8s.io" else { return nil }
        let spec = object.body["spec"]
        namespace = object.namespace ?? "default"
        name = object.name
        location = object.location
        podSelector = LabelSelector(spec?["podSelector"])
        ingress = (spec?["ingress"]?.items ?? []).map { Self.rule($0, peerKey: "from") }
        egress = (spec?["egress"]?.items ?? []).map { Self.rule($0, peerKey: "to") }
        if let types = spec?["policyTypes"]?.strings, !types.isEmpty {
            directions = Set(types.compactMap(Direction.init))
        } else {
            // The API's default: Ingress always, Egress when egress rules are present.
            directions = spec?["egress"] == nil ? [.ingress] : [.ingress, .egress]
        }
    }

    static func rule(_ value: ManifestValue, peerKey: String) -> Rule {
        let peerItems = value[peerKey]?.items ?? []
        let peers: [Peer]? = peerItems.isEmpty ? nil : peerItems.map { item in
            if let block = item["ipBlock"] {
                return .ipBlock(cidr: block["cidr"]?.string ?? "", except: block["except"]?.strings ?? [])
            }
            return .pods(namespaces: item["namespaceSelector"].map { LabelSelector($0) },
                         pods: item["podSelector"].map { LabelSelector($0) })
        }
        let ports = (value["ports"]?.items ?? []).map { entry in
            PortEntry(transport: entry["protocol"]?.string ?? "TCP", port: entry["port"]?.string, endPort: entry["endPort"]?.int)
        }
        return Rule(peers: peers, ports: ports)
    }
}

/// Which endpoints may open connections to which, on which ports, under a set of
/// NetworkPolicies: the Kubernetes semantics (a pod selected by no policy of a
/// direction is open in that direction; otherwise the union of the selecting
/// policies' rules), evaluated on both sides of every connection.
public struct NetworkPolicyEvaluator: Sendable {
    public var policies: [ParsedNetworkPolicy]
    /// Labels by namespace name (namespaces not listed carry only their name label).
    public var namespaceLabels: [String: [String: String]]

    public init(policies: [ParsedNetworkPolicy], namespaceLabels: [String: [String: String]]) {
        self.policies = policies
        self.namespaceLabels = namespaceLabels
    }

    /// What one direction allows, and which policies allowed it.
    public struct Verdict: Sendable, Equatable {
        public var ports: PortSet
        /// The policies whose rules opened the ports (empty when no policy isolates that side).
        public var allowedBy: [String]
        /// Whether any policy isolates this side.
        public var isolated: Bool
    }

    public func labels(ofNamespace name: String) -> [String: String] {
        namespaceLabels[name] ?? ["kubernetes.io/metadata.name": name]
    }

    /// The policies of a direction that select an endpoint.
    public func selecting(_ endpoint: NetworkEndpoint, _ direction: ParsedNetworkPolicy.Direction) -> [ParsedNetworkPolicy] {
        guard let namespace = endpoint.namespace else { return [] }
        return policies.filter {
            $0.namespace == namespace && $0.directions.contains(direction) && $0.podSelector.matches(endpoint.labels)
        }
    }

    /// What `from`'s egress allows towards `to`.
    public func egress(from: NetworkEndpoint, to: NetworkEndpoint) -> Verdict {
        verdict(selecting(from, .egress), rules: \.egress, peer: to, target: to)
    }

    /// What `to`'s ingress allows from `from`.
    public func ingress(from: NetworkEndpoint, to: NetworkEndpoint) -> Verdict {
        verdict(selecting(to, .ingress), rules: \.ingress, peer: from, target: to)
    }

    /// The ports on which `from` may connect to `to`: both sides must allow them.
    public func allowed(from: NetworkEndpoint, to: NetworkEndpoint) -> (ports: PortSet, egress: Verdict, ingress: Verdict) {
        let egress = egress(from: from, to: to)
        let ingress = ingress(from: from, to: to)
        return (egress.ports.intersection(ingress.ports), egress, ingress)
    }

    /// Every allowed connection between the endpoints (an endpoint to itself included:
    /// pods of one workload talking to each other).
    public func connections(among endpoints: [NetworkEndpoint], cluster: String) -> [NetworkConnection] {
        var result: [NetworkConnection] = []
        for from in endpoints {
            for to in endpoints {
                if from.kind == .external && to.kind == .external { continue }
                let verdict = allowed(from: from, to: to)
                guard !verdict.ports.isEmpty else { continue }
                result.append(NetworkConnection(
                    cluster: cluster, from: from.id, to: to.id, ports: verdict.ports,
                    egressPolicies: verdict.egress.allowedBy, ingressPolicies: verdict.ingress.allowedBy))
            }
        }
        return result.sorted()
    }

    private func verdict(_ selecting: [ParsedNetworkPolicy], rules: KeyPath<ParsedNetworkPolicy, [ParsedNetworkPolicy.Rule]>,
                         peer: NetworkEndpoint, target: NetworkEndpoint) -> Verdict {
        guard !selecting.isEmpty else { return Verdict(ports: .all, allowedBy: [], isolated: false) }
        var ports = PortSet.none
        var allowedBy: [String] = []
        for policy in selecting {
            var opened = false
            for rule in policy[keyPath: rules] where matches(rule, peer, policyNamespace: policy.namespace) {
                let rulePorts = portSet(rule.ports, target: target)
                if !rulePorts.isEmpty {
                    ports = ports.union(rulePorts)
                    opened = true
                }
            }
            if opened { allowedBy.append(policy.reference) }
        }
        return Verdict(ports: ports, allowedBy: allowedBy.sorted(), isolated: true)
    }

    func matches(_ rule: ParsedNetworkPolicy.Rule, _ endpoint: NetworkEndpoint, policyNamespace: String) -> Bool {
        guard let peers = rule.peers else { return true }
        return peers.contains { matches($0, endpoint, policyNamespace: policyNamespace) }
    }

    func matches(_ peer: ParsedNetworkPolicy.Peer, _ endpoint: NetworkEndpoint, policyNamespace: String) -> Bool {
        switch peer {
        case .ipBlock:
            return endpoint.kind == .external
        case .pods(let namespaces, let pods):
            guard let namespace = endpoint.namespace else { return false }
            if let namespaces {
                guard namespaces.matches(labels(ofNamespace: namespace)) else { return false }
            } else if namespace != policyNamespace {
                return false
            }
            return (pods ?? .everything).matches(endpoint.labels)
        }
    }

    /// The ports of a rule (no entry: every port), named ports resolved against the
    /// target's container ports when the target is a rendered workload.
    func portSet(_ entries: [ParsedNetworkPolicy.PortEntry], target: NetworkEndpoint) -> PortSet {
        guard !entries.isEmpty else { return .all }
        var ranges: [PortSet.Range] = []
        var names: [PortSet.Named] = []
        for entry in entries {
            guard let port = entry.port else {
                ranges.append(PortSet.Range(entry.transport, 1, PortSet.maxPort))
                continue
            }
            if let number = Int(port) {
                ranges.append(PortSet.Range(entry.transport, number, max(number, entry.endPort ?? number)))
            } else if let number = target.namedPorts[port] {
                ranges.append(PortSet.Range(entry.transport, number, number))
            } else {
                names.append(PortSet.Named(transport: entry.transport, name: port))
            }
        }
        return PortSet(ranges: ranges, names: names)
    }
}
