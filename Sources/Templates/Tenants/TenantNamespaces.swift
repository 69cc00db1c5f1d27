import BlueprintModel
import Renderer

/// Tenant isolation for every organization in every cluster of its home region:
/// a labelled Namespace, ResourceQuota, LimitRange, default-deny NetworkPolicy
/// (ingress and egress) with DNS egress and traffic inside the namespace (nothing
/// across organizations), RBAC for the organization's admins, and the Argo CD
/// AppProject that lets the organization deploy only into its own namespace.
///
/// Files: `cluster/tenants/<environment>-<region>/<organization>.yaml` and a
/// `kustomization.yaml` per cluster.
public enum TenantNamespaces {
    /// The namespace of an organization (in each cluster of its home region).
    public static func namespace(of organization: String) -> String { "tenant-\(organization)" }

    public static func directory(_ scope: ClusterScope) -> String { "cluster/tenants/\(scope.name)" }

    public static func files(for loaded: LoadedBlueprint) -> [RenderedFile] {
        let builder = YAMLFileBuilder(blueprintName: loaded.blueprintName)
        var files: [RenderedFile] = []
        for scope in loaded.clusters {
            let blueprint = loaded.view(scope.environment)
            let organizations = blueprint.organizations.filter { $0.homeRegion == scope.region }.sorted { $0.id < $1.id }
            let context = ClusterContext(scope, loaded: loaded)
            for organization in organizations {
                var documents = objects(for: organization, scope: scope, blueprint: blueprint)
                if let context { documents.append(ArgoCD.tenantProject(organization, context)) }
                files.append(builder.file(.ops, "\(directory(scope))/\(organization.id).yaml", documents))
            }
            files.append(builder.kustomization(directory(scope), resources: organizations.map { "\($0.id).yaml" }))
        }
        return files
    }

