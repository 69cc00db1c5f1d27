import BlueprintModel
import Renderer

/// Argo CD objects: the root Application of each cluster (app-of-apps), the
/// Applications of pinned charts, and the AppProjects restricting what each may
/// deploy and from where.
public enum ArgoCD {
    public static let apiVersion = "argoproj.io/v1alpha1"
    /// The cluster Argo CD runs in.
    public static let inCluster = "https://kubernetes.default.svc"
    /// Deleting an Application with this finalizer deletes what it deployed.
    public static let cascadeFinalizer = "resources-finalizer.argocd.argoproj.io"

    public enum Project {
        /// The root Application and the platform components.
        public static let platform = "platform"
        /// The data stores: only their own namespaces, nothing cluster-wide.
        public static let data = "data"
        /// An organization's own Applications: only its namespace.
        public static func tenant(_ organization: String) -> String { "tenant-\(organization)" }
    }

    /// The root Application's name: `<platform>-<environment>-<region>`.
    public static func rootName(_ context: ClusterContext) -> String { "\(context.platform)-\(context.scope.name)" }

    /// The root Application: syncs `cluster/overlays/<environment>-<region>`, which holds
    /// everything else (this Application included, so it manages itself once applied).
    /// It prunes, but objects that must outlive a mistake (namespaces, data store
    /// Applications) carry `Prune=false`, and it has no cascade finalizer: deleting the
    /// root never deletes the cluster's contents.
    public static func rootApplication(_ context: ClusterContext) -> YAMLNode {
        let ops = context.blueprint.repositories.ops
        return K8s.object(apiVersion, "Application", name: rootName(context), namespace: ClusterNamespaces.argocd,
                          labels: context.labels(name: rootName(context), component: "argocd-root"),
                          annotations: SyncWave.annotations(SyncWave.namespaces), [
            ("spec", .map([
                ("project", .string(Project.platform)),
                ("source", .map([
                    ("repoURL", .string(ops.url)),
                    ("targetRevision", .string(ops.branch)),
                    ("path", .string(ClusterOverlays.directory(context.scope))),
                ])),
                // The namespace must be one the platform project permits (Argo CD matches an
                // empty namespace only against an empty or `*` pattern): objects without
                // their own namespace would land in argocd.
                ("destination", .map([("server", .string(inCluster)), ("namespace", .string(ClusterNamespaces.argocd))])),
                ("syncPolicy", syncPolicy(prune: true, options: ["PruneLast=true"])),
                ("revisionHistoryLimit", 10),
            ])),
        ])
    }

    /// An Application installing a pinned chart with a values file from the ops repository.
    /// `serverSideApply: false` for a chart whose objects server-side apply refuses (duplicate list keys).
    public static func chartApplication(
        name: String, project: String, chart: ChartPin, namespace: String, valuesPath: String,
        context: ClusterContext, wave: Int, prunes: Bool, component: String, serverSideApply: Bool = true
    ) -> YAMLNode {
        let ops = context.blueprint.repositories.ops
        var annotations = SyncWave.annotations(wave, options: prunes ? [] : [SyncWave.noPrune])
        annotations["scaffold.dev/chart"] = "\(chart.chart)@\(chart.version)"
        var object = K8s.object(apiVersion, "Application", name: name, namespace: ClusterNamespaces.argocd,
                                labels: context.labels(name: name, component: component), annotations: annotations, [
            ("spec", .map([
                ("project", .string(project)),
                ("sources", [
                    .map([
                        ("repoURL", .string(chart.repository)),
                        ("chart", .string(chart.chart)),
                        ("targetRevision", .string(chart.version)),
                        ("helm", .map([
                            ("releaseName", .string(name)),
                            ("valueFiles", [.string("$values/\(valuesPath)")]),
                        ])),
                    ]),
                    .map([("repoURL", .string(ops.url)), ("targetRevision", .string(ops.branch)), ("ref", "values")]),
                ]),
                ("destination", .map([("server", .string(inCluster)), ("namespace", .string(namespace))])),
                ("syncPolicy", syncPolicy(prune: prunes, options: ["CreateNamespace=false"] + (serverSideApply ? ["ServerSideApply=true"] : []))),
                ("revisionHistoryLimit", 10),
            ])),
        ])
        // Only stateless components cascade: deleting a data store's Application leaves its volumes.
        if prunes { object["metadata"]?["finalizers"] = [.string(cascadeFinalizer)] }
        return object
    }

