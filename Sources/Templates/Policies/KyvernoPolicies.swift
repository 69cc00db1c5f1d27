import BlueprintModel
import Renderer

/// Kyverno ClusterPolicies of a cluster, with the policy library's annotations, and
/// for each policy a passing and a failing example Pod.
///
/// Validation fails closed (`Enforce`) where the environment's `policyMode` says so
/// (staging and production) and reports only (`Audit`) elsewhere (dev-local).
/// Two scopes: `restricted` namespaces (services, tenants) are held to every rule;
/// every other non-platform namespace (data stores run upstream charts) to the
/// host-access, isolation and residency rules.
public enum KyvernoPolicies {
    public static let apiVersion = "kyverno.io/v1"
    public static let exampleAnnotation = "scaffold.dev/policy-example"

    /// A policy and its examples.
    public struct Policy {
        public var name: String
        public var object: YAMLNode
        public var passing: YAMLNode
        public var failing: YAMLNode
        /// Namespaces the examples use that the cluster does not have.
        public var exampleNamespaces: [YAMLNode]
    }

    public static func directory(_ scope: ClusterScope) -> String { ClusterArea.ops.directory(scope) }

    public static func files(_ context: ClusterContext) -> (policies: RenderedFile, examples: [RenderedFile]) {
        let policies = policies(context)
        let builder = context.builder
        let policyFile = builder.file(.ops, "\(directory(context.scope))/policies.yaml", policies.map(\.object))
        let examples = policies.map { policy in
            builder.file(.ops, "\(directory(context.scope))/policy-examples/\(policy.name).yaml",
                         policy.exampleNamespaces + [policy.passing, policy.failing])
        }
        return (policyFile, examples)
    }

    // MARK: Policies

