public import Manifests

/// Kyverno's validating admission, offline, over the ClusterPolicies (and Policies) of a cluster.
///
/// Evaluates `validate.pattern`/`anyPattern` with anchors, `validate.deny.conditions`,
/// `preconditions`, and `verifyImages` as far as offline allows; applies autogen so Pod rules
/// judge controllers' pod templates; honours Kyverno's resource filters. Mutate and generate
/// rules are not admission verdicts and are ignored.
public struct KyvernoPolicySet: Sendable {
    struct Policy: Sendable {
        var name: String
        /// Set for a namespaced `Policy`, which sees only its own namespace.
        var namespace: String?
        var spec: ManifestValue
        var annotations: [String: String]
        var rules: [ManifestValue] { spec["rules"]?.items ?? [] }
    }

    var policies: [Policy]
    /// Kyverno's namespace, skipped by its resource filters (`excludeKyvernoNamespace: true`).
    public var kyvernoNamespace: String

    /// Reads the `kyverno.io` ClusterPolicy and Policy objects among `objects`; others are ignored.
    public init(_ objects: [ManifestObject], kyvernoNamespace: String = "kyverno") {
        policies = objects.filter { $0.group == "kyverno.io" && ($0.kind == "ClusterPolicy" || $0.kind == "Policy") }.map {
            Policy(name: $0.name, namespace: $0.kind == "Policy" ? ($0.namespace ?? "default") : nil,
                   spec: $0.body["spec"] ?? ManifestValue(.null), annotations: $0.body.annotations)
        }
        self.kyvernoNamespace = kyvernoNamespace
    }

    /// The names of the policies read, in order.
    public var policyNames: [String] { policies.map(\.name) }

    /// Kinds Kyverno's default `config.resourceFilters` skip (chart `charts/kyverno/values.yaml`).
    static let filteredKinds: Set<String> = [
        "Event", "Node", "APIService", "TokenReview", "SubjectAccessReview", "SelfSubjectAccessReview",
        "Binding", "ReplicaSet", "EphemeralReport", "ClusterEphemeralReport",
    ]

    /// What Kyverno decides when `object` is created (or updated) in a namespace with `namespaceLabels`
    /// (empty for cluster-scoped objects).
    public func evaluate(_ object: ManifestObject, namespaceLabels: [String: String], operation: String = "CREATE") -> KyvernoDecision {
        let namespace = object.kind == "Namespace" ? object.name : (object.namespace ?? "")
        if Self.filteredKinds.contains(object.kind) {
            return KyvernoDecision(filteredBecause: "Kyverno's resource filters skip kind \(object.kind)", results: [], blockingPolicies: [])
        }
        if ["kube-system", "kube-public", "kube-node-lease", kyvernoNamespace].contains(namespace) {
            return KyvernoDecision(filteredBecause: "Kyverno does not admit objects in namespace \(namespace)", results: [], blockingPolicies: [])
        }
        var results: [RuleResult] = []
        var blocking: [String] = []
        for policy in policies {
            if let only = policy.namespace, only != object.namespace { continue }
            if policy.spec["admission"]?.bool == false { continue }
            let policyResults = evaluate(policy, object, namespaceLabels: namespaceLabels, operation: operation)
            results += policyResults
            let failurePolicyFails = policy.spec["failurePolicy"]?.string != "Ignore"
            if policyResults.contains(where: { $0.outcome == .fail }) && blockingAction(policy, object, namespaceLabels) == .enforce
                || policyResults.contains(where: { $0.outcome == .error }) && failurePolicyFails {
                blocking.append(policy.name)
            }
        }
        return KyvernoDecision(filteredBecause: nil, results: results, blockingPolicies: blocking,
                               denialMessage: blocking.isEmpty ? nil : Self.denialMessage(object, results))
    }

