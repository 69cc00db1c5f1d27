import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// The reachability proof: for every cluster of galaxy, the connections that the
/// rendered NetworkPolicies allow (as built by `kubectl kustomize` and parsed back)
/// equal the connections the blueprint declares — no more, no less — for every
/// connection from or to a pod of the platform's own workloads (services, data
/// stores, tenants).
///
/// The expected graph is stated here from the blueprint, independently of the
/// translator's `ServiceGraph`.
@Suite struct ReachabilityTests {
    /// A party of the expected graph.
    enum Party: Hashable, CustomStringConvertible {
        case service(String), store(String), tenant(String), platform(String), stranger, external(String)

        var description: String {
            switch self {
            case .service(let name): "service/\(name)"
            case .store(let name): "store/\(name)"
            case .tenant(let id): "tenant/\(id)"
            case .platform(let name): "platform/\(name)"
            case .stranger: "stranger"
            case .external(let address): "external/\(address)"
            }
        }

        var isWorkload: Bool {
            switch self {
            case .service, .store, .tenant: true
            default: false
            }
        }
    }

    /// What the blueprint declares, in words: see the suite's documentation and docs/layout.md.
    static func declared(_ from: Party, _ to: Party, _ port: PortProtocol, blueprint: Blueprint, region: String) -> Bool {
        let stores = Dictionary(uniqueKeysWithValues: blueprint.dataStores(in: region).map { ($0.name, $0) })
        let tcp = port.transport == "TCP"
        switch (from, to) {
        case (_, .platform("dns")):
            return from.isWorkload && port.port == 53
        case (.service(let name), .service(let target)):
            guard let service = blueprint.service(name), let callee = blueprint.service(target) else { return false }
            return tcp && service.dependsOn.contains { $0.target == .service(target) && ($0.port ?? callee.port) == port.port }
        case (.service(let name), .store(let target)):
            guard let service = blueprint.service(name), let store = stores[target] else { return false }
            return tcp && service.dependsOn.contains { $0.target == .dataStore(target) && ($0.port ?? store.port) == port.port }
        case (.platform("ingress-controller"), .service(let name)):
            guard let service = blueprint.service(name) else { return false }
            return tcp && service.expose != nil && port.port == service.port
        case (.platform("prometheus"), .service(let name)):
            guard let service = blueprint.service(name) else { return false }
            return tcp && service.declaresMetrics && port.port == service.metricsPort
        case (.platform("prometheus"), .store(let name)):
            guard let store = stores[name] else { return false }
            let metrics = [DataStore.Kind.postgresql: 9187, .redis: 9121, .minio: 9000][store.kind]
            return tcp && port.port == metrics
        case (.service, .platform("tempo")):
            return tcp && [4317, 4318].contains(port.port)
        case (.store(let a), .store(let b)) where a == b:
            return true
        case (.tenant(let a), .tenant(let b)) where a == b:
            return true
        case (.platform("postgres-operator"), .store(let target)):
            return tcp && stores[target]?.kind == .postgresql && port.port == 8000
        // The API server and the region's object storage (backups) have no pod address and
        // are not known by address when rendering: PostgreSQL may reach the outside of the
        // pod network on the API's ports (443 is also the object storage's), nothing else.
        case (.store(let name), .external):
            return tcp && stores[name]?.kind == .postgresql && [443, 6443].contains(port.port)
        default:
            return false
        }
    }

    @Test func renderedPoliciesAllowExactlyTheDeclaredGraph() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let blueprint = loaded.view(scope.environment)
            var namespaces = GitOps.namespaceLabels(objects)
            namespaces["kube-system"] = [:]
            namespaces["default"] = [:]
            let evaluator = ReachabilityEvaluator(objects: objects, namespaceLabels: namespaces)

