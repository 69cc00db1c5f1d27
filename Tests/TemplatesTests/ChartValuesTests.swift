import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// The Helm values scaffold generates, checked as values and, where the chart is at
/// hand (`../shared/charts`, `../shared/tools/render-chart`), rendered by the real chart.
@Suite struct ChartValuesTests {
    static func context(_ cluster: String) throws -> ClusterContext {
        let loaded = try GitOps.galaxy()
        return try #require(ClusterContext.all(loaded).first { $0.scope.name == cluster })
    }

    static func store(_ name: String, _ context: ClusterContext) throws -> DataStore {
        try #require(context.dataStores.first { $0.name == name })
    }

    // MARK: Values

    @Test func redisHasNoRBACAndFitsItsReplicaCount() throws {
        for (cluster, replicas, minReplicas, quorum) in [("dev-local-tr", 1, 0, 1), ("staging-tr", 3, 1, 2), ("production-es", 3, 1, 2)] {
            let context = try Self.context(cluster)
            let values = DataStores.values(try Self.store("cache", context), context)
            #expect(values["replicas"] == .int(replicas), "\(cluster)")
            #expect(values["rbac"]?["create"] == .bool(false), "\(cluster): the data project admits no Role")
            #expect(values["redis"]?["config"]?["min-replicas-to-write"] == .int(minReplicas), "\(cluster)")
            #expect(values["sentinel"]?["quorum"] == .int(quorum), "\(cluster)")
        }
    }

    @Test func minioPostJobRunsOnRegionNodes() throws {
        let context = try Self.context("staging-es")
        let values = DataStores.values(try Self.store("objects", context), context)
        #expect(values["postJob"]?["nodeSelector"]?[Residency.nodeLabel]?.scalarText == "es")
        #expect(values["nodeSelector"]?[Residency.nodeLabel]?.scalarText == "es")
        // One user per client, none of them the chart's default `console` user or an admin.
        let users = values["users"]?.items ?? []
        // Backups leave the cluster (``BackupTarget``): no backup writer is a MinIO user.
        #expect(users.compactMap { $0["accessKey"]?.scalarText } == ["backend-ai", "backend-api"])
        #expect(users.allSatisfy { $0["secretKey"] == nil && $0["existingSecret"] != nil }, "secret keys come from Secrets only")
        let policies = values["policies"]?.items.compactMap { $0["name"]?.scalarText } ?? []
        #expect(Set(users.compactMap { $0["policy"]?.scalarText }) == Set(policies))
        #expect(!policies.contains { ["consoleAdmin", "readwrite", "readonly", "writeonly", "diagnostics"].contains($0) })
    }

    @Test func kubePrometheusStackLeavesCRDsAndKubeSystemAlone() throws {
        let context = try Self.context("production-tr")
        let values = ComponentValues.values(.kubePrometheusStack, context)
        #expect(values["crds"]?["enabled"] == .bool(false))
        for component in ["kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd", "coreDns"] {
            #expect(values[component]?["enabled"] == .bool(false), "\(component)")
        }
        let crds = ComponentValues.values(.prometheusOperatorCRDs, context)
        #expect(crds["crds"]?["enabled"] == .bool(true))
        #expect(crds["prometheusOperator"]?["enabled"] == .bool(false))
    }

    @Test func componentWavesFollowThePlan() {
        #expect(PlatformComponent.prometheusOperatorCRDs.wave == -19)
        #expect(PlatformComponent.externalSecrets.wave == -18)
        #expect(SyncWave.secretStore == -17)
        #expect(SyncWave.secrets == -16)
        for component in [PlatformComponent.argoCD, .kyverno, .kubePrometheusStack, .velero, .cloudnativePG] {
            #expect(component.wave == SyncWave.crdComponents, "\(component)")
        }
        for component in PlatformComponent.allCases where component != .supabase {
            #expect(component.wave > SyncWave.namespaces && component.wave <= SyncWave.data, "\(component)")
        }
        // Supabase after the data stores it logs in to.
        #expect(PlatformComponent.supabase.wave > SyncWave.data)
    }

