import BlueprintModel
import Renderer

/// The ops tree of every cluster except tenants and overlays (see docs/layout.md):
///
/// - `cluster/base/<env>-<region>/`: namespaces, AppProjects, the root Application,
///   Argo CD, ingress-nginx, External Secrets and cert-manager (with the ingress certificate),
///   the platform namespaces' network policies;
/// - `cluster/apps/<env>-<region>/`: one file per service, and the `apps` network policies;
/// - `cluster/data/<env>-<region>/`: one Application per data store (and the PostgreSQL
///   operator), credentials, the data namespaces' network policies;
/// - `cluster/ops/<env>-<region>/`: Kyverno and its policies (with examples),
///   observability, backups, the services' ServiceMonitors and PrometheusRules, the platform's alerts, Grafana dashboards;
/// - `cluster/bootstrap/<env>-<region>/k3d.yaml` for local clusters.
///
/// Helm values live beside their Application in `values/<name>.yaml`.
public enum GitOpsTree {
    public static func files(for loaded: LoadedBlueprint) -> [RenderedFile] {
        ClusterContext.all(loaded).flatMap(files(for:))
    }

    public static func files(for context: ClusterContext) -> [RenderedFile] {
        let builder = context.builder
        let scope = context.scope
        let edges = ServiceGraph.edges(context)
        var files: [RenderedFile] = []
        var resources: [ClusterArea: [String]] = [:]
        var storeKeys: Set<String> = []
        func add(_ area: ClusterArea, _ name: String, _ documents: [YAMLNode]) {
            guard !documents.isEmpty else { return }
            storeKeys.formUnion(SecretStores.remoteKeys(readBy: documents))
            files.append(builder.file(.ops, "\(area.directory(scope))/\(name)", documents))
            resources[area, default: []].append(name)
        }

        // Components (Application + values), in their area.
        for component in PlatformComponent.installed(in: context) {
            let valuesPath = "\(component.area.directory(scope))/values/\(component.rawValue).yaml"
            let application = ArgoCD.chartApplication(
                name: component.rawValue, project: ArgoCD.Project.platform, chart: component.chart, namespace: component.namespace,
                valuesPath: valuesPath, context: context,
                wave: component.wave, prunes: component.prunes, component: "platform",
                serverSideApply: component != .supabase)
            add(component.area, "\(component.rawValue).yaml", [application] + componentObjects(component, context))
            files.append(builder.file(.ops, valuesPath, [ComponentValues.values(component, context)]))
        }

        // base
        add(.base, "namespaces.yaml", ClusterNamespaces.objects(context))
        add(.base, "projects.yaml", ArgoCD.projects(context))
        add(.base, "root.yaml", [ArgoCD.rootApplication(context)])
        // The store's reader may read only the keys read by the cluster's ExternalSecrets:
        // its file is written once every other object is built.
        let secretStoreIndex = files.count
        resources[.base, default: []].append("secret-store.yaml")
        add(.base, "network-policies.yaml", NetworkAllowlists.platformPolicies(context, edges: edges))

        // apps
        for service in context.services {
            add(.apps, "\(service.name).yaml", ServiceWorkloads.objects(service, context))
        }
        if !context.services.isEmpty {
            add(.apps, "network-policies.yaml", NetworkAllowlists.workloadPolicies(ClusterNamespaces.apps, context, edges: edges))
        }

        // data
        for store in context.dataStores {
            add(.data, "\(DataStores.applicationName(store)).yaml", DataStores.objects(store, context))
            files.append(builder.file(.ops, DataStores.valuesPath(store, scope), [DataStores.values(store, context)]))
        }
        add(.data, "restore-drills.yaml", RestoreDrill.objects(context))
        add(.data, "network-policies.yaml", context.dataStores.flatMap {
            NetworkAllowlists.workloadPolicies(ClusterNamespaces.dataStore($0.name), context, edges: edges)
        } + (context.supabase == nil ? [] : NetworkAllowlists.workloadPolicies(ClusterNamespaces.supabase, context, edges: edges)))

        // ops
        let policies = KyvernoPolicies.files(context)
        files.append(policies.policies)
        resources[.ops, default: []].append("policies.yaml")
        files += policies.examples
        add(.ops, "backups.yaml", Backups.objects(context))
        add(.ops, "service-monitoring.yaml", ServiceMonitoring.objects(context))
        add(.ops, "platform-alerts.yaml", PlatformAlerts.objects(context))
        add(.ops, "dashboards.yaml", Dashboards.objects(context))

        files.insert(builder.file(.ops, "\(ClusterArea.base.directory(scope))/secret-store.yaml",
                                  SecretStores.objects(context, readableKeys: storeKeys)), at: secretStoreIndex)

        for area in ClusterArea.allCases {
            guard let list = resources[area], area != .apps || !context.services.isEmpty else { continue }
            files.append(builder.kustomization(area.directory(scope), resources: list))
        }
        if let cluster = context.environment.localCluster {
            files.append(builder.file(.ops, "cluster/bootstrap/\(scope.name)/\(cluster).yaml", [LocalCluster.config(context)]))
        }
        files += Bootstrap.files(context)
        return files
    }

