import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// Each rendered Kyverno ClusterPolicy against its own passing and failing example,
/// and against every pod the platform's workloads create, evaluated by the subset of
/// Kyverno's engine the policies use (the `kyverno` CLI is on neither Debian nor PyPI):
/// `match`/`exclude` on kinds, namespaces and namespace selectors; `validate.pattern`
/// with wildcards (`*`, `?`), the conditional anchor `=(key)` and the negation anchor
/// `X(key)`; `validate.deny.conditions` (`AnyIn`, on `{{request.operation}}`, for a
/// CREATE); `verifyImages` as far as it can be judged offline (which images it covers
/// and `verifyDigest`; the signature check itself needs the registry).
@Suite struct KyvernoExampleTests {
    // MARK: A small Kyverno engine

    enum Verdict: Equatable { case notApplicable, pass, fail(String) }

    static func wildcard(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (t.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if i == p.count { result = j == t.count }
            else if p[i] == "*" { result = match(i + 1, j) || (j < t.count && match(i, j + 1)) }
            else if j < t.count && (p[i] == "?" || p[i] == t[j]) { result = match(i + 1, j + 1) }
            else { result = false }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    /// Whether `value` (nil: absent) matches `pattern`; the reason when it does not.
    static func matches(_ value: YAMLNode?, _ pattern: YAMLNode, path: String) -> String? {
        switch pattern {
        case .mapping(let pairs):
            guard let value, case .mapping = value else { return "\(path): expected an object" }
            for pair in pairs {
                if pair.key.hasPrefix("=(") && pair.key.hasSuffix(")") {
                    let key = String(pair.key.dropFirst(2).dropLast())
                    if let present = value[key], let reason = matches(present, pair.value, path: "\(path)/\(key)") { return reason }
                } else if pair.key.hasPrefix("X(") && pair.key.hasSuffix(")") {
                    let key = String(pair.key.dropFirst(2).dropLast())
                    if value[key] != nil { return "\(path)/\(key): must not be set" }
                } else if let reason = matches(value[pair.key], pair.value, path: "\(path)/\(pair.key)") {
                    return reason
                }
            }
            return nil
        case .sequence(let patterns):
            guard let value, case .sequence(let items) = value else { return "\(path): expected a list" }
            for (index, item) in items.enumerated() {
                for element in patterns {
                    if let reason = matches(item, element, path: "\(path)/\(index)") { return reason }
                }
            }
            return nil
        default:
            guard let value, let text = value.scalarText else { return "\(path): missing" }
            let expected = pattern.scalarText ?? ""
            if expected.hasPrefix("!") { return wildcard(String(expected.dropFirst()), text) ? "\(path): \(text) is excluded" : nil }
            return wildcard(expected, text) ? nil : "\(path): \(text) does not match \(expected)"
        }
    }

    static func applies(_ block: YAMLNode?, to resource: YAMLNode, namespaceLabels: [String: [String: String]]) -> Bool {
        guard let filters = block?["any"]?.items else { return false }
        let kind = GitOps.kind(resource)
        let namespace = GitOps.namespace(resource) ?? ""
        return filters.contains { filter in
            let resources = filter["resources"]
            if let kinds = resources?["kinds"]?.items.compactMap(\.scalarText), !kinds.contains(kind) { return false }
            if let names = resources?["namespaces"]?.items.compactMap(\.scalarText), !names.contains(where: { wildcard($0, namespace) }) { return false }
            if let selector = resources?["namespaceSelector"],
               !ReachabilityEvaluator.selector(selector, matches: namespaceLabels[namespace] ?? [:]) { return false }
            return true
        }
    }

    static func evaluate(_ policy: YAMLNode, _ resource: YAMLNode, namespaceLabels: [String: [String: String]]) -> Verdict {
        var applied = false
        for rule in policy["spec"]?["rules"]?.items ?? [] {
            guard applies(rule["match"], to: resource, namespaceLabels: namespaceLabels),
                  !applies(rule["exclude"], to: resource, namespaceLabels: namespaceLabels) else { continue }
            applied = true
            if let validate = rule["validate"] {
                if let pattern = validate["pattern"], let reason = matches(resource, pattern, path: "") { return .fail(reason) }
                if let deny = validate["deny"] {
                    let conditions = deny["conditions"]?["any"]?.items ?? []
                    let denied = conditions.isEmpty || conditions.contains { condition in
                        let key = (condition["key"]?.scalarText ?? "").replacingOccurrences(of: "{{request.operation}}", with: "CREATE")
                        let values = condition["value"]?.items.compactMap(\.scalarText) ?? []
                        return condition["operator"]?.scalarText == "AnyIn" && values.contains(key)
                    }
                    if denied { return .fail("denied") }
                }
            }
            for verify in rule["verifyImages"]?.items ?? [] {
                let references = verify["imageReferences"]?.items.compactMap(\.scalarText) ?? []
                let containers = resource["spec"]?["containers"]?.items ?? []
                for image in containers.compactMap({ $0["image"]?.scalarText }) {
                    let covered = references.contains { wildcard($0, image) }
                    guard covered else { continue }
                    if verify["verifyDigest"] == .bool(true) && !image.contains("@sha256:") { return .fail("\(image) is not pinned by digest") }
                }
            }
        }
        return applied ? .pass : .notApplicable
    }

    // MARK: Tests

    static func examples(_ plan: OutputPlan, _ scope: ClusterScope) throws -> [String: [YAMLNode]] {
        var result: [String: [YAMLNode]] = [:]
        for file in plan.files(in: .ops) where file.path.hasPrefix("cluster/ops/\(scope.name)/policy-examples/") {
            let name = (file.path as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
            result[name] = try GitOps.documents(file.contents)
        }
        return result
    }

    @Test func everyPolicyPassesItsPassingExampleAndFailsItsFailingOne() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        let plan = Generator.plan(for: loaded)
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let policies = objects.filter { GitOps.kind($0) == "ClusterPolicy" }
            #expect(policies.count == 10, "\(scope.name): \(policies.map(GitOps.name))")
            let examples = try Self.examples(plan, scope)
            #expect(Set(examples.keys) == Set(policies.map(GitOps.name)), "every policy ships examples")
            for policy in policies {
                let name = GitOps.name(policy)
                let documents = try #require(examples[name])
                var namespaces = GitOps.namespaceLabels(objects)
                for (key, value) in GitOps.namespaceLabels(documents) { namespaces[key] = value }
                let pods = documents.filter { GitOps.kind($0) == "Pod" }
                let passing = try #require(pods.first { $0["metadata"]?["annotations"]?[KyvernoPolicies.exampleAnnotation]?.scalarText == "\(name)/pass" })
                let failing = try #require(pods.first { $0["metadata"]?["annotations"]?[KyvernoPolicies.exampleAnnotation]?.scalarText == "\(name)/fail" })
                // A passing example is admitted: the policy passes it, or (the namespace gate) does not match it.
                let passed = Self.evaluate(policy, passing, namespaceLabels: namespaces)
                #expect(passed == .pass || (passed == .notApplicable && name == "require-isolation-ready-namespace"),
                        "\(scope.name): \(name) rejects its passing example: \(passed)")
                let verdict = Self.evaluate(policy, failing, namespaceLabels: namespaces)
                if case .fail = verdict {} else { Issue.record("\(scope.name): \(name) accepts its failing example (\(verdict))") }
            }
        }
    }

