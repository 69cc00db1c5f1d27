@testable import BringUp
import Foundation
import Manifests
import Testing
import TestSupport

@Suite("Kyverno and Pod Security admission")
struct KyvernoAdmissionTests {
    static let golden = TestTools.packageRoot.appendingPathComponent("Tests/Golden/galaxy/ops/cluster")

    static func objects(_ path: URL) throws -> [ManifestObject] {
        try ManifestReader.objects(String(contentsOf: path, encoding: .utf8), file: path.lastPathComponent)
    }

    /// The namespace labels a cluster's namespaces carry after the overlay adds its own.
    static func namespaceLabels(_ cluster: String) throws -> [String: [String: String]] {
        let parts = cluster.split(separator: "-")
        let overlay = ["scaffold.dev/environment": parts.dropLast().joined(separator: "-"), "scaffold.dev/region": String(parts.last!)]
        var result: [String: [String: String]] = [:]
        for namespace in try objects(golden.appendingPathComponent("base/\(cluster)/namespaces.yaml")) {
            result[namespace.name] = namespace.labels.merging(overlay) { _, new in new }
        }
        return result
    }

    /// Every generated policy example: the `pass` Pod is admitted by its policy, the
    /// `fail` Pod refused by it, in every cluster.
    @Test(arguments: ["dev-local-tr", "staging-tr", "production-tr", "staging-es", "production-es"])
    func policyExamples(_ cluster: String) throws {
        let policies = try Self.objects(Self.golden.appendingPathComponent("ops/\(cluster)/policies.yaml"))
        #expect(policies.count == 10)
        let labels = try Self.namespaceLabels(cluster)
        let folder = Self.golden.appendingPathComponent("ops/\(cluster)/policy-examples")
        var checked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            for pod in try Self.objects(folder.appendingPathComponent(file)) {
                guard let example = pod.body["metadata"]?["annotations"]?["scaffold.dev/policy-example"]?.string else { continue }
                let parts = example.split(separator: "/").map(String.init)
                let namespace = pod.namespace ?? ""
                let namespaceLabels = (labels[namespace] ?? [:]).merging(["kubernetes.io/metadata.name": namespace]) { old, _ in old }
                let refusals = KyvernoAdmission().refusals(of: pod, policies: policies, namespaceLabels: namespaceLabels)
                    .filter { $0.policy == parts[0] }
                if parts[1] == "pass" {
                    #expect(refusals.map(\.message) == [], "\(cluster) \(example)")
                } else {
                    #expect(refusals.count >= 1, "\(cluster) \(example) was admitted")
                }
                checked += 1
            }
        }
        #expect(checked == 20)
    }

    static let policy = """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata: {name: residency}
        spec:
          rules:
          - name: residency
            match: {any: [{resources: {kinds: [Pod], namespaceSelector: {matchLabels: {region: tr}}}}]}
            validate:
              failureAction: Enforce
              message: Pods must select region tr.
              pattern: {spec: {nodeSelector: {region: tr}}}
        """

    static func object(_ text: String) throws -> ManifestObject { try #require(ManifestReader.objects(text, file: "test.yaml").first) }

    @Test func autogenAppliesPodRulesToControllers() throws {
        let policies = [try Self.object(Self.policy)]
        let job = try Self.object("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: post, namespace: data}
            spec: {template: {spec: {nodeSelector: {}, containers: [{name: c, image: x}]}}}
            """)
        let refusals = KyvernoAdmission().refusals(of: job, policies: policies, namespaceLabels: ["region": "tr"])
        #expect(refusals == [AdmissionRefusal(policy: "residency", message: "validation error: Pods must select region tr.. rule autogen-residency failed at path /spec/nodeSelector/region/", enforced: true)])
        let cron = try Self.object("""
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly, namespace: data}
            spec: {jobTemplate: {spec: {template: {spec: {nodeSelector: {region: tr}, containers: [{name: c, image: x}]}}}}}
            """)
        #expect(KyvernoAdmission().refusals(of: cron, policies: policies, namespaceLabels: ["region": "tr"]) == [])
        // Another region's namespace is not matched.
        #expect(KyvernoAdmission().refusals(of: job, policies: policies, namespaceLabels: ["region": "es"]) == [])
        // kube-system and Kyverno's own namespace are never evaluated.
        var system = job
        system.namespace = "kube-system"
        #expect(KyvernoAdmission().refusals(of: system, policies: policies, namespaceLabels: ["region": "tr"]) == [])
    }

    @Test(arguments: [
        ("{spec: {=(hostNetwork): \"false\"}}", "{spec: {}}", true),
        ("{spec: {=(hostNetwork): \"false\"}}", "{spec: {hostNetwork: true}}", false),
        ("{spec: {=(volumes): [{X(hostPath): \"null\"}]}}", "{spec: {volumes: [{name: a, emptyDir: {}}]}}", true),
        ("{spec: {=(volumes): [{X(hostPath): \"null\"}]}}", "{spec: {volumes: [{name: a, hostPath: {path: /}}]}}", false),
        ("{spec: {containers: [{image: \"*@sha256:?*\"}]}}", "{spec: {containers: [{image: \"a@sha256:00\"}]}}", true),
        ("{spec: {containers: [{image: \"*@sha256:?*\"}]}}", "{spec: {containers: [{image: \"a:latest\"}]}}", false),
        ("{spec: {containers: [{(name): web, image: \"*@sha256:?*\"}]}}", "{spec: {containers: [{name: sidecar, image: \"a:1\"}]}}", true),
        ("{metadata: {labels: {app: \"?*\"}}}", "{metadata: {labels: {app: \"\"}}}", false),
        ("{spec: {^(containers): [{name: web}]}}", "{spec: {containers: [{name: a}, {name: web}]}}", true),
        ("{spec: {securityContext: {runAsNonRoot: true}}}", "{spec: {}}", false),
    ] as [(String, String, Bool)])
    func patterns(_ pattern: String, _ resource: String, _ passes: Bool) throws {
        let outcome = KyvernoAdmission.match(try #require(ManifestReader.documents(resource, file: "r").first),
                                             try #require(ManifestReader.documents(pattern, file: "p").first), path: "/")
        if passes { #expect(outcome != .fail("/") && { if case .fail = outcome { return false }; return true }(), "\(outcome)") } else {
            #expect({ if case .fail = outcome { return true }; return false }(), "\(outcome)")
        }
    }

    @Test func podSecurityRestricted() throws {
        let pod = try Self.object("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: apps}
            spec:
              containers:
              - {name: web, image: x, securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}, capabilities: {drop: [ALL]}}}
              - {name: shell, image: y}
            """)
        let refusals = PodSecurity.refusals(of: pod, namespaceLabels: ["pod-security.kubernetes.io/enforce": "restricted"])
        #expect(refusals.map(\.message) == [
            "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"shell\" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container \"shell\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"shell\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"), unrestricted capabilities (container \"shell\" must set securityContext.capabilities.drop=[\"ALL\"])",
        ])
        #expect(PodSecurity.refusals(of: pod, namespaceLabels: ["pod-security.kubernetes.io/enforce": "baseline"]).isEmpty)
        let daemon = try Self.object("""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent, namespace: data}
            spec: {template: {spec: {hostNetwork: true, volumes: [{name: logs, hostPath: {path: /var/log}}], containers: [{name: a, image: x}]}}}
            """)
        #expect(PodSecurity.refusals(of: daemon, namespaceLabels: ["pod-security.kubernetes.io/enforce": "baseline"]).map(\.message) == [
            "pods of DaemonSet agent: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), hostPath volumes (volume \"logs\")",
        ])
    }
}
