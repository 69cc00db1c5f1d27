@testable import BringUp
import Foundation
import Manifests
import Testing

/// One small cluster held in memory: a bootstrap (AppProject + root Application), and a
/// root tree whose objects each test breaks in one way. Every check is shown to fail
/// with its exact message.
struct Fixture {
    static let ops = "https://git.example.com/ops.git"
    static let server = "https://kubernetes.default.svc"

    var project = """
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata: {name: platform, namespace: argocd}
        spec:
          sourceRepos: [\(ops), https://charts.example.com]
          destinations:
          - {server: \(server), namespace: argocd}
          - {server: \(server), namespace: apps}
          clusterResourceWhitelist:
          - {group: '', kind: Namespace}
          - {group: apiextensions.k8s.io, kind: CustomResourceDefinition}
          namespaceResourceBlacklist:
          - {group: rbac.authorization.k8s.io, kind: Role}
        """
    var root = """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: root, namespace: argocd}
        spec:
          project: platform
          source: {repoURL: \(ops), targetRevision: main, path: cluster/overlays/c}
          destination: {server: \(server), namespace: argocd}
        """
    var objects = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: apps
          annotations: {argocd.argoproj.io/sync-wave: "-20"}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: creds
          namespace: apps
          annotations: {argocd.argoproj.io/sync-wave: "-5"}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: apps
          annotations: {argocd.argoproj.io/sync-wave: "5"}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: example/web@sha256:0000000000000000000000000000000000000000000000000000000000000000
                envFrom: [{secretRef: {name: creds}}]
                resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: apps
          labels: {app: web}
          annotations: {argocd.argoproj.io/sync-wave: "5"}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80}]
        """

    var files: [String: String] {
        [
            "cluster/bootstrap/c/kustomization.yaml": "resources: [crds.yaml, projects.yaml, root.yaml]\n",
            "cluster/bootstrap/c/crds.yaml": """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: applications.argoproj.io}
                spec: {group: argoproj.io, scope: Namespaced, names: {kind: Application}, versions: [{name: v1alpha1}]}
                ---
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: appprojects.argoproj.io}
                spec: {group: argoproj.io, scope: Namespaced, names: {kind: AppProject}, versions: [{name: v1alpha1}]}
                """,
            "cluster/bootstrap/c/projects.yaml": project,
            "cluster/bootstrap/c/root.yaml": root,
            "cluster/overlays/c/kustomization.yaml": "resources: [../../base/c]\nlabels:\n- pairs: {region: r}\n",
            "cluster/base/c/kustomization.yaml": "resources: [objects.yaml]\n",
            "cluster/base/c/objects.yaml": objects,
        ]
    }

    func run(renderer: ChartRenderer = ChartRenderer(tool: .command("/bin/false"), chartsDirectory: nil),
             admission: (any AdmissionEvaluator)? = nil) -> [Finding] {
        BringUpSimulation(files: files, opsRepository: Self.ops, renderer: renderer, admission: admission).simulate("c").findings
    }

    /// The findings as `[check] application: object: message`; the `resources` check only
    /// when asked for (the other tests' small objects leave sizes out).
    func messages(renderer: ChartRenderer = ChartRenderer(tool: .command("/bin/false"), chartsDirectory: nil),
                  admission: (any AdmissionEvaluator)? = nil, resources: Bool = false) -> [String] {
        run(renderer: renderer, admission: admission).filter { resources || $0.check != .resources }
            .map { "[\($0.check.rawValue)] \($0.application): \($0.object): \($0.message)" }
    }
}

@Suite("Bring-up checks")
struct BringUpChecksTests {
    @Test func healthyClusterHasNoFindings() {
        #expect(Fixture().run().isEmpty)
        let simulation = BringUpSimulation(files: Fixture().files, opsRepository: Fixture.ops,
                                           renderer: ChartRenderer(tool: .command("/bin/false"), chartsDirectory: nil))
        #expect(simulation.clusters == ["c"])
        let result = simulation.simulate("c")
        #expect(result.objects.count == 8)
        // The overlay's labels reach every object of the tree.
        #expect(result.objects.filter { $0.kind == "Namespace" }.first?.labels["region"] == "r")
    }

    @Test func missingBootstrap() {
        var files = Fixture().files
        files["cluster/bootstrap/c/kustomization.yaml"] = nil
        let findings = BringUpSimulation(files: files, opsRepository: Fixture.ops,
                                         renderer: ChartRenderer(tool: .command("/bin/false"), chartsDirectory: nil)).simulate("c").findings
        #expect(findings.map(\.message) == ["no bootstrap kustomization: nothing installs Argo CD, the AppProjects and the root Application"])
    }

    @Test func projectMissing() {
        var fixture = Fixture()
        fixture.root = fixture.root.replacingOccurrences(of: "project: platform", with: "project: apps")
        #expect(fixture.messages() == ["[project] bootstrap: Application argocd/root: AppProject apps does not exist"])
    }

    @Test func destinationWithoutNamespaceIsRefused() {
        // Argo CD matches an empty namespace only against "" or "*": the root of issue #10.
        var fixture = Fixture()
        fixture.root = fixture.root.replacingOccurrences(of: "destination: {server: \(Fixture.server), namespace: argocd}",
                                                         with: "destination: {server: \(Fixture.server)}")
        #expect(fixture.messages().contains(
            "[project] bootstrap: Application argocd/root: application destination server '\(Fixture.server)' and namespace '' do not match any of the allowed destinations in project 'platform'"))
    }

    @Test func sourceRepositoryNotPermitted() {
        var fixture = Fixture()
        fixture.project = fixture.project.replacingOccurrences(of: "sourceRepos: [\(Fixture.ops), ", with: "sourceRepos: [")
        #expect(fixture.messages() == ["[project] bootstrap: Application argocd/root: application repo \(Fixture.ops) is not permitted in project 'platform'"])
    }

    @Test func blacklistedKindAndNamespace() {
        var fixture = Fixture()
        fixture.objects += """

            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reader, namespace: apps}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: kube-system}
            """
        #expect(fixture.messages() == [
            "[permission] root: ConfigMap kube-system/settings: namespace kube-system is not permitted in project 'platform'",
            "[permission] root: Role apps/reader: resource rbac.authorization.k8s.io:Role is not permitted in project platform",
        ])
    }

    @Test func clusterScopedKindNotWhitelisted() {
        var fixture = Fixture()
        fixture.objects += "\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: admin}\n"
        #expect(fixture.messages() == ["[permission] root: ClusterRole admin: resource rbac.authorization.k8s.io:ClusterRole is not permitted in project platform"])
    }

    @Test func customResourceWithoutAndBeforeItsDefinition() {
        var fixture = Fixture()
        let monitor = """

            ---
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata:
              name: web
              namespace: apps
              annotations: {argocd.argoproj.io/sync-wave: "5"}
            spec:
              selector: {matchLabels: {app: web}}
              endpoints: [{port: http}]
            """
        fixture.objects += monitor
        #expect(fixture.messages() == [
            "[crd] root: ServiceMonitor apps/web: The Kubernetes API could not find monitoring.coreos.com/ServiceMonitor for requested resource apps/web. Make sure the \"ServiceMonitor\" CRD is installed on the destination cluster.",
        ])
        // The CRD in the same Application is hoisted before the resource: no finding.
        fixture.objects += """

            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: servicemonitors.monitoring.coreos.com
              annotations: {argocd.argoproj.io/sync-wave: "5"}
            spec:
              group: monitoring.coreos.com
              scope: Namespaced
              names: {kind: ServiceMonitor, plural: servicemonitors}
              versions: [{name: v1, served: true, storage: true}]
            """
        #expect(fixture.messages().isEmpty)
    }

    @Test func missingSecretAndSecretInALaterWave() {
        var fixture = Fixture()
        fixture.objects = fixture.objects.replacingOccurrences(of: "secretRef: {name: creds}", with: "secretRef: {name: other}")
        #expect(fixture.messages() == ["[dependency] root: Deployment apps/web: needs Secret apps/other, which nothing in the cluster produces"])

        // The Secret in a child Application synced after the consumer: a deadlock.
        var later = Fixture()
        later.objects = later.objects.replacingOccurrences(of: "name: creds\n  namespace: apps\n  annotations: {argocd.argoproj.io/sync-wave: \"-5\"}",
                                                           with: "name: creds\n  namespace: apps\n  annotations: {argocd.argoproj.io/sync-wave: \"7\"}")
        #expect(later.messages() == ["[deadlock] root: Deployment apps/web: needs Secret apps/creds, produced only by Secret apps/creds in root at wave 7, after root at wave 5: the sync waits forever"])
    }

    @Test func externalSecretNeedsItsStore() {
        var fixture = Fixture()
        fixture.objects = fixture.objects.replacingOccurrences(of: """
            apiVersion: v1
            kind: Secret
            metadata:
              name: creds
              namespace: apps
              annotations: {argocd.argoproj.io/sync-wave: "-5"}
            """, with: """
            apiVersion: external-secrets.io/v1
            kind: ExternalSecret
            metadata:
              name: creds
              namespace: apps
              annotations: {argocd.argoproj.io/sync-wave: "-5"}
            spec:
              secretStoreRef: {kind: ClusterSecretStore, name: vault}
              target: {name: creds}
            """)
        fixture.objects += """

            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: externalsecrets.external-secrets.io, annotations: {argocd.argoproj.io/sync-wave: "-30"}}
            spec: {group: external-secrets.io, scope: Namespaced, names: {kind: ExternalSecret}, versions: [{name: v1}]}
            """
        #expect(fixture.messages() == ["[dependency] root: ExternalSecret apps/creds: reads ClusterSecretStore vault, which nothing in the cluster creates"])
    }

    @Test func serviceIngressAndAutoscalerReferences() {
        var fixture = Fixture()
        fixture.objects = fixture.objects.replacingOccurrences(of: "selector: {app: web}", with: "selector: {app: webb}")
        fixture.objects += """

            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web, namespace: apps}
            spec:
              rules:
              - host: web.example.com
                http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}
                  - {path: /x, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: web, namespace: apps}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: webapp}
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: web, namespace: apps}
            spec:
              selector: {matchLabels: {app: api}}
            """
        #expect(fixture.messages() == [
            "[reference] root: HorizontalPodAutoscaler apps/web: scale target Deployment webapp does not exist",
            "[reference] root: Ingress apps/web: backend Service api does not exist in apps",
            "[reference] root: Ingress apps/web: backend port 8080 is not a port of Service web",
            "[reference] root: PodDisruptionBudget apps/web: selector app=api matches no pod",
            "[reference] root: Service apps/web: selector app=webb matches no pod in apps",
        ])
    }

    @Test func statefulSetPodNamesAreSelectable() {
        var fixture = Fixture()
        fixture.objects += """

            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db, namespace: apps}
            spec:
              replicas: 2
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec: {containers: [{name: db, image: example/db}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: db-1, namespace: apps}
            spec: {selector: {app: db, statefulset.kubernetes.io/pod-name: db-1}, ports: [{port: 5432}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: db-2, namespace: apps}
            spec: {selector: {app: db, statefulset.kubernetes.io/pod-name: db-2}, ports: [{port: 5432}]}
            """
        #expect(fixture.messages() == ["[reference] root: Service apps/db-2: selector app=db,statefulset.kubernetes.io/pod-name=db-2 matches no pod in apps"])
    }

    @Test func everyContainerIsSized() {
        var fixture = Fixture()
        fixture.objects += """

            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: migrate, namespace: apps}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  initContainers: [{name: wait, image: example/wait, resources: {requests: {cpu: 10m, memory: 16Mi}}}]
                  containers:
                  - {name: run, image: example/run}
                  - {name: cpu-limit-only, image: example/x, resources: {requests: {cpu: 1, memory: 1Gi}, limits: {memory: 1Gi}}}
            """
        #expect(fixture.messages(resources: true) == [
            "[resources] root: Job apps/migrate: container run has no requests.cpu, requests.memory, limits.memory",
            "[resources] root: Job apps/migrate: init container wait has no limits.memory",
        ])
    }

    @Test func monitorPortMustExist() {
        var fixture = Fixture()
        fixture.objects += """

            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: servicemonitors.monitoring.coreos.com, annotations: {argocd.argoproj.io/sync-wave: "-30"}}
            spec: {group: monitoring.coreos.com, scope: Namespaced, names: {kind: ServiceMonitor}, versions: [{name: v1}]}
            ---
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata: {name: web, namespace: apps, annotations: {argocd.argoproj.io/sync-wave: "10"}}
            spec:
              selector: {matchLabels: {app: web}}
              endpoints: [{port: metrics}]
            """
        #expect(fixture.messages() == ["[reference] root: ServiceMonitor apps/web: endpoint port metrics is not a named port of the Services it selects (web)"])
    }

    struct RefuseEverything: AdmissionEvaluator {
        func refusals(of object: ManifestObject, policies: [ManifestObject], namespaceLabels: [String: String]) -> [AdmissionRefusal] {
            policies.map { AdmissionRefusal(policy: $0.name, message: "refused in \(namespaceLabels["region"] ?? "?")", enforced: $0.name == "strict") }
        }
    }

    @Test func admissionSeesOnlyPoliciesAppliedBeforeTheObject() {
        var fixture = Fixture()
        fixture.objects += """

            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: clusterpolicies.kyverno.io, annotations: {argocd.argoproj.io/sync-wave: "-30"}}
            spec: {group: kyverno.io, scope: Cluster, names: {kind: ClusterPolicy}, versions: [{name: v1}]}
            ---
            apiVersion: kyverno.io/v1
            kind: ClusterPolicy
            metadata: {name: strict, annotations: {argocd.argoproj.io/sync-wave: "-10"}}
            ---
            apiVersion: kyverno.io/v1
            kind: ClusterPolicy
            metadata: {name: lenient, annotations: {argocd.argoproj.io/sync-wave: "-10"}}
            ---
            apiVersion: kyverno.io/v1
            kind: ClusterPolicy
            metadata: {name: late, annotations: {argocd.argoproj.io/sync-wave: "20"}}
            """
        fixture.project = fixture.project.replacingOccurrences(of: "- {group: '', kind: Namespace}", with: "- {group: '', kind: Namespace}\n  - {group: kyverno.io, kind: ClusterPolicy}")
        let findings = fixture.run(admission: RefuseEverything())
        #expect(findings.map { "\($0.severity.rawValue) \($0.message)" } == ["warning lenient: refused in r", "error strict: refused in r"])
    }

    @Test func chartsRenderThroughTheRendererAndFailuresAreFindings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bringup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("charts/web-1.0.0"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("name: web\nversion: 1.0.0\n".utf8).write(to: folder.appendingPathComponent("charts/web-1.0.0/Chart.yaml"))
        // A renderer with render-chart's arguments that prints the release and namespace it was given.
        let script = folder.appendingPathComponent("render")
        try Data("""
            #!/bin/sh
            release=""; namespace=""
            while [ $# -gt 0 ]; do case "$1" in --release) release=$2; shift;; --namespace) namespace=$2; shift;; esac; shift; done
            printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\n' "$release"
            echo "data: {namespace: $namespace}"

            """.utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        var fixture = Fixture()
        fixture.objects += """

            ---
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: web-chart, namespace: argocd, annotations: {argocd.argoproj.io/sync-wave: "1"}}
            spec:
              project: platform
              sources:
              - {repoURL: https://charts.example.com, chart: web, targetRevision: 1.0.0, helm: {releaseName: web-release, valueFiles: [$values/values/web.yaml]}}
              - {repoURL: \(Fixture.ops), targetRevision: main, ref: values}
              destination: {server: \(Fixture.server), namespace: apps}
            """
        var files = fixture.files
        files["values/web.yaml"] = "replicas: 2\n"
        let renderer = ChartRenderer(tool: .command(script.path), chartsDirectory: folder.appendingPathComponent("charts").path)
        let result = BringUpSimulation(files: files, opsRepository: Fixture.ops, renderer: renderer).simulate("c")
        #expect(result.findings.isEmpty)
        let rendered = result.objects.first { $0.kind == "ConfigMap" }
        #expect(rendered?.name == "web-release")
        #expect(rendered?.namespace == "apps")
        #expect(rendered?.body["data"]?["namespace"]?.string == "apps")

        // A pin with no chart folder is a finding naming the pin, not a crash.
        let missing = files.mapValues { $0.replacingOccurrences(of: "targetRevision: 1.0.0", with: "targetRevision: 2.0.0") }
        let findings = BringUpSimulation(files: missing, opsRepository: Fixture.ops, renderer: renderer).simulate("c").findings
        #expect(findings.map(\.message) == ["chart web@2.0.0 is pinned but \(folder.appendingPathComponent("charts").path)/web-2.0.0 does not exist (--charts \(folder.appendingPathComponent("charts").path))"])
        #expect(findings.map(\.check) == [.render])
    }

    @Test func argoCDGlobs() {
        #expect(BringUpChecks.glob("*", ""))
        #expect(!BringUpChecks.glob("", "apps"))
        #expect(BringUpChecks.glob("tenant-*", "tenant-a"))
        #expect(BringUpChecks.glob("{apps,data-*}", "data-cache"))
        #expect(!BringUpChecks.glob("{apps,data-*}", "monitoring"))
    }
}
