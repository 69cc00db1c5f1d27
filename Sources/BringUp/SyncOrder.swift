import Manifests

/// Argo CD's sync order for one object (bringup-semantics §1): phase, then wave, then
/// kind rank (gitops-engine `pkg/sync/sync_tasks.go#syncTasks.Less`).
public struct SyncOrder: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Phase: Int, Sendable, Comparable, CustomStringConvertible {
        case preSync = -1, sync = 0, postSync = 1

        public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String {
            switch self {
            case .preSync: "PreSync"
            case .sync: "Sync"
            case .postSync: "PostSync"
            }
        }
    }

    public var phase: Phase
    public var wave: Int

    public init(phase: Phase = .sync, wave: Int) {
        self.phase = phase
        self.wave = wave
    }

    public static func < (lhs: SyncOrder, rhs: SyncOrder) -> Bool { (lhs.phase, lhs.wave) < (rhs.phase, rhs.wave) }
    public var description: String { phase == .sync ? "wave \(wave)" : "\(phase) wave \(wave)" }

    /// The object's phase and wave, or nil when Argo CD never applies it during a sync
    /// (`hook: Skip`, Helm test/rollback/delete hooks, `PostDelete`, `SyncFail`).
    /// Wave: `argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight`, else 0
    /// (gitops-engine `pkg/sync/syncwaves/waves.go#Wave`). Helm hook types count only
    /// when the object has no Argo CD hook annotation (`pkg/sync/hook/hook.go#Types`).
    public static func of(_ object: ManifestObject) -> SyncOrder? {
        let annotations = object.body["metadata"]?["annotations"]?.stringMap ?? [:]
        let wave = annotations["argocd.argoproj.io/sync-wave"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            ?? annotations["helm.sh/hook-weight"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        if let hook = annotations["argocd.argoproj.io/hook"] {
            let types = hook.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if types.contains("PreSync") { return SyncOrder(phase: .preSync, wave: wave) }
            if types.contains("Sync") { return SyncOrder(phase: .sync, wave: wave) }
            if types.contains("PostSync") { return SyncOrder(phase: .postSync, wave: wave) }
            return nil
        }
        if let hook = annotations["helm.sh/hook"] {
            let types = Set(hook.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            if types == ["crd-install"] { return SyncOrder(wave: wave) }
            if !types.isDisjoint(with: ["pre-install", "pre-upgrade"]) { return SyncOrder(phase: .preSync, wave: wave) }
            if !types.isDisjoint(with: ["post-install", "post-upgrade"]) { return SyncOrder(phase: .postSync, wave: wave) }
            return nil
        }
        return SyncOrder(wave: wave)
    }
}

/// Kubernetes kinds by scope and origin.
public enum KindCatalog {
    /// API groups served by every cluster without a CRD.
    public static let builtInGroups: Set<String> = [
        "", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
        "apiextensions.k8s.io", "admissionregistration.k8s.io", "apiregistration.k8s.io", "storage.k8s.io",
        "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "certificates.k8s.io", "node.k8s.io",
        "events.k8s.io", "flowcontrol.apiserver.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
    ]

    /// Built-in cluster-scoped kinds.
    public static let clusterScoped: Set<String> = [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService", "IngressClass",
        "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment", "PodSecurityPolicy", "FlowSchema",
        "PriorityLevelConfiguration", "CertificateSigningRequest",
    ]

    /// The Secrets a pod-making object cannot start without (env, envFrom, volumes, projected volumes).
    public static func secretsRead(by object: ManifestObject) -> [String] {
        guard let spec = podSpec(of: object) else { return [] }
        return BringUpChecks.requirements(spec).filter { $0.kind == "Secret" }.map(\.name)
    }

    /// Objects that make pods, and where their pod template is.
    public static func podSpec(of object: ManifestObject) -> ManifestValue? {
        switch object.kind {
        case "Pod": object.body["spec"]
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
            object.body["spec"]?["template"]?["spec"]
        case "CronJob": object.body["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]
        default: nil
        }
    }

    /// The labels of the pods an object makes.
    public static func podLabels(of object: ManifestObject) -> [String: String]? {
        switch object.kind {
        case "Pod": object.labels
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
            object.body["spec"]?["template"]?["metadata"]?["labels"]?.stringMap ?? [:]
        case "CronJob": object.body["spec"]?["jobTemplate"]?["spec"]?["template"]?["metadata"]?["labels"]?.stringMap ?? [:]
        default: nil
        }
    }

    /// The label sets of the pods an object makes: a StatefulSet's pods also carry
    /// `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`.
    public static func podLabelSets(of object: ManifestObject) -> [[String: String]] {
        guard let labels = podLabels(of: object) else { return [] }
        guard object.kind == "StatefulSet" else { return [labels] }
        let replicas = object.body["spec"]?["replicas"]?.int ?? 1
        return (0..<max(replicas, 1)).map { index in
            labels.merging(["statefulset.kubernetes.io/pod-name": "\(object.name)-\(index)", "apps.kubernetes.io/pod-index": "\(index)"]) { old, _ in old }
        }
    }

    /// Namespaces the Kubernetes distribution owns.
    public static let systemNamespaces: Set<String> = ["kube-system", "kube-public", "kube-node-lease"]

    /// Services every cluster has: the API server's.
    public static let clusterServices: [ManifestObject] = {
        let text = """
            apiVersion: v1
            kind: Service
            metadata:
              name: kubernetes
              namespace: default
              labels: {component: apiserver, provider: kubernetes}
            spec:
              ports:
              - {name: https, port: 443, targetPort: 6443}
            """
        return (try? ManifestReader.objects(text, file: "(cluster)")) ?? []
    }()

    /// Custom resources whose operator makes the pods (Services, PDBs and monitors may
    /// select pods that no rendered template shows).
    public static let podManagingResources: Set<String> = [
        "monitoring.coreos.com/Prometheus", "monitoring.coreos.com/Alertmanager", "monitoring.coreos.com/ThanosRuler",
        "postgresql.cnpg.io/Cluster", "postgresql.cnpg.io/Pooler",
    ]
}
