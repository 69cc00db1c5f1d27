import BlueprintModel
import Renderer

/// The namespaces of a cluster and the well-known pods the service graph talks to.
///
/// Workload namespaces (`apps`, one `data-<store>` per data store, the tenants'
/// `tenant-<org>`) are isolated both ways: default deny, then allowlists derived from
/// the blueprint. Platform namespaces hold upstream charts' controllers: ingress is
/// denied by default and opened per component; egress stays open because their
/// controllers talk to the Kubernetes API and to registries and repositories outside
/// the cluster.
public enum ClusterNamespaces {
    public static let apps = "apps"
    public static let argocd = "argocd"
    public static let ingressNginx = "ingress-nginx"
    public static let externalSecrets = "external-secrets"
    public static let certManager = "cert-manager"
    public static let kyverno = "kyverno"
    public static let monitoring = "monitoring"
    public static let velero = "velero"
    public static let postgresOperator = "cnpg-system"
    public static let dns = "kube-system"
    /// Supabase (`components.supabase`): a workload namespace, not a platform one.
    public static let supabase = "supabase"

    /// The namespace of a data store.
    public static func dataStore(_ name: String) -> String { "data-\(name)" }

    /// Namespaces the Kubernetes distribution owns; policies never apply there.
    public static let system = ["kube-node-lease", "kube-public", "kube-system"]

    /// The platform namespaces of a cluster, sorted.
    public static func platform(_ context: ClusterContext) -> [String] {
        var names = Set(PlatformComponent.installed(in: context).filter { $0 != .supabase }.map(\.namespace))
        if SecretStores.provider(context) == .kubernetes { names.insert(SecretStores.clusterStoreNamespace) }
        return names.sorted()
    }

    /// The workload namespaces scaffold creates (tenants excluded: `TenantNamespaces` owns them), sorted.
    public static func workloads(_ context: ClusterContext) -> [String] {
        var names = context.dataStores.map { dataStore($0.name) }
        if !context.services.isEmpty { names.append(apps) }
        if context.supabase != nil { names.append(supabase) }
        return names.sorted()
    }

    /// `cluster/base/<scope>/namespaces.yaml`: every namespace but the tenants'.
    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        let platformNames = platform(context)
        let workloadNames = workloads(context)
        return (platformNames + workloadNames).sorted().map { name in
            var labels = context.labels(name: name, component: "namespace")
            labels["kubernetes.io/metadata.name"] = name
            let isWorkload = workloadNames.contains(name)
            if isWorkload {
                // Default deny and allowlists are in place (network/…): workloads may run here.
                labels[Labels.isolationReady] = "true"
                labels[PolicyScope.label] = name == apps ? PolicyScope.restricted : PolicyScope.baseline
            }
            // Upstream charts' node exporters and backup agents need host access: only
            // workload namespaces get the restricted Pod Security level.
            let level = name == apps || name == SecretStores.clusterStoreNamespace ? "restricted" : isWorkload ? "baseline" : "privileged"
            labels["pod-security.kubernetes.io/enforce"] = level
            labels["pod-security.kubernetes.io/enforce-version"] = "latest"
            return K8s.object("v1", "Namespace", name: name, labels: labels,
                              annotations: SyncWave.annotations(SyncWave.namespaces, options: [SyncWave.noPrune]))
        }
    }
}

/// Which Kyverno policies a namespace is held to (label `scaffold.dev/policy-scope`).
/// `restricted`: everything (digests, signatures, labels, non-root, limits) — the
/// services and the tenants. `baseline`: the host-access, isolation and residency
/// rules — data stores run upstream charts whose images are pinned by chart version.
public enum PolicyScope {
    public static let label = "scaffold.dev/policy-scope"
    public static let restricted = "restricted"
    public static let baseline = "baseline"
}

/// A pod the service graph talks to that scaffold does not build itself: upstream
/// charts' controllers and the cluster DNS. Namespace and pod labels are the ones
/// those charts set.
public enum PlatformPeer: String, CaseIterable, Sendable, Comparable {
    case dns
    case ingressController = "ingress-controller"
    case prometheus
    case tempo
    case velero
    case postgresOperator = "postgres-operator"
    /// Every pod of Supabase's release.
    case supabase
    /// Supabase's Kong gateway, the only pod the ingress controller reaches.
    case supabaseGateway = "supabase-gateway"

    public var namespace: String {
        switch self {
        case .dns: ClusterNamespaces.dns
        case .ingressController: ClusterNamespaces.ingressNginx
        case .prometheus, .tempo: ClusterNamespaces.monitoring
        case .velero: ClusterNamespaces.velero
        case .postgresOperator: ClusterNamespaces.postgresOperator
        case .supabase, .supabaseGateway: ClusterNamespaces.supabase
        }
    }

    public var podLabels: [String: String] {
        switch self {
        case .dns: ["k8s-app": "kube-dns"]
        case .ingressController: [Labels.name: "ingress-nginx", Labels.component: "controller"]
        case .prometheus: [Labels.name: "prometheus"]
        case .tempo: [Labels.name: "tempo"]
        case .velero: [Labels.name: "velero"]
        case .postgresOperator: [Labels.name: "cloudnative-pg"]
        case .supabase: [Labels.instance: PlatformComponent.supabase.rawValue]
        case .supabaseGateway: [Labels.name: "supabase-kong", Labels.instance: PlatformComponent.supabase.rawValue]
        }
    }

    /// The NetworkPolicy peer selecting these pods.
    public var peer: YAMLNode {
        .map([
            ("namespaceSelector", K8s.matchLabels(["kubernetes.io/metadata.name": namespace])),
            ("podSelector", K8s.matchLabels(podLabels)),
        ])
    }

    public static func < (lhs: PlatformPeer, rhs: PlatformPeer) -> Bool { lhs.rawValue < rhs.rawValue }
}