    @Test func thePlatformsOwnWorkloadsSatisfyEveryPolicy() throws {
        guard let (loaded, builds) = try GitOps.builtOverlays() else { return }
        for scope in loaded.clusters {
            let objects = try #require(builds[scope.name])
            let namespaces = GitOps.namespaceLabels(objects)
            let policies = objects.filter { GitOps.kind($0) == "ClusterPolicy" }
            for workload in objects where ["Deployment", "Job"].contains(GitOps.kind(workload)) {
                let template = try #require(workload["spec"]?["template"])
                let pod = YAMLNode.map([
                    ("apiVersion", "v1"), ("kind", "Pod"),
                    ("metadata", .map([("name", .string(GitOps.name(workload))), ("namespace", .string(GitOps.namespace(workload) ?? "")),
                                       ("labels", template["metadata"]?["labels"] ?? .mapping([]))])),
                    ("spec", template["spec"] ?? .mapping([])),
                ])
                var applicable = 0
                for policy in policies {
                    let verdict = Self.evaluate(policy, pod, namespaceLabels: namespaces)
                    if verdict != .notApplicable { applicable += 1 }
                    if case .fail(let reason) = verdict {
                        Issue.record("\(scope.name): \(GitOps.kind(workload)) \(GitOps.name(workload)) violates \(GitOps.name(policy)): \(reason)")
                    }
                }
                // Every policy but the namespace gate (which matches only unlabelled namespaces) covers the services' pods.
                #expect(applicable == policies.count - 1, "\(GitOps.name(workload)): \(applicable) of \(policies.count) policies apply")
            }
            // A tenant's pods are held to the restricted rules; a platform namespace's are not.
            let tenant = try #require(namespaces.keys.first { $0.hasPrefix("tenant-") })
            #expect(namespaces[tenant]?[PolicyScope.label] == PolicyScope.restricted)
            let probe = YAMLNode.map([("kind", "Pod"), ("metadata", .map([("name", "x"), ("namespace", "monitoring")])), ("spec", .map([("hostNetwork", true)]))])
            #expect(policies.allSatisfy { Self.evaluate($0, probe, namespaceLabels: namespaces) == .notApplicable })
        }
    }

