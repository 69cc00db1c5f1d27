import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// The GitOps tree of galaxy, checked with the tools that consume it: every overlay
/// built by `kubectl kustomize` and validated against the real API schemas and CRDs
/// (`../shared/tools/validate-manifests`), then the properties the issue asks for,
/// read back from what kubectl built.
@Suite struct GitOpsTreeTests {
    // MARK: Overlays build and validate

    @Test func everyOverlayBuildsWithKustomizeAndValidatesWithZeroFailures() throws {
        guard try TestTools.require("kubectl"), try TestTools.require("python3") else {
            Issue.record("kubectl or python3 missing: overlays not validated (CI fails here)")
            return
        }
        let loaded = try GitOps.galaxy()
        let folder = try TemporaryDirectory(prefix: "gitops-validate")
        try GitOps.writeOps(Generator.plan(for: loaded), to: folder.url)
        let validator = TestTools.sharedRoot.appendingPathComponent("tools/validate-manifests").path
        #expect(loaded.clusters.count == 5)
        let certManagerCRDs = try GitOps.certManagerCRDs(in: folder.url)
        for scope in loaded.clusters {
            let built = try GitOps.kustomize(folder.url.appendingPathComponent(ClusterOverlays.directory(scope)))
            // The build goes to the validator as a file (`kubectl kustomize DIR | validate-manifests -` in CI terms).
            let file = folder.url.appendingPathComponent("\(scope.name).built.yaml")
            try built.write(to: file, atomically: true, encoding: .utf8)
            let result = try TestTools.run("python3", [validator, "--crds", certManagerCRDs.path, file.path])
            let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(result.succeeded, "\(scope.name): \(result.stdout)\(result.stderr)")
            #expect(summary.contains(" 0 failed"), "\(scope.name): \(summary)")
            let passed = Int(summary.split(separator: " ").dropFirst().first ?? "") ?? 0
            #expect(passed > 50, "\(scope.name): only \(passed) objects validated")
        }
    }

    /// The policy examples and the Helm values are not in any kustomization: the
    /// examples are validated as files (they are real Pods and Namespaces).
    @Test func policyExamplesAreValidObjects() throws {
        guard try TestTools.require("python3") else {
            Issue.record("python3 missing: examples not validated (CI fails here)")
            return
        }
        let loaded = try GitOps.galaxy()
        let folder = try TemporaryDirectory(prefix: "gitops-examples")
        try GitOps.writeOps(Generator.plan(for: loaded), to: folder.url)
        let validator = TestTools.sharedRoot.appendingPathComponent("tools/validate-manifests").path
        let examples = folder.url.appendingPathComponent("cluster/ops/production-es/policy-examples").path
        let result = try TestTools.run("python3", [validator, examples])
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }

    // MARK: Workloads