    @Test func platformAndDataStoreExternalSecretsComeRightAfterExternalSecrets() throws {
        let context = try Self.context("staging-tr")
        let secrets = GitOpsTree.componentObjects(.kubePrometheusStack, context) + Backups.objects(context)
            + context.dataStores.flatMap { DataStores.objects($0, context) }
        let externalSecrets = secrets.filter { $0["kind"]?.scalarText == "ExternalSecret" }
        // Grafana's admin, the backup credentials of Velero and PostgreSQL, PostgreSQL's migrator,
        // application role, server certificate and CA, Redis' password and HAProxy's TLS
        // certificate (galaxy's cache has `tls`), MinIO's root and its two users' secret keys
        // (backend-api, backend-ai), and the Alertmanager receivers' credentials.
        #expect(externalSecrets.count == 13)
        for secret in externalSecrets {
            #expect(secret["metadata"]?["annotations"]?[SyncWave.annotation]?.scalarText == "-16", "\(GitOps.name(secret))")
        }
    }

    @Test func ingressAndExternalSecretsUseTheChartsKeys() throws {
        let staging = try Self.context("staging-tr")
        let ingress = ComponentValues.values(.ingressNginx, staging)
        #expect(ingress["controller"]?["podDisruptionBudget"] == nil)
        #expect(ingress["controller"]?["minAvailable"] == .int(1))
        #expect(ComponentValues.values(.externalSecrets, staging)["leaderElect"] == .bool(true))
        #expect(ComponentValues.values(.externalSecrets, try Self.context("dev-local-tr"))["leaderElect"] == .bool(false))
    }