    public static func policies(_ context: ClusterContext) -> [Policy] {
        var result: [Policy] = []
        let restricted = match(namespaceSelector: K8s.matchLabels([PolicyScope.label: PolicyScope.restricted]))
        let nonPlatform = match(namespaceSelector: nil)
        let exclude = excludePlatform(context)
        let base = examplePod(context)

        result.append(policy(context, "require-image-digest", title: "Require Images Pinned by Digest", category: "Supply Chain Security",
                             severity: "high", description: "Every container image is referenced by its sha256 digest, never by a tag, so what runs is exactly what was promoted.",
                             rule: rule("require-image-digest", match: restricted, exclude: nil, validate: .map([
                                 ("message", "Images must be pinned by digest (image@sha256:…)."),
                                 ("pattern", .map([("spec", .map([
                                     ("=(initContainers)", [.map([("image", "*@sha256:?*")])]),
                                     ("containers", [.map([("image", "*@sha256:?*")])]),
                                 ]))])),
                             ]), context: context),
                             passing: base, failing: with(base, container: ["image": .string(tagged(context))])))

        if let verify = verifyImagesRule(context) {
            result.append(policy(context, "verify-image-signatures", title: "Verify Image Signatures", category: "Supply Chain Security",
                                 severity: "high", description: "The platform's images carry a cosign signature from the configured signer; unsigned or differently signed images are refused.",
                                 rules: [verify], background: false, webhookTimeout: 30,
                                 passing: base, failing: with(base, container: ["image": .string(tagged(context))])))
        }

        var requiredLabels: [(String, YAMLNode)] = context.blueprint.policy.requiredLabels.sorted().map { ($0, "?*") }
        if requiredLabels.isEmpty { requiredLabels = [(Labels.name, "?*")] }
        result.append(policy(context, "require-labels", title: "Require Labels", category: "Best Practices", severity: "medium",
                             description: "Workloads carry the labels the platform needs to attribute them: \(requiredLabels.map(\.0).joined(separator: ", ")).",
                             rule: rule("require-labels", match: restricted, exclude: nil, validate: .map([
                                 ("message", .string("Labels \(requiredLabels.map(\.0).joined(separator: ", ")) are required.")),
                                 ("pattern", .map([("metadata", .map([("labels", .map(requiredLabels))]))])),
                             ]), context: context),
                             passing: base, failing: withoutLabels(base, requiredLabels.map(\.0))))

        result.append(policy(context, "disallow-privileged-containers", title: "Disallow Privileged Containers",
                             category: "Pod Security Standards (Baseline)", severity: "high",
                             description: "Privileged containers share the host's devices and kernel capabilities; they are not allowed.",
                             rule: rule("disallow-privileged-containers", match: nonPlatform, exclude: exclude, validate: .map([
                                 ("message", "Privileged containers are not allowed."),
                                 ("pattern", .map([("spec", .map([
                                     ("=(initContainers)", [.map([("=(securityContext)", .map([("=(privileged)", "false")]))])]),
                                     ("containers", [.map([("=(securityContext)", .map([("=(privileged)", "false")]))])]),
                                 ]))])),
                             ]), context: context),
                             passing: base, failing: with(base, container: ["securityContext": .map([("privileged", true)])])))

        result.append(policy(context, "disallow-host-namespaces", title: "Disallow Host Namespaces",
                             category: "Pod Security Standards (Baseline)", severity: "high",
                             description: "Sharing the host's network, PID or IPC namespace breaks isolation between tenants and the node.",
                             rule: rule("disallow-host-namespaces", match: nonPlatform, exclude: exclude, validate: .map([
                                 ("message", "hostNetwork, hostPID and hostIPC must not be set."),
                                 ("pattern", .map([("spec", .map([("=(hostNetwork)", "false"), ("=(hostPID)", "false"), ("=(hostIPC)", "false")]))])),
                             ]), context: context),
                             passing: base, failing: with(base, spec: ["hostNetwork": true, "hostPID": true])))

        result.append(policy(context, "disallow-host-path", title: "Disallow hostPath Volumes",
                             category: "Pod Security Standards (Baseline)", severity: "high",
                             description: "hostPath volumes expose the node's file system to the pod; they are not allowed.",
                             rule: rule("disallow-host-path", match: nonPlatform, exclude: exclude, validate: .map([
                                 ("message", "hostPath volumes are not allowed."),
                                 ("pattern", .map([("spec", .map([("=(volumes)", [.map([("X(hostPath)", "null")])])]))])),
                             ]), context: context),
                             passing: base, failing: with(base, spec: ["volumes": [.map([("name", "host"), ("hostPath", .map([("path", "/var/run")]))])]])))

        result.append(policy(context, "require-run-as-non-root", title: "Require runAsNonRoot",
                             category: "Pod Security Standards (Restricted)", severity: "medium",
                             description: "Pods run as a non-root user: runAsNonRoot is true for the pod and no container turns it off.",
                             rule: rule("require-run-as-non-root", match: restricted, exclude: nil, validate: .map([
                                 ("message", "runAsNonRoot must be true."),
                                 ("pattern", .map([("spec", .map([
                                     ("securityContext", .map([("runAsNonRoot", true)])),
                                     ("=(initContainers)", [.map([("=(securityContext)", .map([("=(runAsNonRoot)", true)]))])]),
                                     ("containers", [.map([("=(securityContext)", .map([("=(runAsNonRoot)", true)]))])]),
                                 ]))])),
                             ]), context: context),
                             passing: base, failing: with(base, spec: ["securityContext": .map([("runAsNonRoot", false)])])))

        result.append(policy(context, "require-requests-limits", title: "Require Requests and Limits", category: "Best Practices",
                             severity: "medium", description: "Every container declares CPU and memory requests and limits, so quotas and scheduling hold.",
                             rule: rule("require-requests-limits", match: restricted, exclude: nil, validate: .map([
                                 ("message", "CPU and memory requests and limits are required."),
                                 ("pattern", .map([("spec", .map([("containers", [.map([("resources", .map([
                                     ("requests", .map([("cpu", "?*"), ("memory", "?*")])),
                                     ("limits", .map([("cpu", "?*"), ("memory", "?*")])),
                                 ]))])])]))])),
                             ]), context: context),
                             passing: base, failing: with(base, container: ["resources": .map([("requests", .map([("cpu", "100m")]))])])))

        let unlabelled = "scaffold-policy-example"
        result.append(policy(context, "require-isolation-ready-namespace", title: "Require an Isolation-Ready Namespace",
                             category: "Multi-Tenancy", severity: "high",
                             description: "Workloads run only in namespaces labelled isolation-ready=true: namespaces whose default-deny network policy and allowlists are in place.",
                             rules: [rule("require-isolation-ready-namespace",
                                          match: match(namespaceSelector: .map([("matchExpressions", [.map([
                                              ("key", .string(Labels.isolationReady)), ("operator", "NotIn"), ("values", ["true"]),
                                          ])])])),
                                          exclude: exclude, validate: .map([
                                              ("message", "Namespace {{request.namespace}} is not labelled isolation-ready=true."),
                                              ("deny", .map([("conditions", .map([("any", [.map([
                                                  ("key", "{{request.operation}}"), ("operator", "AnyIn"), ("value", ["CREATE", "UPDATE"]),
                                              ])])]))])),
                                          ]), context: context)],
                             background: false,
                             passing: base, failing: with(base, namespace: unlabelled),
                             exampleNamespaces: [K8s.object("v1", "Namespace", name: unlabelled, labels: ["kubernetes.io/metadata.name": unlabelled])]))

        result.append(policy(context, "enforce-region-residency", title: "Enforce Region Residency", category: "Data Residency",
                             severity: "high",
                             description: "Pods in region \(context.scope.region)'s namespaces schedule only onto that region's nodes (node label \(Residency.nodeLabel)=\(context.scope.region)).",
                             rule: rule("enforce-region-residency", match: match(namespaceSelector: K8s.matchLabels([Labels.region: context.scope.region])),
                                        exclude: exclude, validate: .map([
                                            ("message", .string("Pods must select nodes of region \(context.scope.region) (nodeSelector \(Residency.nodeLabel)).")),
                                            ("pattern", .map([("spec", .map([("nodeSelector", .sortedStrings([Residency.nodeLabel: context.scope.region]))]))])),
                                        ]), context: context),
                             passing: base, failing: with(base, spec: ["nodeSelector": .sortedStrings([Residency.nodeLabel: "elsewhere"])])))
        return result
    }

