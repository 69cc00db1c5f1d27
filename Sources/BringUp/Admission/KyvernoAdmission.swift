import Manifests

/// Kyverno admission, offline, for the rule kinds scaffold generates: `validate` with
/// `pattern`/`anyPattern` (anchors `=()`, `()`, `X()`, `^()`, `<()`; wildcards `*`, `?`),
/// `validate.deny.conditions`, and `verifyImages` as far as it can be decided offline
/// (`verifyDigest`; signatures and attestations need a registry and Rekor, so they
/// are not judged). Autogen: Pod rules apply to controllers' pod templates
/// (kyverno `pkg/autogen/v1/autogen.go#CanAutoGen`; bringup-semantics §4).
/// Pod Security Admission runs beside it (`PodSecurity`).
public struct KyvernoAdmission: AdmissionEvaluator {
    /// Kyverno's namespace: its resource filters skip it (chart `config.resourceFilters`).
    public var kyvernoNamespace: String

    public init(kyvernoNamespace: String = "kyverno") { self.kyvernoNamespace = kyvernoNamespace }

    public func refusals(of object: ManifestObject, policies: [ManifestObject], namespaceLabels: [String: String]) -> [AdmissionRefusal] {
        var refusals = PodSecurity.refusals(of: object, namespaceLabels: namespaceLabels)
        let namespace = object.namespace ?? ""
        // Resource filters `[*/*,kube-system|kube-public|kube-node-lease,*]` and the Kyverno namespace.
        if ["kube-system", "kube-public", "kube-node-lease", kyvernoNamespace].contains(namespace) { return refusals }
        for policy in policies where policy.kind == "ClusterPolicy" || (policy.kind == "Policy" && policy.namespace == object.namespace) {
            let spec = policy.body["spec"]
            let specAction = spec?["validationFailureAction"]?.string
            for rule in spec?["rules"]?.items ?? [] {
                guard let subject = Self.subject(object, rule: rule, policy: policy, namespaceLabels: namespaceLabels) else { continue }
                let prefix = subject.autogen == nil ? (rule["name"]?.string ?? "") : "autogen-\(subject.autogen == "cronjob" ? "cronjob-" : "")\(rule["name"]?.string ?? "")"
                if let validate = rule["validate"] {
                    let action = validate["failureAction"]?.string ?? specAction ?? "Audit"
                    if let failure = Self.validate(validate, subject.pod, namespace: namespace) {
                        let message = validate["message"]?.string ?? ""
                        refusals.append(AdmissionRefusal(
                            policy: policy.name,
                            message: "validation error: \(message). rule \(prefix) failed at path \(failure)",
                            enforced: action.lowercased() == "enforce"))
                    }
                }
                for verify in rule["verifyImages"]?.items ?? [] {
                    let action = verify["failureAction"]?.string ?? specAction ?? "Audit"
                    let references = verify["imageReferences"]?.strings ?? []
                    guard verify["verifyDigest"]?.bool ?? true else { continue }
                    for image in Self.images(subject.pod) where references.contains(where: { Self.wildcard($0, image) }) && !image.contains("@sha256:") {
                        refusals.append(AdmissionRefusal(policy: policy.name, message: "rule \(prefix): missing digest for \(image)",
                                                         enforced: action.lowercased() == "enforce"))
                    }
                }
            }
        }
        return refusals
    }

    /// What a rule evaluates: the object itself when it matches the rule's kinds, or
    /// for a Pod rule the pod template of a controller (autogen).
    struct Subject {
        var pod: ManifestValue
        /// nil: the object itself; else the autogen kind ("cronjob" or the controllers').
        var autogen: String?
    }

    static let autogenControllers: Set<String> = ["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob"]

    static func subject(_ object: ManifestObject, rule: ManifestValue, policy: ManifestObject, namespaceLabels: [String: String]) -> Subject? {
        let match = rule["match"], exclude = rule["exclude"]
        let kinds = Set(resourceBlocks(match).flatMap { $0["kinds"]?.strings ?? [] })
        var subject: Subject?
        if kinds.contains(object.kind) || kinds.contains("*") {
            subject = Subject(pod: object.body, autogen: nil)
        } else if kinds == ["Pod"], autogenControllers.contains(object.kind), canAutogen(rule),
                  allowsAutogen(policy, object.kind), let template = podTemplate(object) {
            subject = Subject(pod: template, autogen: object.kind == "CronJob" ? "cronjob" : "controllers")
        }
        guard let subject else { return nil }
        let evaluatedKind = subject.autogen == nil ? object.kind : "Pod"
        guard matches(match, object: object, kind: evaluatedKind, namespaceLabels: namespaceLabels) else { return nil }
        if let exclude, matches(exclude, object: object, kind: evaluatedKind, namespaceLabels: namespaceLabels) { return nil }
        return subject
    }