    /// The isolation objects of one organization in one cluster.
    public static func objects(for organization: Organization, scope: ClusterScope, blueprint: Blueprint) -> [YAMLNode] {
        let namespace = namespace(of: organization.id)
        var labels = Labels.common(platform: blueprint.platform.name)
        labels[Labels.organization] = organization.id
        labels[Labels.region] = scope.region
        labels[Labels.environment] = scope.environment
        labels[Labels.component] = "tenant"
        var namespaceLabels = labels
        namespaceLabels[Labels.isolationReady] = "true"
        namespaceLabels[PolicyScope.label] = PolicyScope.restricted
        namespaceLabels["kubernetes.io/metadata.name"] = namespace
        namespaceLabels["pod-security.kubernetes.io/enforce"] = "restricted"
        namespaceLabels["pod-security.kubernetes.io/enforce-version"] = "latest"
        var annotations = SyncWave.annotations(SyncWave.namespaces, options: [SyncWave.noPrune])
        annotations["scaffold.dev/display-name"] = organization.displayName

        let quotas = organization.quotas
        let defaults = blueprint.environment(scope.environment)?.resources
        let defaultRequest = defaults?.requests ?? CPUMemory(cpu: Quantity("100m")!, memory: Quantity("128Mi")!)
        let defaultLimit = defaults?.limits ?? CPUMemory(cpu: Quantity("500m")!, memory: Quantity("512Mi")!)

        let dnsPorts: YAMLNode = [["port": 53, "protocol": "UDP"], ["port": 53, "protocol": "TCP"]]
        return [
            K8s.object("v1", "Namespace", name: namespace, labels: namespaceLabels, annotations: annotations),
            K8s.object("v1", "ResourceQuota", name: "tenant-quota", namespace: namespace, labels: labels, [
                ("spec", ["hard": .map([
                    ("limits.cpu", .string(quotas.cpu.text)),
                    ("limits.memory", .string(quotas.memory.text)),
                    ("requests.cpu", .string(quotas.cpu.text)),
                    ("requests.memory", .string(quotas.memory.text)),
                    ("requests.storage", .string(quotas.storage.text)),
                ])]),
            ]),
            K8s.object("v1", "LimitRange", name: "tenant-defaults", namespace: namespace, labels: labels, [
                ("spec", ["limits": [.map([
                    ("type", "Container"),
                    ("default", ["cpu": .string(defaultLimit.cpu.text), "memory": .string(defaultLimit.memory.text)]),
                    ("defaultRequest", ["cpu": .string(defaultRequest.cpu.text), "memory": .string(defaultRequest.memory.text)]),
                ])]]),
            ]),
            K8s.object("networking.k8s.io/v1", "NetworkPolicy", name: "default-deny", namespace: namespace, labels: labels, [
                ("spec", ["podSelector": [:], "policyTypes": ["Ingress", "Egress"]]),
            ]),
            K8s.object("networking.k8s.io/v1", "NetworkPolicy", name: "allow-dns", namespace: namespace, labels: labels, [
                ("spec", .map([
                    ("podSelector", [:]),
                    ("policyTypes", ["Egress"]),
                    ("egress", [.map([
                        ("to", [.map([
                            ("namespaceSelector", K8s.matchLabels(["kubernetes.io/metadata.name": "kube-system"])),
                            ("podSelector", K8s.matchLabels(["k8s-app": "kube-dns"])),
                        ])]),
                        ("ports", dnsPorts),
                    ])]),
                ])),
            ]),
            K8s.object("networking.k8s.io/v1", "NetworkPolicy", name: "allow-same-namespace", namespace: namespace, labels: labels, [
                ("spec", .map([
                    ("podSelector", [:]),
                    ("policyTypes", ["Ingress", "Egress"]),
                    ("ingress", [.map([("from", [.map([("podSelector", [:])])])])]),
                    ("egress", [.map([("to", [.map([("podSelector", [:])])])])]),
                ])),
            ]),
            K8s.object("rbac.authorization.k8s.io/v1", "Role", name: "tenant-admin", namespace: namespace, labels: labels, [
                ("rules", .sequence(adminRules)),
            ]),
            K8s.object("rbac.authorization.k8s.io/v1", "RoleBinding", name: "tenant-admins", namespace: namespace, labels: labels, [
                ("subjects", .sequence(organization.admins.sorted().map { group in
                    .map([("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Group"), ("name", .string(group))])
                })),
                ("roleRef", .map([("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Role"), ("name", "tenant-admin")])),
            ]),
        ]
    }

    /// What an organization's admins may do in their namespace: run workloads, but
    /// only read the isolation itself (quotas, limits, network policies, RBAC).
    static let adminRules: [YAMLNode] = [
        rule([""], ["configmaps", "persistentvolumeclaims", "pods", "secrets", "serviceaccounts", "services"],
             ["create", "delete", "get", "list", "patch", "update", "watch"]),
        rule([""], ["pods/log", "pods/portforward"], ["get", "list", "create"]),
        rule([""], ["events", "limitranges", "resourcequotas"], ["get", "list", "watch"]),
        rule(["apps"], ["deployments", "replicasets", "statefulsets"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
        rule(["autoscaling"], ["horizontalpodautoscalers"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
        rule(["batch"], ["cronjobs", "jobs"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
        rule(["networking.k8s.io"], ["ingresses"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
        rule(["networking.k8s.io"], ["networkpolicies"], ["get", "list", "watch"]),
        rule(["policy"], ["poddisruptionbudgets"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
        rule(["rbac.authorization.k8s.io"], ["rolebindings", "roles"], ["get", "list", "watch"]),
    ]

    static func rule(_ groups: [String], _ resources: [String], _ verbs: [String]) -> YAMLNode {
        .map([
            ("apiGroups", .sequence(groups.map { .string($0) })),
            ("resources", .sequence(resources.map { .string($0) })),
            ("verbs", .sequence(verbs.map { .string($0) })),
        ])
    }
}