    // MARK: Building blocks

    static func policy(_ context: ClusterContext, _ name: String, title: String, category: String, severity: String, description: String,
                       rule: YAMLNode, passing: YAMLNode, failing: YAMLNode) -> Policy {
        policy(context, name, title: title, category: category, severity: severity, description: description,
               rules: [rule], passing: passing, failing: failing)
    }

    static func policy(_ context: ClusterContext, _ name: String, title: String, category: String, severity: String, description: String,
                       rules: [YAMLNode], background: Bool = true, webhookTimeout: Int? = nil,
                       passing: YAMLNode, failing: YAMLNode, exampleNamespaces: [YAMLNode] = []) -> Policy {
        var annotations = SyncWave.annotations(SyncWave.policies, options: [SyncWave.skipDryRun])
        annotations["policies.kyverno.io/title"] = title
        annotations["policies.kyverno.io/category"] = category
        annotations["policies.kyverno.io/severity"] = severity
        annotations["policies.kyverno.io/subject"] = "Pod"
        annotations["policies.kyverno.io/minversion"] = "1.13.0"
        annotations["policies.kyverno.io/description"] = description
        var spec: [(String, YAMLNode)] = [("admission", true), ("background", .bool(background))]
        if let webhookTimeout { spec.append(("webhookTimeoutSeconds", .int(webhookTimeout))) }
        spec.append(("rules", .sequence(rules)))
        let object = K8s.object(apiVersion, "ClusterPolicy", name: name, labels: context.labels(name: name, component: "policy"),
                                annotations: annotations, [("spec", .map(spec))])
        func example(_ pod: YAMLNode, _ outcome: String) -> YAMLNode {
            var pod = pod
            pod["metadata"]?["name"] = .string("\(name)-\(outcome)")
            var annotations = pod["metadata"]?["annotations"]?.pairs ?? []
            annotations.append(.init(exampleAnnotation, .string("\(name)/\(outcome)")))
            pod["metadata"]?["annotations"] = .mapping(annotations.sorted { $0.key < $1.key })
            return pod
        }
        return Policy(name: name, object: object, passing: example(passing, "pass"), failing: example(failing, "fail"),
                      exampleNamespaces: exampleNamespaces)
    }

    static func match(namespaceSelector: YAMLNode?) -> YAMLNode {
        var resources: [(String, YAMLNode)] = [("kinds", ["Pod"])]
        if let namespaceSelector { resources.append(("namespaceSelector", namespaceSelector)) }
        return .map([("any", [.map([("resources", .map(resources))])])])
    }

    /// Platform and system namespaces: upstream controllers (node exporters, backup
    /// agents, log collectors) legitimately need host access there.
    static func excludePlatform(_ context: ClusterContext) -> YAMLNode {
        let namespaces = (ClusterNamespaces.system + ClusterNamespaces.platform(context)).sorted()
        return .map([("any", [.map([("resources", .map([("namespaces", .sequence(namespaces.map { .string($0) }))]))])])])
    }