            // The universe: the services' pods as built (Deployments and the migration Job),
            // a pod in every data store and tenant namespace, the platform's pods the
            // graph names, a pod of an unrelated workload, and two outside addresses.
            var pods: [(Party, ReachabilityEvaluator.Endpoint)] = []
            for object in objects where ["Deployment", "Job"].contains(GitOps.kind(object)) {
                let template = object["spec"]?["template"]
                var ports: [String: PortProtocol] = [:]
                for container in template?["spec"]?["containers"]?.items ?? [] {
                    for port in container["ports"]?.items ?? [] {
                        if let name = port["name"]?.scalarText, case .int(let number) = port["containerPort"] { ports[name] = PortProtocol(number) }
                    }
                }
                let pod = ReachabilityEvaluator.Pod(name: GitOps.name(object), namespace: GitOps.namespace(object) ?? "",
                                                    labels: GitOps.labels(template?["metadata"]?["labels"]), namedPorts: ports)
                let service = GitOps.labels(template?["metadata"]?["labels"])[Labels.name] ?? ""
                pods.append((.service(service), .pod(pod)))
            }
            #expect(pods.count == blueprint.services.count + blueprint.services.filter(\.runsMigrations).count)
            for store in blueprint.dataStores(in: scope.region) {
                pods.append((.store(store.name), .pod(.init(name: "\(store.name)-0", namespace: "data-\(store.name)", labels: ["app": store.name]))))
            }
            for organization in blueprint.organizations where organization.homeRegion == scope.region {
                pods.append((.tenant(organization.id), .pod(.init(name: "workload", namespace: "tenant-\(organization.id)", labels: ["app": "anything"]))))
            }
            let platform: [(String, String, [String: String])] = [
                ("dns", "kube-system", ["k8s-app": "kube-dns"]),
                ("ingress-controller", "ingress-nginx", [Labels.name: "ingress-nginx", Labels.component: "controller"]),
                ("prometheus", "monitoring", [Labels.name: "prometheus"]),
                ("tempo", "monitoring", [Labels.name: "tempo"]),
                ("grafana", "monitoring", [Labels.name: "grafana"]),
                ("velero", "velero", [Labels.name: "velero"]),
                ("postgres-operator", "cnpg-system", [Labels.name: "cloudnative-pg"]),
                ("argocd-server", "argocd", [Labels.name: "argocd-server"]),
            ]
            for (name, namespace, labels) in platform {
                pods.append((.platform(name), .pod(.init(name: name, namespace: namespace, labels: labels))))
            }
            pods.append((.stranger, .pod(.init(name: "stranger", namespace: "default", labels: [Labels.name: "frontend"]))))
            pods.append((.external("kubernetes-api"), .external("203.0.113.10")))
            pods.append((.external("internet"), .external("198.51.100.7")))

            // Every port anything in the cluster uses, plus a few nobody should reach.
            var probe: Set<PortProtocol> = [PortProtocol(53, "UDP"), PortProtocol(53), PortProtocol(22), PortProtocol(80), PortProtocol(443),
                                            PortProtocol(6443), PortProtocol(8000), PortProtocol(4317), PortProtocol(4318), PortProtocol(10250),
                                            PortProtocol(9443), PortProtocol(8443), PortProtocol(3000), PortProtocol(9187), PortProtocol(9121), PortProtocol(12345), PortProtocol(5432, "UDP")]
            for service in blueprint.services {
                probe.insert(PortProtocol(service.port))
                probe.insert(PortProtocol(service.metricsPort))
                for dependency in service.dependsOn { if let port = dependency.port { probe.insert(PortProtocol(port)) } }
            }
            for store in blueprint.dataStores { probe.insert(PortProtocol(store.port)) }

            var mismatches: [String] = []
            var allowedCount = 0
            for (fromParty, from) in pods {
                for (toParty, to) in pods where fromParty.isWorkload || toParty.isWorkload {
                    if case .external = fromParty, case .external = toParty { continue }
                    if from == to { continue }
                    for port in probe.sorted() {
                        let allowed = evaluator.allows(from: from, to: to, port: port)
                        let expected = Self.declared(fromParty, toParty, port, blueprint: blueprint, region: scope.region)
                        if allowed { allowedCount += 1 }
                        if allowed != expected {
                            mismatches.append("\(scope.name): \(from) -> \(to) on \(port): policies \(allowed ? "allow" : "deny"), blueprint \(expected ? "declares it" : "does not")")
                        }
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) differences:\n\(mismatches.prefix(40).joined(separator: "\n"))")
            #expect(allowedCount > 20, "\(scope.name): the proof allowed only \(allowedCount) connections")
        }
    }