    /// Objects a component needs beside its Application (credentials it reads).
    static func componentObjects(_ component: PlatformComponent, _ context: ClusterContext) -> [YAMLNode] {
        switch component {
        case .kubePrometheusStack:
            return [ExternalSecrets.object(
                name: "grafana-admin", namespace: ClusterNamespaces.monitoring, context: context, component: "platform",
                data: [("admin-user", .platform(context, "ops", "grafana", "admin-user", .random(bytes: 8))),
                       ("admin-password", .platform(context, "ops", "grafana", "admin-password", .random(bytes: 24)))],
                wave: SyncWave.secrets)] + AlertRouting.objects(context)
        case .certManager:
            return IngressCertificates.objects(context)
        case .supabase:
            return Supabase.objects(context)
        case .tempo:
            // The chart's own ServiceMonitor always scrapes a `jaeger-metrics` port that its
            // Service has only with tempo-query enabled; scaffold monitors the port it serves.
            return [K8s.object("monitoring.coreos.com/v1", "ServiceMonitor", name: "tempo", namespace: ClusterNamespaces.monitoring,
                               labels: context.labels(name: "tempo", component: "platform"),
                               annotations: SyncWave.annotations(SyncWave.monitoring), [
                ("spec", .map([
                    ("selector", K8s.matchLabels([Labels.name: "tempo", Labels.instance: "tempo"])),
                    ("endpoints", [.map([("port", "tempo-prom-metrics"), ("path", "/metrics")])]),
                ])),
            ])]
        default:
            return []
        }
    }
}

/// A local cluster (k3d) for an environment that runs on a laptop: its nodes carry
/// the region label residency requires, k3s' own ingress is off (ingress-nginx is the
/// platform's), and the load balancer publishes ports 80 and 443.
/// `k3d cluster create --config cluster/bootstrap/<env>-<region>/k3d.yaml`.
public enum LocalCluster {
    public static func config(_ context: ClusterContext) -> YAMLNode {
        .map([
            ("apiVersion", "k3d.io/v1alpha5"),
            ("kind", "Simple"),
            ("metadata", .map([("name", .string("\(context.platform)-\(context.scope.name)"))])),
            ("servers", 1),
            ("agents", 2),
            ("ports", [
                .map([("port", "80:80"), ("nodeFilters", ["loadbalancer"])]),
                .map([("port", "443:443"), ("nodeFilters", ["loadbalancer"])]),
            ]),
            ("options", .map([("k3s", .map([
                ("extraArgs", [.map([("arg", "--disable=traefik"), ("nodeFilters", ["server:*"])])]),
                ("nodeLabels", [
                    .map([("label", .string("\(Residency.nodeLabel)=\(context.scope.region)")), ("nodeFilters", ["server:*", "agent:*"])]),
                ]),
            ]))])),
        ])
    }
}

/// `cluster/bootstrap/<env>-<region>/`: what an operator applies to an empty cluster,
/// once: Argo CD itself (the pinned chart with the same values its own Application
/// later manages), its namespace, the AppProjects and the root Application. From then
/// on Argo CD syncs everything else from the ops repository.
///
/// `kubectl kustomize --enable-helm cluster/bootstrap/<cluster> | kubectl apply --server-side -f -`
public enum Bootstrap {
    public static func directory(_ scope: ClusterScope) -> String { "cluster/bootstrap/\(scope.name)" }

    public static func files(_ context: ClusterContext) -> [RenderedFile] {
        let builder = context.builder
        let directory = directory(context.scope)
        let chart = PlatformComponent.argoCD.chart
        let argocd = ClusterNamespaces.objects(context).filter { $0["metadata"]?["name"] == .string(ClusterNamespaces.argocd) }
        return [
            builder.file(.ops, "\(directory)/namespace.yaml", argocd),
            builder.file(.ops, "\(directory)/projects.yaml", ArgoCD.projects(context)),
            builder.file(.ops, "\(directory)/root.yaml", [ArgoCD.rootApplication(context)]),
            builder.file(.ops, "\(directory)/argo-cd-values.yaml", [ComponentValues.values(.argoCD, context)]),
            builder.kustomization(directory, resources: ["namespace.yaml", "projects.yaml", "root.yaml"], extra: [
                ("helmCharts", [.map([
                    ("name", .string(chart.chart)),
                    ("repo", .string(chart.repository)),
                    ("version", .string(chart.version)),
                    ("releaseName", .string(PlatformComponent.argoCD.rawValue)),
                    ("namespace", .string(ClusterNamespaces.argocd)),
                    ("includeCRDs", true),
                    ("valuesFile", "argo-cd-values.yaml"),
                ])]),
            ]),
        ]
    }
}
