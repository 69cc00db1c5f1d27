import BlueprintModel
import Renderer

/// A Helm chart pinned to one version.
public struct ChartPin: Sendable, Equatable {
    /// The chart repository (an HTTPS Helm repository).
    public var repository: String
    public var chart: String
    public var version: String

    public init(_ repository: String, _ chart: String, _ version: String) {
        self.repository = repository
        self.chart = chart
        self.version = version
    }
}

/// The platform components every cluster runs, each an Argo CD Application of a
/// pinned upstream chart with values generated per environment and region.
///
/// Bumping a chart is a one-line change here, reviewed with the regenerated tree.
public enum PlatformComponent: String, CaseIterable, Sendable {
    case argoCD = "argo-cd"
    /// Only the Prometheus Operator CRDs, from the kube-prometheus-stack chart, installed
    /// before every chart that renders ServiceMonitors (kube-prometheus-stack then skips them).
    case prometheusOperatorCRDs = "prometheus-operator-crds"
    case ingressNginx = "ingress-nginx"
    case externalSecrets = "external-secrets"
    /// Issues the ingress certificates (``IngressCertificates``).
    case certManager = "cert-manager"
    case kyverno
    case kubePrometheusStack = "kube-prometheus-stack"
    case loki
    case tempo
    case alloy
    case velero
    case cloudnativePG = "cloudnative-pg"
    /// Self-hosted Supabase, only with `components.supabase` (``Supabase``).
    case supabase

    public var chart: ChartPin {
        switch self {
        case .argoCD: ChartPin("https://argoproj.github.io/argo-helm", "argo-cd", "8.1.3")
        case .ingressNginx: ChartPin("https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "4.13.0")
        case .externalSecrets: ChartPin("https://charts.external-secrets.io", "external-secrets", "0.18.2")
        case .certManager: ChartPin("https://charts.jetstack.io", "cert-manager", "v1.21.1")
        case .kyverno: ChartPin("https://kyverno.github.io/kyverno", "kyverno", "3.4.4")
        case .kubePrometheusStack, .prometheusOperatorCRDs:
            ChartPin("https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "75.15.1")
        case .loki: ChartPin("https://grafana.github.io/helm-charts", "loki", "6.33.0")
        case .tempo: ChartPin("https://grafana.github.io/helm-charts", "tempo", "1.23.2")
        case .alloy: ChartPin("https://grafana.github.io/helm-charts", "alloy", "1.2.0")
        case .velero: ChartPin("https://vmware-tanzu.github.io/helm-charts", "velero", "10.0.10")
        case .cloudnativePG: ChartPin("https://cloudnative-pg.github.io/charts", "cloudnative-pg", "0.25.0")
        case .supabase: ChartPin("https://supabase-community.github.io/supabase-kubernetes", "supabase", "0.7.2")
        }
    }

    public var namespace: String {
        switch self {
        case .argoCD: ClusterNamespaces.argocd
        case .ingressNginx: ClusterNamespaces.ingressNginx
        case .externalSecrets: ClusterNamespaces.externalSecrets
        case .certManager: ClusterNamespaces.certManager
        case .kyverno: ClusterNamespaces.kyverno
        case .prometheusOperatorCRDs, .kubePrometheusStack, .loki, .tempo, .alloy: ClusterNamespaces.monitoring
        case .velero: ClusterNamespaces.velero
        case .cloudnativePG: ClusterNamespaces.postgresOperator
        case .supabase: ClusterNamespaces.supabase
        }
    }

    /// The folder of the ops tree the component's Application and values live in.
    public var area: ClusterArea {
        switch self {
        case .argoCD, .ingressNginx, .externalSecrets, .certManager: .base
        case .prometheusOperatorCRDs, .kyverno, .kubePrometheusStack, .loki, .tempo, .alloy, .velero: .ops
        case .cloudnativePG, .supabase: .data
        }
    }

    /// Components whose chart installs CustomResourceDefinitions that later waves use.
    public var installsCRDs: Bool {
        switch self {
        case .argoCD, .prometheusOperatorCRDs, .externalSecrets, .certManager, .kyverno, .kubePrometheusStack, .velero, .cloudnativePG: true
        case .ingressNginx, .loki, .tempo, .alloy, .supabase: false
        }
    }

    /// The sync wave of the component's Application: the monitoring CRDs first (every
    /// later chart may render ServiceMonitors), External Secrets before the ExternalSecrets
    /// (`SyncWave.secrets`) the other charts read, then the other CRD components, and the
    /// rest with the data stores.
    public var wave: Int {
        switch self {
        case .prometheusOperatorCRDs: SyncWave.monitoringCRDs
        case .externalSecrets: SyncWave.secretsOperator
        case .argoCD, .certManager, .kyverno, .kubePrometheusStack, .velero, .cloudnativePG: SyncWave.crdComponents
        case .ingressNginx, .loki, .tempo, .alloy: SyncWave.data
        // After its stores (and their managed roles) exist.
        case .supabase: SyncWave.workloads
        }
    }

    /// Whether Argo CD may prune what disappears from the chart. Never for charts that
    /// own CRDs (pruning a CRD deletes every object of that kind) or keep data.
    public var prunes: Bool {
        switch self {
        case .ingressNginx, .alloy: true
        default: false
        }
    }

    /// Ports served to callers without a pod address (the API server calling admission
    /// webhooks, clients outside the cluster calling the ingress controller).
    public var servedPorts: [PortProtocol] {
        switch self {
        case .ingressNginx: [PortProtocol(80), PortProtocol(443), PortProtocol(8443)]
        case .kyverno, .cloudnativePG: [PortProtocol(9443)]
        case .externalSecrets, .certManager, .kubePrometheusStack: [PortProtocol(10250)]
        case .argoCD, .prometheusOperatorCRDs, .loki, .tempo, .alloy, .velero, .supabase: []
        }
    }

    /// The components a cluster runs (the PostgreSQL operator only with a PostgreSQL store,
    /// Velero only with a backup store in the region, Supabase only where `components.supabase` runs).
    public static func installed(in context: ClusterContext) -> [PlatformComponent] {
        allCases.filter { component in
            switch component {
            case .cloudnativePG: context.runsPostgreSQL
            case .velero: BackupTarget.of(context) != nil
            case .supabase: context.supabase != nil
            default: true
            }
        }
    }
}

/// The folders of the ops tree (see docs/layout.md).
public enum ClusterArea: String, Sendable, CaseIterable {
    /// Argo CD root and projects, namespaces, ingress, secrets operator, platform network policies.
    case base
    /// The services.
    case apps
    /// PostgreSQL, Redis, MinIO.
    case data
    /// Observability, backups, admission policies.
    case ops

    public func directory(_ scope: ClusterScope) -> String { "cluster/\(rawValue)/\(scope.name)" }
}