    private func evaluate(_ policy: Policy, _ object: ManifestObject, namespaceLabels: [String: String], operation: String) -> [RuleResult] {
        let controllers = Self.autogenControllers(policy)
        let versionParts = object.apiVersion.split(separator: "/")
        let direct = ResourceMatch.Request(object: object, kind: object.kind, group: object.group,
                                           version: versionParts.last.map(String.init) ?? "", namespaceLabels: namespaceLabels, operation: operation)
        var asPod = direct
        asPod.kind = "Pod"
        asPod.group = ""
        asPod.version = "v1"
        var results: [RuleResult] = []
        for rule in policy.rules {
            let name = rule["name"]?.string ?? ""
            if ResourceMatch.matches(rule["match"], direct) && !ResourceMatch.excludes(rule["exclude"], direct) {
                results += evaluate(rule, named: name, policy, object, templatePath: [], namespaceLabels: namespaceLabels, operation: operation)
            } else if controllers.contains(object.kind), let templatePath = PodTemplate.path(forKind: object.kind),
                      Self.matchKinds(rule).contains(where: Self.isPod),
                      ResourceMatch.matches(rule["match"], asPod) && !ResourceMatch.excludes(rule["exclude"], asPod) {
                // KY `pkg/autogen/v1/rule.go#generateRuleForControllers` / `#generateCronJobRule`.
                let generated = object.kind == "CronJob" ? "autogen-cronjob-\(name)" : "autogen-\(name)"
                results += evaluate(rule, named: generated, policy, object, templatePath: templatePath, namespaceLabels: namespaceLabels, operation: operation)
            }
        }
        return results
    }

    /// One rule on the object; `templatePath` is non-empty for an autogen rule, whose patterns
    /// Kyverno nests under the controller's pod template.
    private func evaluate(_ rule: ManifestValue, named name: String, _ policy: Policy, _ object: ManifestObject,
                          templatePath: [String], namespaceLabels: [String: String], operation: String) -> [RuleResult] {
        let context = RequestContext(operation: operation, object: object, templatePath: templatePath)
        let specAction = FailureAction(text: policy.spec["validationFailureAction"]?.string) ?? .audit
        func result(_ outcome: RuleOutcome, _ action: FailureAction, _ message: String, _ path: String? = nil) -> RuleResult {
            RuleResult(policy: policy.name, rule: name, outcome: outcome, action: action, message: message, path: path)
        }
        let validate = rule["validate"]
        let verifyImages = rule["verifyImages"]?.items ?? []
        guard validate != nil || !verifyImages.isEmpty else { return [] }
        let action = validate.map { Self.ruleAction($0, object, namespaceLabels) ?? specAction }
            ?? FailureAction(text: verifyImages.first?["failureAction"]?.string) ?? specAction

        if let preconditions = rule["preconditions"] {
            do throws(RequestContext.Failure) {
                if try !Conditions.hold(preconditions, in: context) { return [result(.skip, action, "preconditions not met")] }
            } catch {
                return [Self.failureResult(error, policy: policy.name, rule: name, action: action)]
            }
        }
        if let validate {
            return [validateResult(validate, rule: name, policy: policy.name, object: object, context: context, action: action)]
        }
        let pod = object.body.value(at: templatePath)
        var verdicts: [(ImageVerification.Verdict, FailureAction)] = []
        for entry in verifyImages {
            verdicts.append((ImageVerification.verify(entry, images: ImageVerification.images(ofPod: pod)),
                             FailureAction(text: entry["failureAction"]?.string) ?? specAction))
        }
        for outcome in [RuleOutcome.fail, .undecidable, .pass] {
            if let (verdict, entryAction) = verdicts.first(where: { $0.0.outcome == outcome }) {
                return [result(outcome, entryAction, verdict.message)]
            }
        }
        return [result(.skip, action, verdicts.first?.0.message ?? "no image matched")]
    }