    static func resourceBlocks(_ clause: ManifestValue?) -> [ManifestValue] {
        guard let clause else { return [] }
        let blocks = (clause["any"]?.items ?? []) + (clause["all"]?.items ?? [])
        return (blocks.isEmpty ? [clause] : blocks).compactMap { $0["resources"] }
    }

    /// `match`/`exclude`: `any` needs one block, `all` every block.
    static func matches(_ clause: ManifestValue?, object: ManifestObject, kind: String, namespaceLabels: [String: String]) -> Bool {
        guard let clause else { return false }
        func block(_ resources: ManifestValue) -> Bool {
            if let kinds = resources["kinds"]?.strings, !kinds.isEmpty, !kinds.contains(kind), !kinds.contains("*") { return false }
            if let namespaces = resources["namespaces"]?.strings, !namespaces.isEmpty,
               !namespaces.contains(where: { wildcard($0, object.namespace ?? "") }) { return false }
            if let names = resources["names"]?.strings, !names.isEmpty, !names.contains(where: { wildcard($0, object.name) }) { return false }
            if let selector = resources["namespaceSelector"] {
                // Never matches a Namespace; cluster-scoped objects get empty labels.
                if kind == "Namespace" { return false }
                if !LabelSelector(selector).matches(object.namespace == nil ? [:] : namespaceLabels) { return false }
            }
            if let selector = resources["selector"], !LabelSelector(selector).matches(object.labels) { return false }
            return true
        }
        if let any = clause["any"]?.items { return any.contains { $0["resources"].map(block) ?? false } }
        if let all = clause["all"]?.items { return all.allSatisfy { $0["resources"].map(block) ?? false } }
        return clause["resources"].map(block) ?? false
    }

    /// Autogen needs a rule that matches only by kind (no names, selectors, annotations).
    static func canAutogen(_ rule: ManifestValue) -> Bool {
        for block in resourceBlocks(rule["match"]) + resourceBlocks(rule["exclude"]) {
            for key in ["name", "names", "selector", "annotations"] where block[key] != nil { return false }
        }
        return true
    }

    static func allowsAutogen(_ policy: ManifestObject, _ kind: String) -> Bool {
        guard let list = policy.body["metadata"]?["annotations"]?["pod-policies.kyverno.io/autogen-controllers"]?.string else { return true }
        if list == "none" { return false }
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(kind)
    }

    /// The pod a controller makes, as a Pod document (metadata and spec of its template).
    static func podTemplate(_ object: ManifestObject) -> ManifestValue? {
        let template = object.kind == "CronJob" ? object.body["spec"]?["jobTemplate"]?["spec"]?["template"] : object.body["spec"]?["template"]
        guard let template else { return nil }
        var metadata = template["metadata"] ?? ManifestValue(.mapping([]))
        if case .mapping(var entries) = metadata.shape, !entries.contains(where: { $0.key == "namespace" }), let namespace = object.namespace {
            entries.append(.init(key: "namespace", value: ManifestValue(.scalar(namespace))))
            metadata = ManifestValue(.mapping(entries))
        }
        return ManifestValue(.mapping([
            .init(key: "kind", value: ManifestValue(.scalar("Pod"))),
            .init(key: "metadata", value: metadata),
            .init(key: "spec", value: template["spec"] ?? ManifestValue(.mapping([]))),
        ]))
    }

    // MARK: validate

    /// The failing path, or nil when the rule passes (or skips).
    static func validate(_ validate: ManifestValue, _ resource: ManifestValue, namespace: String) -> String? {
        if let pattern = validate["pattern"] {
            if case .fail(let path) = match(resource, pattern, path: "/") { return path }
            return nil
        }
        if let patterns = validate["anyPattern"]?.items, !patterns.isEmpty {
            var failures: [String] = []
            for pattern in patterns {
                switch match(resource, pattern, path: "/") {
                case .pass: return nil
                case .skip: continue
                case .fail(let path): failures.append(path)
                }
            }
            return failures.first
        }
        if let conditions = validate["deny"]?["conditions"] {
            return deny(conditions, resource, namespace: namespace) ? "/" : nil
        }
        return nil
    }

    enum Outcome: Equatable { case pass, skip, fail(String) }