    static func syncPolicy(prune: Bool, options: [String]) -> YAMLNode {
        .map([
            ("automated", .map([("prune", .bool(prune)), ("selfHeal", true)])),
            ("syncOptions", .sequence(options.map { .string($0) })),
            ("retry", .map([("limit", 5), ("backoff", .map([("duration", "10s"), ("factor", 2), ("maxDuration", "3m")]))])),
        ])
    }

    static func destinations(_ namespaces: [String]) -> YAMLNode {
        .sequence(namespaces.sorted().map { .map([("server", .string(inCluster)), ("namespace", .string($0))]) })
    }

    static func kinds(_ pairs: [(group: String, kind: String)]) -> YAMLNode {
        .sequence(pairs.map { .map([("group", .string($0.group)), ("kind", .string($0.kind))]) })
    }

    /// Namespaced kinds only the platform may manage inside a namespace it hands out.
    static let isolationKinds: [(group: String, kind: String)] = [
        ("", "LimitRange"), ("", "ResourceQuota"), ("networking.k8s.io", "NetworkPolicy"),
        ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "RoleBinding"),
    ]

    /// The platform and data AppProjects of a cluster.
    public static func projects(_ context: ClusterContext) -> [YAMLNode] {
        let ops = context.blueprint.repositories.ops.url
        let components = PlatformComponent.installed(in: context)
        let dataCharts = context.dataStores.map { DataStores.chart(for: $0.kind).repository }
        let platformRepos = Set([ops] + components.map(\.chart.repository))
        let tenantNamespaces = context.organizations.map { TenantNamespaces.namespace(of: $0.id) }
        let annotations = SyncWave.annotations(SyncWave.namespaces)
        let platform = K8s.object(apiVersion, "AppProject", name: Project.platform, namespace: ClusterNamespaces.argocd,
                                  labels: context.labels(name: Project.platform, component: "argocd-project"), annotations: annotations, [
            ("spec", .map([
                ("description", .string("The \(context.platform) platform in \(context.scope.name): the root Application and the platform components.")),
                ("sourceRepos", .sequence(platformRepos.sorted().map { .string($0) })),
                ("destinations", destinations(ClusterNamespaces.platform(context) + ClusterNamespaces.workloads(context) + tenantNamespaces)),
                ("clusterResourceWhitelist", kinds([("*", "*")])),
                ("orphanedResources", .map([("warn", true)])),
            ])),
        ])
        let data = K8s.object(apiVersion, "AppProject", name: Project.data, namespace: ClusterNamespaces.argocd,
                              labels: context.labels(name: Project.data, component: "argocd-project"), annotations: annotations, [
            ("spec", .map([
                ("description", .string("Data stores of \(context.scope.name): each only in its own namespace, nothing cluster-wide.")),
                ("sourceRepos", .sequence(Set([ops] + dataCharts).sorted().map { .string($0) })),
                ("destinations", context.dataStores.isEmpty ? .sequence([]) : destinations(context.dataStores.map { ClusterNamespaces.dataStore($0.name) })),
                ("clusterResourceWhitelist", .sequence([])),
                ("namespaceResourceBlacklist", kinds(isolationKinds)),
            ])),
        ])
        return [data, platform]
    }

    /// An organization's AppProject: its Applications deploy only from the ops
    /// repository, only into its own namespace, never cluster-wide objects nor the
    /// isolation (quota, limits, network policies, RBAC); its admins may sync them.
    public static func tenantProject(_ organization: Organization, _ context: ClusterContext) -> YAMLNode {
        let name = Project.tenant(organization.id)
        let namespace = TenantNamespaces.namespace(of: organization.id)
        return K8s.object(apiVersion, "AppProject", name: name, namespace: ClusterNamespaces.argocd,
                          labels: context.labels(name: name, component: "argocd-project"),
                          annotations: SyncWave.annotations(SyncWave.namespaces), [
            ("spec", .map([
                ("description", .string("\(organization.displayName): deploys only to namespace \(namespace).")),
                ("sourceRepos", [.string(context.blueprint.repositories.ops.url)]),
                ("destinations", destinations([namespace])),
                ("clusterResourceWhitelist", .sequence([])),
                ("namespaceResourceBlacklist", kinds(isolationKinds)),
                ("roles", [.map([
                    ("name", "admin"),
                    ("description", .string("Admins of \(organization.displayName)")),
                    ("groups", .sequence(organization.admins.sorted().map { .string($0) })),
                    ("policies", [
                        .string("p, proj:\(name):admin, applications, get, \(name)/*, allow"),
                        .string("p, proj:\(name):admin, applications, sync, \(name)/*, allow"),
                    ]),
                ])]),
            ])),
        ])
    }
}
