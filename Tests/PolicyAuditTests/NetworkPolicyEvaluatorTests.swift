import Foundation
@testable import PolicyAudit
import Testing

/// NetworkPolicy semantics on hand-written objects: isolation per direction, peers by
/// pod and namespace selector, ports (named, ranges), address blocks.
@Suite struct NetworkPolicyEvaluatorTests {
    static func policies(_ yaml: String) throws -> [ParsedNetworkPolicy] {
        try ManifestReader.objects(yaml, file: "test.yaml").compactMap(ParsedNetworkPolicy.init)
    }

    static let web = NetworkEndpoint(namespace: "shop", name: "web", labels: ["app": "web"], kind: .workload, namedPorts: ["http": 8080])
    static let api = NetworkEndpoint(namespace: "shop", name: "api", labels: ["app": "api"], kind: .workload, namedPorts: ["http": 9000])
    static let db = NetworkEndpoint(namespace: "db", name: "*", labels: [:], kind: .namespace)
    static let stranger = NetworkEndpoint(namespace: "default", name: "*", labels: [:], kind: .outsider)

    static let yaml = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: shop}
        spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Egress]
          egress:
            - to: [{podSelector: {matchLabels: {app: api}}}]
              ports: [{port: http}]
            - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: db}}}]
              ports: [{port: 5432, endPort: 5433}]
            - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
              ports: [{port: 443}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: api, namespace: shop}
        spec:
          podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}
          policyTypes: [Ingress]
          ingress:
            - from: [{podSelector: {matchLabels: {app: web}}}]
              ports: [{port: http}, {port: 9100, protocol: TCP}]
        """

    @Test func bothSidesMustAllow() throws {
        let evaluator = NetworkPolicyEvaluator(policies: try Self.policies(Self.yaml), namespaceLabels: [:])
        // web → api: web's egress names `http` (resolved on the target: 9000); api's ingress allows http and 9100.
        #expect(evaluator.allowed(from: Self.web, to: Self.api).ports == .ports([(9000, "TCP")]))
        // api → web: api's egress is closed by default-deny.
        #expect(evaluator.allowed(from: Self.api, to: Self.web).ports.isEmpty)
        // web → db: the database namespace has no policy, so its ingress is open; web's egress opens a range.
        #expect(evaluator.allowed(from: Self.web, to: Self.db).ports == PortSet(ranges: [.init("TCP", 5432, 5433)]))
        // web → the internet on 443 only.
        #expect(evaluator.allowed(from: Self.web, to: .external).ports == .ports([(443, "TCP")]))
        // A pod elsewhere cannot reach api; the database namespace is open to anyone.
        #expect(evaluator.allowed(from: Self.stranger, to: Self.api).ports.isEmpty)
        #expect(evaluator.allowed(from: Self.stranger, to: Self.db).ports == .all)
        let verdict = evaluator.allowed(from: Self.web, to: Self.api)
        #expect(verdict.egress.allowedBy == ["shop/web"] && verdict.ingress.allowedBy == ["shop/api"])
    }

    @Test func anAllowEverythingRuleOpensEverything() throws {
        let open = Self.yaml + """

            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: oops, namespace: shop}
            spec:
              podSelector: {}
              ingress: [{}]
            """
        let evaluator = NetworkPolicyEvaluator(policies: try Self.policies(open), namespaceLabels: [:])
        #expect(evaluator.allowed(from: Self.stranger, to: Self.api).ports == .all)
        #expect(evaluator.allowed(from: .external, to: Self.web).ports == .all)
    }

    @Test func portSetArithmetic() {
        let a = PortSet(ranges: [.init("TCP", 1, 100), .init("UDP", 53, 53)])
        let b = PortSet.ports([(80, "TCP"), (53, "UDP"), (443, "TCP")])
        #expect(a.intersection(b) == .ports([(80, "TCP"), (53, "UDP")]))
        #expect(b.subtracting(a) == .ports([(443, "TCP")]))
        #expect(a.subtracting(.ports([(50, "TCP")])).description == "1-49/TCP, 51-100/TCP, 53/UDP")
        #expect(PortSet.all.description == "any port")
        #expect(PortSet.ports([(8080, "TCP")]).isSubset(of: .all) && !PortSet.all.isSubset(of: b))
        #expect(PortSet.ports([(1, "TCP"), (2, "TCP"), (3, "TCP")]).ranges == [.init("TCP", 1, 3)], "adjacent ports merge")
    }
}