    /// Kyverno's pattern match (kyverno `pkg/engine/validate/validate.go#MatchPattern`).
    static func match(_ value: ManifestValue?, _ pattern: ManifestValue, path: String) -> Outcome {
        switch pattern.shape {
        case .mapping(let entries):
            guard let value, case .mapping = value.shape else { return .fail(path) }
            var conditionalSkip = false
            // Conditional anchors first: a mismatch skips the whole element.
            for entry in entries {
                let (anchor, key) = anchorOf(entry.key)
                guard anchor == "(" || anchor == "<(" else { continue }
                guard let field = value[key] else { conditionalSkip = true; continue }
                if match(field, entry.value, path: "\(path)\(key)/") != .pass { conditionalSkip = true }
            }
            if conditionalSkip { return .skip }
            for entry in entries {
                let (anchor, key) = anchorOf(entry.key)
                let field = value[key]
                let childPath = "\(path)\(key)/"
                switch anchor {
                case "(", "<(": continue
                case "=(":
                    // A null field is absent: the API server drops it when it decodes the object
                    // (a chart's empty `initContainers:` reaches Kyverno as no init containers).
                    guard let field, !field.isNull else { continue }
                    if case .fail(let failed) = match(field, entry.value, path: childPath) { return .fail(failed) }
                case "X(":
                    if field != nil && field?.isNull == false { return .fail(childPath) }
                case "^(":
                    guard let field else { continue }
                    let element = entry.value.items.first ?? entry.value
                    if !field.items.contains(where: { match($0, element, path: childPath) == .pass }) { return .fail(childPath) }
                default:
                    guard let field else {
                        if entry.value.isNull || entry.value.string == "null" { continue }
                        return .fail(childPath)
                    }
                    if case .fail(let failed) = match(field, entry.value, path: childPath) { return .fail(failed) }
                }
            }
            return .pass
        case .sequence(let elements):
            guard let element = elements.first else { return .pass }
            guard let value, case .sequence(let items) = value.shape else { return .fail(path) }
            var skipped = 0
            for (index, item) in items.enumerated() {
                switch match(item, element, path: "\(path)\(index)/") {
                case .pass: continue
                case .skip: skipped += 1
                case .fail(let failed): return .fail(failed)
                }
            }
            return !items.isEmpty && skipped == items.count ? .skip : .pass
        case .null:
            return value == nil || value!.isNull ? .pass : .fail(path)
        case .scalar(let text):
            if text == "null" { return value == nil || value!.isNull ? .pass : .fail(path) }
            guard let value, let actual = value.string else { return value?.isNull == true && text == "*" ? .pass : .fail(path) }
            return scalar(actual, matches: text) ? .pass : .fail(path)
        }
    }

    /// `=(key)` → ("=(", "key"); plain keys → ("", key).
    static func anchorOf(_ key: String) -> (String, String) {
        for anchor in ["=(", "X(", "^(", "<(", "("] where key.hasPrefix(anchor) && key.hasSuffix(")") {
            return (anchor, String(key.dropFirst(anchor.count).dropLast()))
        }
        return ("", key)
    }

    /// A scalar against a pattern value: `|` alternatives, wildcards, booleans and
    /// numbers as text (YAML `false` and `"false"` read the same).
    static func scalar(_ actual: String, matches pattern: String) -> Bool {
        pattern.split(separator: "|", omittingEmptySubsequences: false).contains { alternative in
            let option = alternative.trimmingCharacters(in: .whitespaces)
            if ["true", "false"].contains(option.lowercased()) { return actual.lowercased() == option.lowercased() }
            return wildcard(option, actual)
        }
    }

    /// `*` any run, `?` one character (kyverno `pkg/utils/wildcard`).
    static func wildcard(_ pattern: String, _ value: String) -> Bool { Wildcard.matches(pattern, value) }

    /// `deny.conditions`: true when the request is denied.
    static func deny(_ conditions: ManifestValue, _ resource: ManifestValue, namespace: String) -> Bool {
        func substitute(_ text: String) -> String {
            text.replacingOccurrences(of: "{{request.operation}}", with: "CREATE")
                .replacingOccurrences(of: "{{ request.operation }}", with: "CREATE")
                .replacingOccurrences(of: "{{request.namespace}}", with: namespace)
        }
        func holds(_ condition: ManifestValue) -> Bool {
            let key = substitute(condition["key"]?.string ?? "")
            let values = condition["value"]?.items.isEmpty == false ? condition["value"]!.strings.map(substitute) : [substitute(condition["value"]?.string ?? "")]
            switch condition["operator"]?.string ?? "Equals" {
            case "Equals": return values.first == key
            case "NotEquals": return values.first != key
            case "AnyIn", "AllIn", "In": return values.contains(key)
            case "AnyNotIn", "AllNotIn", "NotIn": return !values.contains(key)
            default: return false
            }
        }
        if let any = conditions["any"]?.items { return any.contains(where: holds) }
        if let all = conditions["all"]?.items { return all.allSatisfy(holds) }
        return conditions.items.allSatisfy(holds)
    }

    static func images(_ pod: ManifestValue) -> [String] {
        let spec = pod["spec"]
        return ((spec?["containers"]?.items ?? []) + (spec?["initContainers"]?.items ?? [])).compactMap { $0["image"]?.string }
    }
}