    // KY `pkg/engine/handlers/validation/validate_resource.go#validator.validate`.
    private func validateResult(_ validate: ManifestValue, rule: String, policy: String, object: ManifestObject,
                                context: RequestContext, action: FailureAction) -> RuleResult {
        func result(_ outcome: RuleOutcome, _ message: String, _ path: String? = nil) -> RuleResult {
            RuleResult(policy: policy, rule: rule, outcome: outcome, action: action, message: message, path: path)
        }
        let rawMessage = validate["message"]?.string ?? ""
        let message = (try? context.interpolate(rawMessage)) ?? rawMessage
        do throws(RequestContext.Failure) {
            if let pattern = validate["pattern"] {
                let wrapped = try context.substitute(pattern).wrapped(in: context.templatePath)
                guard let mismatch = PatternMatcher.match(object.body, wrapped) else { return result(.pass, "validation rule '\(rule)' passed.") }
                if mismatch.skips { return result(.skip, "rule \(rule) skipped: \(mismatch.detail)") }
                return result(.fail, Self.errorMessage(message, rule: rule, path: mismatch.path), mismatch.path)
            }
            if let anyPattern = validate["anyPattern"] {
                var failures: [String] = []
                var firstFailurePath: String?
                var skipped = 0
                for (index, pattern) in anyPattern.items.enumerated() {
                    let wrapped = try context.substitute(pattern).wrapped(in: context.templatePath)
                    guard let mismatch = PatternMatcher.match(object.body, wrapped) else {
                        return result(.pass, "validation rule '\(rule)' anyPattern[\(index)] passed.")
                    }
                    if mismatch.skips {
                        skipped += 1
                    } else {
                        failures.append("rule \(rule)[\(index)] failed at path \(mismatch.path)")
                        firstFailurePath = firstFailurePath ?? mismatch.path
                    }
                }
                if failures.isEmpty && skipped > 0 { return result(.skip, "rule \(rule) skipped: every anyPattern skipped") }
                // buildAnyPatternErrorMessage
                let errors = failures.joined(separator: " ")
                let text = message.isEmpty ? "validation error: \(errors)"
                    : message.hasSuffix(".") ? "validation error: \(message) \(errors)" : "validation error: \(message). \(errors)"
                return result(.fail, text, firstFailurePath)
            }
            if let deny = validate["deny"] {
                // validateDeny: no conditions deny everything; the message is the rule's, substituted.
                var denied = true
                if let conditions = deny["conditions"] { denied = try Conditions.hold(conditions, in: context) }
                if denied { return result(.fail, message.isEmpty ? "validation error: rule \(rule) failed" : message) }
                return result(.pass, "validation rule '\(rule)' passed.")
            }
        } catch {
            return Self.failureResult(error, policy: policy, rule: rule, action: action)
        }
        let kinds = validate.entries.map(\.key).filter { !["message", "failureAction", "failureActionOverrides", "allowExistingViolations"].contains($0) }
        return result(.undecidable, "validate \(kinds.joined(separator: ", ")) is not evaluated offline")
    }

    private static func failureResult(_ failure: RequestContext.Failure, policy: String, rule: String, action: FailureAction) -> RuleResult {
        switch failure {
        case .unresolved(let text): RuleResult(policy: policy, rule: rule, outcome: .error, action: action, message: text)
        case .undecidable(let text): RuleResult(policy: policy, rule: rule, outcome: .undecidable, action: action, message: text)
        }
    }

    // validator.buildErrorMessage
    static func errorMessage(_ message: String, rule: String, path: String) -> String {
        let message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if message.isEmpty { return "validation error: rule \(rule) failed at path \(path)" }
        return "validation error: \(message.hasSuffix(".") ? message : message + ".") rule \(rule) failed at path \(path)"
    }

    /// A validate rule's own action: a matching `failureActionOverrides` entry, else `failureAction`.
    static func ruleAction(_ validate: ManifestValue, _ object: ManifestObject, _ namespaceLabels: [String: String]) -> FailureAction? {
        for override in validate["failureActionOverrides"]?.items ?? [] {
            guard let action = FailureAction(text: override["action"]?.string) else { continue }
            let selectorHolds = override["namespaceSelector"].map { LabelSelector($0).matches(namespaceLabels) } ?? true
            if let namespaces = override["namespaces"]?.strings {
                if Wildcard.matchAny(namespaces, object.namespace ?? ""), selectorHolds { return action }
            } else if override["namespaceSelector"] != nil, selectorHolds {
                return action
            }
        }
        return FailureAction(text: validate["failureAction"]?.string)
    }