    /// Every namespace of a cluster has a default-deny policy: both ways where
    /// workloads run, ingress in platform namespaces.
    @Test func everyNamespaceDeniesByDefault() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let policies = objects.filter { GitOps.kind($0) == "NetworkPolicy" }
            for namespace in objects where GitOps.kind(namespace) == "Namespace" {
                let name = GitOps.name(namespace)
                let denies = policies.filter {
                    GitOps.namespace($0) == name && $0["spec"]?["podSelector"]?.pairs.isEmpty == true
                        && $0["spec"]?["ingress"] == nil && $0["spec"]?["egress"] == nil
                }
                let types = Set(denies.flatMap { $0["spec"]?["policyTypes"]?.items.compactMap(\.scalarText) ?? [] })
                let workload = GitOps.labels(namespace["metadata"]?["labels"])[Labels.isolationReady] == "true"
                #expect(types.contains("Ingress"), "\(scope.name): namespace \(name) has no default deny")
                if workload { #expect(types.contains("Egress"), "\(scope.name): workload namespace \(name) does not deny egress") }
            }
        }
    }

    // MARK: The evaluator's semantics on small cases

    static func policy(_ yaml: String) throws -> [YAMLNode] { try GitOps.documents(yaml) }

    @Test func evaluatorFollowsTheNetworkPolicyAPI() throws {
        let objects = try Self.policy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: db, namespace: data}
            spec:
              podSelector: {matchLabels: {role: db}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {team: a}}
                  podSelector: {matchExpressions: [{key: tier, operator: In, values: [api]}]}
                ports: [{port: 5432}]
              - from: [{podSelector: {}}]
                ports: [{port: metrics}, {port: 7000, endPort: 7002, protocol: UDP}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: a}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
              - to: [{namespaceSelector: {}}]
                ports: [{port: 5432}]
            """)
        let evaluator = ReachabilityEvaluator(objects: objects, namespaceLabels: ["a": ["team": "a"], "b": ["team": "b"], "data": [:]])
        let db = ReachabilityEvaluator.Endpoint.pod(.init(name: "db", namespace: "data", labels: ["role": "db"], namedPorts: ["metrics": PortProtocol(9187)]))
        let cache = ReachabilityEvaluator.Endpoint.pod(.init(name: "cache", namespace: "data", labels: ["role": "cache"]))
        let api = ReachabilityEvaluator.Endpoint.pod(.init(name: "api", namespace: "a", labels: ["tier": "api"]))
        let web = ReachabilityEvaluator.Endpoint.pod(.init(name: "web", namespace: "a", labels: ["tier": "web"]))
        let other = ReachabilityEvaluator.Endpoint.pod(.init(name: "api", namespace: "b", labels: ["tier": "api"]))
        #expect(evaluator.allows(from: api, to: db, port: PortProtocol(5432)))
        #expect(!evaluator.allows(from: api, to: db, port: PortProtocol(5433)))
        #expect(!evaluator.allows(from: web, to: db, port: PortProtocol(5432)), "both selectors must match")
        #expect(!evaluator.allows(from: other, to: db, port: PortProtocol(5432)), "namespace selector")
        #expect(evaluator.allows(from: cache, to: db, port: PortProtocol(9187)), "named port")
        #expect(!evaluator.allows(from: cache, to: db, port: PortProtocol(9188)))
        #expect(evaluator.allows(from: cache, to: db, port: PortProtocol(7001, "UDP")), "port range")
        #expect(!evaluator.allows(from: cache, to: db, port: PortProtocol(7001)), "protocol")
        #expect(!evaluator.allows(from: api, to: db, port: PortProtocol(9187)), "podSelector alone is the policy's namespace")
        #expect(evaluator.allows(from: db, to: cache, port: PortProtocol(1)), "cache is not isolated")
        #expect(!evaluator.allows(from: api, to: cache, port: PortProtocol(6379)), "egress of namespace a is isolated")
        #expect(evaluator.allows(from: api, to: .external("10.2.3.4"), port: PortProtocol(443)))
        #expect(!evaluator.allows(from: api, to: .external("10.1.3.4"), port: PortProtocol(443)), "except")
        #expect(!evaluator.allows(from: api, to: .external("192.168.1.1"), port: PortProtocol(443)))
        #expect(evaluator.allows(from: other, to: api, port: PortProtocol(80)), "no ingress policy in a")
    }
}