    @Test func policiesCarryTheLibraryAnnotationsAndTheEnvironmentsMode() throws {
        let loaded = try GitOps.galaxy()
        for context in ClusterContext.all(loaded) {
            for policy in KyvernoPolicies.policies(context) {
                let annotations = GitOps.labels(policy.object["metadata"]?["annotations"])
                for key in ["title", "category", "severity", "description"] {
                    #expect(!(annotations["policies.kyverno.io/\(key)"] ?? "").isEmpty, "\(policy.name) lacks \(key)")
                }
                #expect(["low", "medium", "high"].contains(annotations["policies.kyverno.io/severity"] ?? ""))
                let text = YAMLPrinter.print(policy.object)
                let mode = context.scope.environment == "dev-local" ? "Audit" : "Enforce"
                #expect(text.contains("failureAction: \(mode)"), "\(context.scope.name): \(policy.name)")
            }
            let verify = try #require(KyvernoPolicies.policies(context).first { $0.name == "verify-image-signatures" })
            let text = YAMLPrinter.print(verify.object)
            #expect(text.contains("issuer: https://token.actions.githubusercontent.com"))
            #expect(text.contains("subject: https://github.com/galaxy-health/*"))
        }
    }

    @Test func engineSubsetBehavesLikeKyverno() {
        #expect(Self.wildcard("*@sha256:?*", "ghcr.io/a/b@sha256:abc"))
        #expect(!Self.wildcard("*@sha256:?*", "ghcr.io/a/b:1.0"))
        #expect(!Self.wildcard("?*", ""))
        let pattern: YAMLNode = .map([("spec", .map([("=(hostNetwork)", "false"), ("=(volumes)", [.map([("X(hostPath)", "null")])])]))])
        #expect(Self.matches(.map([("spec", .map([]))]), pattern, path: "") == nil, "absent optional keys pass")
        #expect(Self.matches(.map([("spec", .map([("hostNetwork", true)]))]), pattern, path: "") != nil)
        #expect(Self.matches(.map([("spec", .map([("volumes", [.map([("name", "a"), ("hostPath", .map([("path", "/")]))])])]))]), pattern, path: "") != nil)
        #expect(Self.matches(.map([("spec", .map([("volumes", [.map([("name", "a"), ("emptyDir", .map([]))])])]))]), pattern, path: "") == nil)
    }
}