    @Test func alloyCollectsOnlyItsOwnNodeFromDisk() throws {
        let context = try Self.context("staging-tr")
        let values = ComponentValues.values(.alloy, context)
        #expect(values["alloy"]?["mounts"]?["varlog"] == .bool(true))
        let config = try #require(values["alloy"]?["configMap"]?["content"]?.scalarText)
        #expect(config.contains(#"field = "spec.nodeName=" + sys.env("HOSTNAME")"#))
        #expect(config.contains(#"replacement   = "/var/log/pods/*$1/*.log""#))
        #expect(config.contains("loki.source.file"))
        #expect(!config.contains("loki.source.kubernetes"))
        for label in ["namespace", "pod", "container"] { #expect(config.contains(#"target_label  = "\#(label)""#)) }
    }

    @Test func sizingGrowsWithTheEnvironmentAndStorage() throws {
        let local = try Self.context("dev-local-tr")
        let staging = try Self.context("staging-tr")
        let production = try Self.context("production-tr")
        let small = WorkloadSizing.resources(.server, local)
        #expect(small["requests"]?["cpu"]?.scalarText == "50m")
        #expect(small["limits"]?["memory"]?.scalarText == "1Gi")
        #expect(WorkloadSizing.resources(.server, staging)["limits"]?["memory"]?.scalarText == "2Gi")
        #expect(WorkloadSizing.resources(.server, production)["limits"]?["memory"]?.scalarText == "4Gi")
        // 200Gi of MinIO: memory ×4 outside local clusters, not locally.
        let objects = try Self.store("objects", production)
        #expect(WorkloadSizing.resources(.dataStore, production, storage: objects.storage)["limits"]?["memory"]?.scalarText == "16Gi")
        #expect(WorkloadSizing.resources(.dataStore, local, storage: objects.storage)["limits"]?["memory"]?.scalarText == "1Gi")
    }

    @Test func onlyServicesWithMetricsAreScrapedAndAlertedOnScrapes() throws {
        let context = try Self.context("staging-tr")
        let objects = ServiceMonitoring.objects(context)
        let monitors = objects.filter { $0["kind"]?.scalarText == "ServiceMonitor" }.map(GitOps.name)
        #expect(monitors == ["backend-api", "platform-api"])
        let rules = objects.filter { $0["kind"]?.scalarText == "PrometheusRule" }
        #expect(Set(rules.map(GitOps.name)) == Set(context.services.map(\.name)))
        for rule in rules {
            let alerts = rule["spec"]?["groups"]?.items.first?["rules"]?.items.compactMap { $0["alert"]?.scalarText } ?? []
            #expect(alerts.contains { $0.hasSuffix("Down") } == ["backend-api", "platform-api"].contains(GitOps.name(rule)), "\(GitOps.name(rule)): \(alerts)")
        }
    }

    // MARK: Rendered by the charts

    /// Every pod of the data store charts (hooks included) carries the region node
    /// selector, every container of the data and observability charts has requests and
    /// limits, redis-ha renders no RBAC, the CRD Application only CRDs, and
    /// kube-prometheus-stack nothing outside `monitoring`.
    @Test func chartsRenderedWithTheValuesComeUp() throws {
        let renderChart = TestTools.sharedRoot.appendingPathComponent("tools/render-chart").path
        guard FileManager.default.fileExists(atPath: renderChart), try TestTools.require("python3") else {
            Issue.record("render-chart or python3 missing: charts not rendered (CI fails here)")
            return
        }
        let loaded = try GitOps.galaxy()
        let folder = try TemporaryDirectory(prefix: "chart-values")
        try GitOps.writeOps(Generator.plan(for: loaded), to: folder.url)
        for context in ClusterContext.all(loaded) where ["dev-local-tr", "staging-es"].contains(context.scope.name) {
            func render(_ name: String, chart: ChartPin, area: ClusterArea, namespace: String) throws -> [YAMLNode] {
                let values = folder.url.appendingPathComponent("\(area.directory(context.scope))/values/\(name).yaml").path
                let chartDirectory = TestTools.sharedRoot.appendingPathComponent("charts/\(chart.chart)-\(chart.version)").path
                let result = try TestTools.run("python3", [renderChart, chartDirectory, "--values", values, "--release", name,
                                                          "--namespace", namespace, "--include-crds", "--skip-tests",
                                                          "--api-versions", "monitoring.coreos.com/v1"])
                try #require(result.succeeded, "\(name): \(result.stderr)")
                return try GitOps.documents(result.stdout)
            }
            let cluster = context.scope.name
            for store in context.dataStores {
                let objects = try render(DataStores.applicationName(store), chart: DataStores.chart(for: store.kind), area: .data,
                                         namespace: ClusterNamespaces.dataStore(store.name))
                for object in objects {
                    #expect(!["Role", "RoleBinding"].contains(GitOps.kind(object)), "\(cluster) \(store.name): \(GitOps.name(object))")
                }
                for pod in Self.podSpecs(objects) {
                    #expect(pod.spec["nodeSelector"]?[Residency.nodeLabel]?.scalarText == context.scope.region, "\(cluster) \(pod.name)")
                    Self.expectSized(pod, cluster)
                }
            }
            // Velero only where the cluster backs up (not dev-local).
            for component in [PlatformComponent.kubePrometheusStack, .loki, .tempo, .alloy, .velero, .certManager]
            where PlatformComponent.installed(in: context).contains(component) {
                let objects = try render(component.rawValue, chart: component.chart, area: component.area, namespace: component.namespace)
                for pod in Self.podSpecs(objects) { Self.expectSized(pod, cluster) }
                if component == .certManager {
                    // Its leases stay in its own namespace: nothing of it lands in kube-system.
                    #expect(!objects.contains { GitOps.namespace($0) == "kube-system" }, "\(cluster): cert-manager writes to kube-system")
                    #expect(objects.filter { GitOps.kind($0) == "CustomResourceDefinition" }.count == 6)
                }
                if component == .kubePrometheusStack {
                    #expect(!objects.contains { GitOps.kind($0) == "CustomResourceDefinition" })
                    for object in objects {
                        let namespace = GitOps.namespace(object)
                        #expect(namespace == nil || namespace == ClusterNamespaces.monitoring, "\(GitOps.kind(object))/\(GitOps.name(object))")
                    }
                    for kind in ["Prometheus", "Alertmanager"] {
                        let object = try #require(objects.first { GitOps.kind($0) == kind })
                        #expect(object["spec"]?["resources"]?["limits"]?["memory"] != nil, "\(kind)")
                    }
                }
            }
            let crds = try render(PlatformComponent.prometheusOperatorCRDs.rawValue, chart: PlatformComponent.prometheusOperatorCRDs.chart,
                                  area: .ops, namespace: ClusterNamespaces.monitoring)
            #expect(crds.count == 10)
            #expect(crds.allSatisfy { GitOps.kind($0) == "CustomResourceDefinition" })
        }
    }

    /// The minio chart rendered with the generated values creates exactly the generated
    /// users, each from a Secret an ExternalSecret of the store's namespace writes (with the
    /// key the Job reads), attaches each its own policy, and every policy, as the chart
    /// writes it (JSON), grants object and bucket actions on the store's own buckets only.
    @Test func minioChartCreatesEveryUserFromAGeneratedSecret() throws {
        let renderChart = TestTools.sharedRoot.appendingPathComponent("tools/render-chart").path
        guard FileManager.default.fileExists(atPath: renderChart), try TestTools.require("python3") else {
            Issue.record("render-chart or python3 missing: charts not rendered (CI fails here)")
            return
        }
        var checkedUsers = 0
        for blueprint in ["blueprints/galaxy.yaml", "blueprints/harbor/harbor.yaml"] {
            let loaded = try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent(blueprint).path)
            let folder = try TemporaryDirectory(prefix: "minio-users")
            try GitOps.writeOps(Generator.plan(for: loaded), to: folder.url)
            for context in ClusterContext.all(loaded) where ["dev-local-tr", "staging-es", "production-ch"].contains(context.scope.name) {
                for store in context.dataStores where store.kind == .minio {
                    let label = "\(blueprint) \(context.scope.name) \(store.name)"
                    let name = DataStores.applicationName(store)
                    let namespace = ClusterNamespaces.dataStore(store.name)
                    let values = folder.url.appendingPathComponent(DataStores.valuesPath(store, context.scope)).path
                    let chart = DataStores.chart(for: store.kind)
                    let result = try TestTools.run("python3", [renderChart, TestTools.sharedRoot.appendingPathComponent("charts/\(chart.chart)-\(chart.version)").path,
                                                              "--values", values, "--release", name, "--namespace", namespace, "--skip-tests",
                                                              "--api-versions", "monitoring.coreos.com/v1"])
                    try #require(result.succeeded, "\(label): \(result.stderr)")
                    let rendered = try GitOps.documents(result.stdout)

                    // The Secrets the generated ExternalSecrets of the namespace write, with their keys.
                    var produced: [String: Set<String>] = [:]
                    for external in DataStores.objects(store, context) where GitOps.kind(external) == "ExternalSecret" {
                        let target = external["spec"]?["target"]?["name"]?.scalarText ?? GitOps.name(external)
                        produced[target] = Set((external["spec"]?["data"]?.items ?? []).compactMap { $0["secretKey"]?.scalarText })
                    }
                    let generatedUsers = ObjectStoreUsers.users(store, context)

                    // The post-install Job projects each user's Secret; every one is produced, with the key it reads.
                    let job = try #require(rendered.first { GitOps.kind($0) == "Job" && GitOps.name($0) == "\(store.name)-post-job" }, "\(label)")
                    let pod = try #require(job["spec"]?["template"]?["spec"])
                    let configuration = try #require(pod["volumes"]?.items.first { $0["name"]?.scalarText == "minio-configuration" })
                    var projected: [String: Set<String>] = [:]
                    for source in configuration["projected"]?["sources"]?.items ?? [] {
                        guard let secret = source["secret"], let secretName = secret["name"]?.scalarText else { continue }
                        let keys: [String] = (secret["items"]?.items ?? []).compactMap { $0["key"]?.scalarText }
                        projected[secretName, default: []].formUnion(keys)
                    }
                    for (secret, keys) in projected {
                        let made = try #require(produced[secret], "\(label): the Job reads Secret \(secret), which no ExternalSecret writes")
                        #expect(keys.isSubset(of: made), "\(label): \(secret) lacks \(keys.subtracting(made))")
                    }
                    #expect(Set(projected.keys) == Set([DataStores.rootSecret(store)] + generatedUsers.map { ObjectStoreUsers.secretName(store, $0) }), "\(label)")
                    #expect((pod["initContainers"]?.items ?? []).contains(where: { $0["name"]?.scalarText == "minio-make-policy" }) == !generatedUsers.isEmpty, "\(label)")
                    #expect((pod["containers"]?.items ?? []).contains(where: { $0["name"]?.scalarText == "minio-make-user" }) == !generatedUsers.isEmpty, "\(label)")

                    // The scripts: each user added with the secret key from its Secret and its own policy attached.
                    let configMap = try #require(rendered.first { GitOps.kind($0) == "ConfigMap" && GitOps.name($0) == store.name })
                    let addUser = configMap["data"]?["add-user"]?.scalarText ?? ""
                    let addPolicy = configMap["data"]?["add-policy"]?.scalarText ?? ""
                    let lines = Set((addUser + "\n" + addPolicy).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
                    for (index, user) in generatedUsers.enumerated() {
                        let secret = ObjectStoreUsers.secretName(store, user)
                        #expect(addUser.contains("echo \(user.accessKey) > $MINIO_ACCESSKEY_SECRETKEY_TMP\ncat /config/secrets/\(secret)/\(ObjectStoreUsers.secretKeyField) >> $MINIO_ACCESSKEY_SECRETKEY_TMP"),
                                "\(label): \(user.accessKey)")
                        #expect(lines.contains("createUser \(user.policy)"), "\(label): \(user.accessKey)")
                        #expect(lines.contains("createPolicy \(user.policy) policy_\(index)"), "\(label)")

                        // The policy document the chart writes: valid JSON, Allow only, this store's buckets only.
                        let text = try #require(configMap["data"]?["policy_\(index).json"]?.scalarText, "\(label) policy_\(index)")
                        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(label)")
                        let statements = try #require(document["Statement"] as? [[String: Any]])
                        var objects: Set<String> = [], buckets: Set<String> = []
                        for statement in statements {
                            #expect(statement["Effect"] as? String == "Allow")
                            let actions = Set(statement["Action"] as? [String] ?? [])
                            let resources = statement["Resource"] as? [String] ?? []
                            #expect(actions.allSatisfy { $0.hasPrefix("s3:") && !$0.contains("*") && !$0.contains("Bucket") || ObjectStoreUsers.bucketActions.contains($0) },
                                    "\(label) \(user.policy): \(actions)")
                            for resource in resources {
                                if resource.contains("/") { objects.insert(resource) } else { buckets.insert(resource) }
                            }
                        }
                        #expect(objects == Set(user.grants.map { "arn:aws:s3:::\($0.bucket)/\($0.prefix.isEmpty ? "" : "\($0.prefix)/")*" }), "\(label) \(user.policy)")
                        #expect(buckets.isSubset(of: Set(store.buckets.map { "arn:aws:s3:::\($0)" })) && !buckets.isEmpty, "\(label) \(user.policy)")
                        checkedUsers += 1
                    }
                    #expect(configMap["data"]?["policy_\(generatedUsers.count).json"] == nil, "\(label): a policy of no user")
                }
            }
        }
        // Services only: backup writers are no MinIO users (``BackupTarget``).
        #expect(checkedUsers >= 5, "users checked: \(checkedUsers)")
    }

    struct PodSpec {
        var name: String
        var spec: YAMLNode
    }

    static func podSpecs(_ objects: [YAMLNode]) -> [PodSpec] {
        objects.compactMap { object in
            let kind = GitOps.kind(object)
            let spec: YAMLNode? = switch kind {
            case "Deployment", "StatefulSet", "DaemonSet", "Job": object["spec"]?["template"]?["spec"]
            case "CronJob": object["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]
            case "Pod": object["spec"]
            default: nil
            }
            return spec.map { PodSpec(name: "\(kind)/\(GitOps.name(object))", spec: $0) }
        }
    }

    static func expectSized(_ pod: PodSpec, _ cluster: String) {
        for container in (pod.spec["initContainers"]?.items ?? []) + (pod.spec["containers"]?.items ?? []) {
            for kind in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    #expect(container["resources"]?[kind]?[resource] != nil,
                            "\(cluster) \(pod.name) \(container["name"]?.scalarText ?? ""): no \(kind).\(resource)")
                }
            }
        }
    }
}

/// The other example blueprints: each validates and generates, and together with
/// galaxy they cover every cloud.
@Suite struct ExampleBlueprintTests {
    @Test(arguments: ["meridian", "harbor", "atlas"])
    func exampleBlueprintGenerates(_ name: String) throws {
        let path = TestTools.packageRoot.appendingPathComponent("blueprints/\(name)/\(name).yaml").path
        let loaded = try BlueprintLoader.load(path: path)
        let plan = Generator.plan(for: loaded)
        #expect(!plan.files(in: .ops).isEmpty)
        let contexts = ClusterContext.all(loaded)
        #expect(!contexts.isEmpty)
        for context in contexts {
            let components = PlatformComponent.installed(in: context)
            #expect(components.contains(.velero) == (BackupTarget.of(context) != nil), "\(name) \(context.scope.name)")
        }
    }

    @Test func examplesCoverEveryCloud() throws {
        var clouds: Set<String> = []
        for name in ["galaxy", "meridian/meridian", "harbor/harbor", "atlas/atlas"] {
            let loaded = try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
            for context in ClusterContext.all(loaded) { clouds.insert(context.region.cloud) }
        }
        #expect(clouds.isSuperset(of: ["digitalocean", "azure", "gcp", "onprem"]))
    }
}