    static func rule(_ name: String, match: YAMLNode, exclude: YAMLNode?, validate: YAMLNode, context: ClusterContext) -> YAMLNode {
        var validate = validate
        validate["failureAction"] = .string(context.environment.policyMode.rawValue)
        var pairs: [(String, YAMLNode)] = [("name", .string(name)), ("match", match)]
        if let exclude { pairs.append(("exclude", exclude)) }
        pairs.append(("validate", validate))
        return .map(pairs)
    }

    /// verifyImages for the services' image repositories, with the blueprint's signer.
    static func verifyImagesRule(_ context: ClusterContext) -> YAMLNode? {
        guard let signing = context.blueprint.policy.signing, !context.services.isEmpty else { return nil }
        let entry: YAMLNode = switch signing {
        case .keyless(let issuer, let subject):
            .map([("keyless", .map([
                ("issuer", .string(issuer)),
                ("subject", .string(subject)),
                ("rekor", .map([("url", "https://rekor.sigstore.dev")])),
            ]))])
        case .publicKey(let key):
            .map([("keys", .map([("publicKeys", .string(key.hasSuffix("\n") ? key : key + "\n"))]))])
        }
        // By tag or by digest: a tagged image of these repositories is covered too (and refused: verifyDigest).
        let references = Set(context.services.flatMap { ["\($0.image):*", "\($0.image)@*"] }).sorted()
        return .map([
            ("name", "verify-cosign-signature"),
            ("match", match(namespaceSelector: K8s.matchLabels([PolicyScope.label: PolicyScope.restricted]))),
            ("verifyImages", [.map([
                ("imageReferences", .sequence(references.map { .string($0) })),
                ("failureAction", .string(context.environment.policyMode.rawValue)),
                ("mutateDigest", false),
                ("verifyDigest", true),
                ("required", true),
                ("attestors", [.map([("entries", [entry])])]),
            ])]),
        ])
    }

    // MARK: Examples

    /// A Pod that satisfies every policy: what the services' Deployments produce.
    static func examplePod(_ context: ClusterContext) -> YAMLNode {
        let image: String
        if let service = context.services.first {
            image = "\(service.image)@\(context.digest(of: service))"
        } else {
            image = "registry.example/app@sha256:" + String(repeating: "0", count: 64)
        }
        let labels = context.labels(name: "policy-example", component: "example")
        return K8s.object("v1", "Pod", name: "example", namespace: ClusterNamespaces.apps, labels: labels, [
            ("spec", .map([
                ("automountServiceAccountToken", false),
                ("nodeSelector", .sortedStrings([Residency.nodeLabel: context.scope.region])),
                ("securityContext", ServiceWorkloads.podSecurity),
                ("containers", [.map([
                    ("name", "app"),
                    ("image", .string(image)),
                    ("resources", .map([
                        ("requests", .map([("cpu", "100m"), ("memory", "128Mi")])),
                        ("limits", .map([("cpu", "500m"), ("memory", "256Mi")])),
                    ])),
                    ("securityContext", ServiceWorkloads.containerSecurity),
                ])]),
            ])),
        ])
    }

    /// The example's image by tag instead of digest.
    static func tagged(_ context: ClusterContext) -> String {
        "\(context.services.first?.image ?? "registry.example/app"):latest"
    }

    static func with(_ pod: YAMLNode, container: [String: YAMLNode] = [:], spec: [String: YAMLNode] = [:], namespace: String? = nil) -> YAMLNode {
        var pod = pod
        if let namespace { pod["metadata"]?["namespace"] = .string(namespace) }
        for (key, value) in spec.sorted(by: { $0.key < $1.key }) { pod["spec"]?[key] = value }
        if !container.isEmpty, var first = pod["spec"]?["containers"]?.items.first {
            for (key, value) in container.sorted(by: { $0.key < $1.key }) { first[key] = value }
            pod["spec"]?["containers"] = [first]
        }
        return pod
    }

    static func withoutLabels(_ pod: YAMLNode, _ keys: [String]) -> YAMLNode {
        var pod = pod
        let remaining = (pod["metadata"]?["labels"]?.pairs ?? []).filter { !keys.contains($0.key) }
        pod["metadata"]?["labels"] = .mapping(remaining)
        return pod
    }
}
