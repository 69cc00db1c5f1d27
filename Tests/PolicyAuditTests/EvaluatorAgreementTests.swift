import Foundation
@testable import PolicyAudit
import Renderer
import Templates
import Testing

/// Two NetworkPolicy evaluators written apart must agree: the audit's (port sets, and
/// which policies opened each connection, as the diff and the evidence need) and the
/// GitOps tree's `ReachabilityEvaluator` (one port at a time). On every cluster of the
/// example, for every pair of endpoints and every port any policy names (plus ports no
/// policy names), both give the same answer.
@Suite struct EvaluatorAgreementTests {
    /// The rendered objects as Renderer trees, for the GitOps tree's evaluator.
    static func node(_ value: ManifestValue) -> YAMLNode {
        switch value.shape {
        case .null: return .null
        case .scalar(let text): return Int(text).map { .int($0) } ?? .string(text)
        case .sequence(let items): return .sequence(items.map(node))
        case .mapping(let entries): return .mapping(entries.map { YAMLNode.Pair($0.key, node($0.value)) })
        }
    }

    @Test func bothEvaluatorsAgreeOnTheExample() throws {
        let subject = try Galaxy.load()
        let clusters = try subject.tree.clusters()
        var queries = 0
        for rendered in clusters {
            let cluster = try #require(subject.model.cluster(rendered.name))
            let theirs = ReachabilityEvaluator(objects: rendered.objects.map { Self.node($0.body) }, namespaceLabels: rendered.namespaceLabels)
            var ports: Set<PortProtocol> = [PortProtocol(1), PortProtocol(12345), PortProtocol(53, "UDP"), PortProtocol(65535, "UDP")]
            for policy in cluster.networkPolicies {
                for rule in policy.ingress + policy.egress {
                    for entry in rule.ports {
                        if let port = entry.port.flatMap(Int.init) { ports.insert(PortProtocol(port, entry.transport)) }
                    }
                }
            }
            for endpoint in cluster.endpoints { for (_, port) in endpoint.namedPorts { ports.insert(PortProtocol(port)) } }
            func theirEndpoint(_ endpoint: NetworkEndpoint) -> ReachabilityEvaluator.Endpoint {
                guard let namespace = endpoint.namespace else { return .external("203.0.113.10") }
                return .pod(.init(name: endpoint.name, namespace: namespace, labels: endpoint.labels,
                                  namedPorts: endpoint.namedPorts.mapValues { PortProtocol($0) }))
            }
            let mine = NetworkPolicyEvaluator(policies: cluster.networkPolicies, namespaceLabels: rendered.namespaceLabels)
            var disagreements: [String] = []
            for from in cluster.endpoints {
                for to in cluster.endpoints where !(from.kind == .external && to.kind == .external) {
                    let allowed = mine.allowed(from: from, to: to).ports
                    for port in ports.sorted() {
                        queries += 1
                        let ours = !allowed.intersection(.ports([(port.port, port.transport)])).isEmpty
                        let theirsSay = theirs.allows(from: theirEndpoint(from), to: theirEndpoint(to), port: port)
                        if ours != theirsSay { disagreements.append("\(rendered.name): \(from.id) → \(to.id) on \(port): audit \(ours), GitOps \(theirsSay)") }
                    }
                }
            }
            #expect(disagreements.isEmpty, "\(disagreements.prefix(20).joined(separator: "\n"))")
        }
        #expect(queries > 10_000)
        print("evaluators agree on \(queries) (pair, port) queries over \(clusters.count) clusters")
    }
}