    @Test func deploymentsPinImagesByDigestFromThePinsFileAndAreHardened() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let blueprint = loaded.view(scope.environment)
            let deployments = objects.filter { GitOps.kind($0) == "Deployment" }
            #expect(deployments.map(GitOps.name).sorted() == blueprint.services.map(\.name).sorted())
            for deployment in deployments {
                let name = GitOps.name(deployment)
                let service = try #require(blueprint.service(name))
                let digest = try #require(blueprint.pins.digest(service: name, environment: scope.environment, region: scope.region))
                let pod = try #require(deployment["spec"]?["template"]?["spec"])
                let container = try #require(pod["containers"]?.items.first)
                #expect(container["image"]?.scalarText == "\(service.image)@\(digest)", "\(scope.name)/\(name)")
                #expect(deployment["spec"]?["replicas"] == nil, "the HPA owns replicas")
                #expect(pod["securityContext"]?["runAsNonRoot"] == .bool(true))
                #expect(pod["securityContext"]?["seccompProfile"]?["type"]?.scalarText == "RuntimeDefault")
                #expect(pod["automountServiceAccountToken"] == .bool(service.serviceAccountToken))
                #expect(pod["nodeSelector"]?[Residency.nodeLabel]?.scalarText == scope.region)
                let security = try #require(container["securityContext"])
                #expect(security["runAsNonRoot"] == .bool(true))
                #expect(security["readOnlyRootFilesystem"] == .bool(true))
                #expect(security["allowPrivilegeEscalation"] == .bool(false))
                #expect(security["capabilities"]?["drop"]?.items.compactMap(\.scalarText) == ["ALL"])
                #expect(security["seccompProfile"]?["type"]?.scalarText == "RuntimeDefault")
                for key in ["requests", "limits"] {
                    #expect(container["resources"]?[key]?["cpu"] != nil && container["resources"]?[key]?["memory"] != nil)
                }
                #expect(container["resources"]?["limits"]?["memory"]?.scalarText == service.resources.limits.memory.text)
                #expect(container["livenessProbe"]?["httpGet"]?["path"]?.scalarText == service.liveness)
                #expect(container["readinessProbe"]?["httpGet"]?["path"]?.scalarText == service.readiness)
                #expect(container["startupProbe"]?["httpGet"]?["path"]?.scalarText == service.startup)
                let spread = pod["topologySpreadConstraints"]?.items.compactMap { $0["topologyKey"]?.scalarText } ?? []
                #expect(spread.contains("kubernetes.io/hostname") && spread.contains("topology.kubernetes.io/zone"))
                let labels = GitOps.labels(deployment["spec"]?["template"]?["metadata"]?["labels"])
                for key in [Labels.name, Labels.instance, Labels.component, Labels.partOf, Labels.managedBy, Labels.version] {
                    #expect(labels[key] != nil, "\(name) pod template lacks \(key)")
                }
                // Secrets only as files of the mounted Secret: the blueprint's own and the
                // generated data-store credentials, each named by `<NAME>_FILE`.
                let env = container["env"]?.items ?? []
                let credentials = blueprint.storeCredentials(of: service).filter { $0.item != .certificateAuthority }.map(\.name)
                #expect(env.map { $0["name"]?.scalarText ?? "" }.sorted() == (service.secrets.map(\.name) + credentials).sorted().map { "\($0)_FILE" })
                #expect(env.allSatisfy { ($0["value"]?.scalarText ?? "").hasPrefix(ServiceCredentials.directory + "/") && $0["valueFrom"] == nil })
                if !env.isEmpty {
                    #expect(container["volumeMounts"]?.items.contains {
                        $0["name"]?.scalarText == "secrets" && $0["mountPath"]?.scalarText == ServiceCredentials.directory && $0["readOnly"]?.scalarText == "true"
                    } == true)
                }
            }
            for service in blueprint.services {
                func one(_ kind: String) -> YAMLNode? {
                    objects.first { GitOps.kind($0) == kind && GitOps.name($0) == service.name && GitOps.namespace($0) == ClusterNamespaces.apps }
                }
                #expect(one("Service") != nil && one("ServiceAccount") != nil && one("PodDisruptionBudget") != nil, "\(service.name)")
                #expect(one("ServiceAccount")?["automountServiceAccountToken"] == .bool(false))
                let autoscaler = try #require(one("HorizontalPodAutoscaler"))
                let range = blueprint.environment(scope.environment)?.replicas ?? service.replicas
                #expect(autoscaler["spec"]?["minReplicas"] == .int(range.min) && autoscaler["spec"]?["maxReplicas"] == .int(range.max))
                if let expose = service.expose {
                    let ingress = try #require(one("Ingress"), "\(service.name) is exposed")
                    // The regional name, the one Terraform's zone `<region>.<domain>` holds (local clusters: the environment's).
                    let environment = blueprint.environment(scope.environment)!
                    let host = environment.isLocal ? "\(expose.host).\(environment.domain)" : "\(expose.host).\(scope.region).\(environment.domain)"
                    #expect(ingress["spec"]?["ingressClassName"]?.scalarText == "nginx")
                    #expect(ingress["spec"]?["tls"]?.items.first?["hosts"]?.items.first?.scalarText == host)
                    #expect(ingress["spec"]?["tls"]?.items.first?["secretName"] == nil, "the cluster's certificate serves it")
                    #expect(ingress["spec"]?["rules"]?.items.first?["host"]?.scalarText == host)
                } else {
                    #expect(one("Ingress") == nil)
                }
                let configMap = try #require(objects.first { GitOps.kind($0) == "ConfigMap" && GitOps.name($0) == "\(service.name)-config" })
                for (key, value) in service.config { #expect(configMap["data"]?[key]?.scalarText == value) }
                // Each instance knows the cluster it serves (platform-api accepts organizations homed there only).
                #expect(configMap["data"]?["SCAFFOLD_REGION"]?.scalarText == scope.region)
                #expect(configMap["data"]?["SCAFFOLD_ENVIRONMENT"]?.scalarText == scope.environment)
                let secretNames = Set(service.secrets.map(\.name))
                #expect(configMap["data"]?.pairs.allSatisfy { !secretNames.contains($0.key) } == true)
                if !service.secrets.isEmpty || !blueprint.storeCredentials(of: service).isEmpty {
                    let external = try #require(objects.first { GitOps.kind($0) == "ExternalSecret" && GitOps.name($0) == "\(service.name)-secrets" })
                    let remote = external["spec"]?["data"]?.items.map { ($0["secretKey"]?.scalarText ?? "", $0["remoteRef"]?["key"]?.scalarText ?? "") } ?? []
                    // The blueprint's secrets and the data-store credentials (ClientCredentialsTests
                    // checks those against the stores' own configuration).
                    #expect(remote.map(\.0) == (service.secrets.map(\.name) + blueprint.storeCredentials(of: service).map(\.name)).sorted())
                    // Scoped by environment and region, named the way the cluster's provider names keys.
                    let declared = Dictionary(uniqueKeysWithValues: remote)
                    for secret in service.secrets {
                        #expect(declared[secret.name] == SecretStores.remoteReference(
                            SecretStoreKey(secret.key, .supplied), try #require(ClusterContext(scope, loaded: loaded))).key)
                    }
                }
            }
        }
    }

    @Test func noSecretObjectsOrValuesAnywhere() throws {
        let loaded = try GitOps.galaxy()
        let plan = Generator.plan(for: loaded)
        // Literals a template may hold: user names (the restore drill's scratch superuser
        // included) and Azure storage account names, never a secret.
        let accounts = ClusterContext.all(loaded).compactMap { context -> String? in
            guard case .azure(let account, _) = BackupTarget.of(context)?.provider else { return nil }
            return account
        }
        let users: Set<String> = Set([DataStores.migratorRole, DataStores.applicationRole, "postgres"] + accounts)
        for file in plan.files(in: .ops) where file.path.hasSuffix(".yaml") {
            let documents = try GitOps.documents(file.contents)
            #expect(!documents.contains { GitOps.kind($0) == "Secret" }, "\(file.path) holds a Secret")
            #expect(!file.contents.contains("PRIVATE KEY"), "\(file.path)")
            // ExternalSecrets name keys of the store; their templates only place fetched values.
            for external in documents where GitOps.kind(external) == "ExternalSecret" {
                for entry in external["spec"]?["target"]?["template"]?["data"]?.pairs ?? [] {
                    let text = entry.value.scalarText ?? ""
                    #expect(text.contains("{{ .") || users.contains(text),
                            "\(file.path): \(GitOps.name(external)) templates a literal \(entry.key)")
                }
                #expect(external["spec"]?["data"]?.items.allSatisfy { $0["remoteRef"]?["key"] != nil } == true)
            }
        }
    }

    @Test func migrationsRunAsASyncHookBeforeTheDeploymentWave() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let job = try #require(objects.first { GitOps.kind($0) == "Job" && GitOps.name($0) == "platform-api-migrate" })
            let annotations = GitOps.labels(job["metadata"]?["annotations"])
            #expect(annotations["argocd.argoproj.io/hook"] == "Sync")
            #expect(Int(annotations[SyncWave.annotation] ?? "") ?? 99 < SyncWave.workloads)
            let container = try #require(job["spec"]?["template"]?["spec"]?["containers"]?.items.first)
            #expect(container["args"]?.items.compactMap(\.scalarText) == ["migrate"])
            #expect(container["env"]?.items.contains {
                $0["name"]?.scalarText == "PGPASSWORD_FILE" && $0["value"]?.scalarText == ServiceCredentials.path("password")
            } == true)
        }
    }

    // MARK: Platform components and Argo CD

    @Test func platformComponentsAreApplicationsOfPinnedChartsWithValuesFiles() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        let plan = Generator.plan(for: loaded)
        let paths = Set(plan.files(in: .ops).map(\.path))
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let applications = objects.filter { GitOps.kind($0) == "Application" }
            let names = Set(applications.map(GitOps.name))
            let local = loaded.base.environment(scope.environment)?.isLocal ?? false
            for component in ["argo-cd", "prometheus-operator-crds", "ingress-nginx", "external-secrets", "cert-manager", "kyverno", "kube-prometheus-stack", "loki", "tempo",
                              "cloudnative-pg", "data-postgres", "data-cache", "data-objects"] + (local ? [] : ["velero"]) {
                #expect(names.contains(component), "\(scope.name) lacks \(component)")
            }
            // A local cluster takes no backups (``BackupTarget``).
            #expect(names.contains("velero") == !local, "\(scope.name)")
            for application in applications where application["spec"]?["sources"] != nil {
                let sources = application["spec"]?["sources"]?.items ?? []
                let chart = try #require(sources.first)
                let version = chart["targetRevision"]?.scalarText ?? ""
                // cert-manager's chart versions carry a `v` (`v1.21.1`).
                let number = version.hasPrefix("v") ? String(version.dropFirst()) : version
                #expect(number.split(separator: ".").count == 3 && number.allSatisfy { $0.isNumber || $0 == "." },
                        "\(GitOps.name(application)) chart version \(version) is not pinned")
                let valueFile = chart["helm"]?["valueFiles"]?.items.first?.scalarText ?? ""
                #expect(valueFile.hasPrefix("$values/") && paths.contains(String(valueFile.dropFirst("$values/".count))),
                        "\(GitOps.name(application)): \(valueFile) is not generated")
                #expect(valueFile.contains("/\(scope.name)/"), "values are per environment and region")
                #expect(sources.last?["ref"]?.scalarText == "values")
            }
            // Backups stay in the region but leave the cluster (``BackupsTests`` checks the bucket against Terraform).
            if !local {
                let location = try #require(objects.first { GitOps.kind($0) == "BackupStorageLocation" })
                #expect(!YAMLPrinter.print(location).contains("svc.cluster.local"))
                #expect(location["metadata"]?["labels"]?[Labels.region]?.scalarText == scope.region)
                let schedule = try #require(objects.first { GitOps.kind($0) == "Schedule" })
                #expect(schedule["spec"]?["schedule"]?.scalarText == "0 2 * * *")
            }
            // ServiceMonitors for every service that serves metrics
            // (and Tempo's own monitor, which scaffold renders instead of the chart's).
            let blueprint = loaded.view(scope.environment)
            let measured = Set(blueprint.services.filter(\.declaresMetrics).map(\.name))
            #expect(Set(objects.filter { GitOps.kind($0) == "ServiceMonitor" }.map(GitOps.name)) == measured.union(["tempo"]))
            // Every service keeps its workload alerts; only measured ones get metric alerts; the
            // platform's own alerts beside them.
            #expect(Set(objects.filter { GitOps.kind($0) == "PrometheusRule" }.map(GitOps.name)) == Set(blueprint.services.map(\.name) + [PlatformAlerts.name]))
            let monitor = try #require(objects.first { GitOps.kind($0) == "ServiceMonitor" && GitOps.name($0) == "backend-api" })
            #expect(monitor["spec"]?["endpoints"]?.items.first?["port"]?.scalarText == "metrics")
        }
        // Retention and region labels reach the values.
        let prometheus = try #require(plan.files.first { $0.path == "cluster/ops/production-es/values/kube-prometheus-stack.yaml" })
        let values = try #require(try GitOps.documents(prometheus.contents).first)
        #expect(values["prometheus"]?["prometheusSpec"]?["retention"]?.scalarText == "15d")
        #expect(values["prometheus"]?["prometheusSpec"]?["externalLabels"]?["region"]?.scalarText == "es")
    }

    @Test func argoRootProjectsAndSyncWaves() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let blueprint = loaded.view(scope.environment)
            // One root per cluster, syncing its own overlay, no cascade on delete.
            let roots = objects.filter { GitOps.kind($0) == "Application" && $0["spec"]?["source"]?["path"] != nil }
            #expect(roots.count == 1)
            let root = try #require(roots.first)
            #expect(root["spec"]?["source"]?["path"]?.scalarText == "cluster/overlays/\(scope.name)")
            #expect(root["spec"]?["source"]?["repoURL"]?.scalarText == blueprint.repositories.ops.url)
            #expect(root["spec"]?["syncPolicy"]?["automated"]?["prune"] == .bool(true))
            #expect(root["metadata"]?["finalizers"] == nil)
            // Tenants' projects: only their own namespace, only the ops repository, nothing cluster-wide.
            for organization in blueprint.organizations where organization.homeRegion == scope.region {
                let project = try #require(objects.first { GitOps.kind($0) == "AppProject" && GitOps.name($0) == "tenant-\(organization.id)" })
                let destinations = project["spec"]?["destinations"]?.items.compactMap { $0["namespace"]?.scalarText }
                #expect(destinations == ["tenant-\(organization.id)"])
                #expect(project["spec"]?["sourceRepos"]?.items.compactMap(\.scalarText) == [blueprint.repositories.ops.url])
                #expect(project["spec"]?["clusterResourceWhitelist"]?.items.isEmpty == true)
            }
            let homed = Set(blueprint.organizations.filter { $0.homeRegion == scope.region }.map { "tenant-\($0.id)" })
            let tenantProjects = objects.filter { GitOps.kind($0) == "AppProject" && GitOps.name($0).hasPrefix("tenant-") }.map(GitOps.name)
            #expect(Set(tenantProjects) == homed, "organizations have projects only in their home region")
            let data = try #require(objects.first { GitOps.kind($0) == "AppProject" && GitOps.name($0) == "data" })
            #expect(data["spec"]?["destinations"]?.items.allSatisfy { $0["namespace"]?.scalarText?.hasPrefix("data-") == true } == true)
            // Waves: namespaces and projects, then CRD components, then policies, then workloads.
            func wave(_ object: YAMLNode) -> Int { Int(object["metadata"]?["annotations"]?[SyncWave.annotation]?.scalarText ?? "0") ?? 0 }
            func waves(_ kind: String) -> [Int] { objects.filter { GitOps.kind($0) == kind }.map(wave) }
            let namespaceWave = try #require(waves("Namespace").max())
            let policyWaves = waves("ClusterPolicy") + waves("NetworkPolicy").filter { $0 != 0 }
            #expect(namespaceWave < (waves("ClusterPolicy").min() ?? 0))
            let kyverno = try #require(objects.first { GitOps.kind($0) == "Application" && GitOps.name($0) == "kyverno" })
            #expect(wave(kyverno) < (policyWaves.min() ?? 0))
            #expect((policyWaves.max() ?? 0) < (waves("Deployment").min() ?? 0))
            // Prune only where safe.
            for namespace in objects where GitOps.kind(namespace) == "Namespace" {
                #expect(namespace["metadata"]?["annotations"]?[SyncWave.syncOptions]?.scalarText?.contains("Prune=false") == true)
            }
            for application in objects where GitOps.kind(application) == "Application" && GitOps.name(application).hasPrefix("data-") {
                #expect(application["spec"]?["syncPolicy"]?["automated"]?["prune"] == .bool(false))
                #expect(application["metadata"]?["finalizers"] == nil)
            }
        }
    }

    @Test func devLocalHasALocalClusterConfigAndAuditModePolicies() throws {
        let loaded = try GitOps.galaxy()
        let plan = Generator.plan(for: loaded)
        let k3d = try #require(plan.files.first { $0.path == "cluster/bootstrap/dev-local-tr/k3d.yaml" })
        #expect(k3d.contents.contains("label: scaffold.dev/region=tr"))
        #expect(!plan.files.contains { $0.path == "cluster/bootstrap/staging-tr/k3d.yaml" })
        // Every cluster has its bootstrap: Argo CD's chart, its namespace, the projects and the root.
        for cluster in ["dev-local-tr", "staging-tr", "production-tr", "staging-es", "production-es"] {
            let bootstrap = try #require(plan.files.first { $0.path == "cluster/bootstrap/\(cluster)/kustomization.yaml" })
            #expect(bootstrap.contents.contains("helmCharts:") && bootstrap.contents.contains("valuesFile: argo-cd-values.yaml"))
            #expect(plan.files.contains { $0.path == "cluster/bootstrap/\(cluster)/root.yaml" })
        }
        let dev = try #require(plan.files.first { $0.path == "cluster/ops/dev-local-tr/policies.yaml" })
        let staging = try #require(plan.files.first { $0.path == "cluster/ops/staging-tr/policies.yaml" })
        #expect(dev.contents.contains("failureAction: Audit") && !dev.contents.contains("failureAction: Enforce"))
        #expect(staging.contents.contains("failureAction: Enforce") && !staging.contents.contains("failureAction: Audit"))
    }

    // MARK: Determinism

    @Test func outputIsDeterministicAndIndependentOfDeclarationOrder() throws {
        let loaded = try GitOps.galaxy()
        let first = Generator.plan(for: loaded)
        #expect(first == Generator.plan(for: loaded))
        var shuffled = loaded
        func reverse(_ blueprint: inout Blueprint) {
            blueprint.services.reverse()
            blueprint.organizations.reverse()
            blueprint.dataStores.reverse()
            for index in blueprint.services.indices { blueprint.services[index].dependsOn.reverse() }
        }
        reverse(&shuffled.base)
        for key in shuffled.views.keys { reverse(&shuffled.views[key]!) }
        let second = Generator.plan(for: shuffled)
        let opsFirst = first.files(in: .ops), opsSecond = second.files(in: .ops)
        #expect(opsFirst.map(\.path) == opsSecond.map(\.path))
        for (a, b) in zip(opsFirst, opsSecond) where a.contents != b.contents {
            Issue.record("\(a.path) depends on declaration order")
        }
        #expect(first.duplicatePaths.isEmpty)
        #expect(!first.files.contains { $0.contents.contains("/tmp/") || $0.contents.contains("/work/") })
    }
}