    /// The action deciding whether the policy blocks: the first rule with an explicit one (validate
    /// override or `failureAction`, or `verifyImages[0].failureAction`), else the spec's
    /// (KY `pkg/engine/api/engineresponse.go#GetValidationFailureAction`; order-dependent, kyverno#16557).
    func blockingAction(_ policy: Policy, _ object: ManifestObject, _ namespaceLabels: [String: String]) -> FailureAction {
        for rule in policy.rules {
            if let validate = rule["validate"] {
                if let action = Self.ruleAction(validate, object, namespaceLabels) { return action }
            } else if let first = rule["verifyImages"]?.items.first, let action = FailureAction(text: first["failureAction"]?.string) {
                return action
            }
        }
        return FailureAction(text: policy.spec["validationFailureAction"]?.string) ?? .audit
    }

    /// The controllers the policy's Pod rules are generated for (KY `pkg/autogen/v1/autogen.go#CanAutoGen`,
    /// `#GetControllers`): none when a rule names, selects or annotates resources, or mixes Pod with other
    /// kinds; restricted by `pod-policies.kyverno.io/autogen-controllers` (`none` disables).
    static func autogenControllers(_ policy: Policy) -> Set<String> {
        var needed = false
        for rule in policy.rules {
            for description in resourceDescriptions(rule) {
                let kinds = description["kinds"]?.strings ?? []
                if description["name"] != nil || !(description["names"]?.items.isEmpty ?? true) || description["selector"] != nil
                    || description["annotations"] != nil || (kinds.count > 1 && kinds.contains(where: isPod)) {
                    return []
                }
                needed = needed || kinds.contains(where: isPod)
            }
        }
        guard needed else { return [] }
        guard let requested = policy.annotations["pod-policies.kyverno.io/autogen-controllers"], !requested.isEmpty else {
            return PodTemplate.controllerKinds
        }
        if requested == "none" { return [] }
        return PodTemplate.controllerKinds.intersection(requested.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    private static func resourceDescriptions(_ rule: ManifestValue) -> [ManifestValue] {
        ["match", "exclude"].flatMap { block -> [ManifestValue] in
            guard let block = rule[block] else { return [] }
            let filters = (block["any"]?.items ?? []) + (block["all"]?.items ?? []) + [block]
            return filters.compactMap { $0["resources"] }
        }
    }

    private static func matchKinds(_ rule: ManifestValue) -> [String] {
        resourceDescriptions(ManifestValue(.mapping([ManifestValue.Entry(key: "match", value: rule["match"] ?? ManifestValue(.null))])))
            .flatMap { $0["kinds"]?.strings ?? [] }
    }

    static func isPod(_ kind: String) -> Bool { kind == "Pod" || kind.hasSuffix("/Pod") }

    /// `resource Pod/apps/web was blocked due to the following policies` and the failed rules
    /// as YAML (KY `pkg/webhooks/utils/block.go#GetBlockedMessages`).
    static func denialMessage(_ object: ManifestObject, _ results: [RuleResult]) -> String {
        let failed = results.filter { $0.outcome == .fail || $0.outcome == .error }
        var lines = ["resource \(object.kind)/\(object.namespace ?? "")/\(object.name) was blocked due to the following policies", ""]
        for policy in Set(failed.map(\.policy)).sorted() {
            lines.append("\(policy):")
            for result in failed.filter({ $0.policy == policy }).sorted(by: { $0.rule < $1.rule }) {
                lines.append("  \(result.rule): \(yamlScalar(result.message))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func yamlScalar(_ text: String) -> String {
        let special = text.isEmpty || text.contains(": ") || text.contains(" #") || text.hasSuffix(":")
            || "!&*-?{}[],#|>@`'\"%".contains(text.first ?? " ")
        return special ? "'" + text.replacingOccurrences(of: "'", with: "''") + "'" : text
    }
}

import Foundation
