import Manifests

/// A rule's `match`/`exclude` blocks (KY `pkg/engine/utils/match.go#MatchesResourceDescription`,
/// `#checkResourceDescription`).
struct ResourceMatch {
    /// The request being matched.
    struct Request {
        var object: ManifestObject
        /// The kind the rule sees: the object's, or `Pod` when an autogen rule stands in for the
        /// controller (its generated `kinds` are the controllers; we match the original rule's `Pod`).
        var kind: String
        var group: String
        var version: String
        var namespaceLabels: [String: String]
        var operation: String
    }

    /// True when the `match` block selects the request.
    static func matches(_ block: ManifestValue?, _ request: Request) -> Bool {
        guard let block else { return false }
        if let any = block["any"]?.items, !any.isEmpty { return any.contains { filter($0, request) } }
        if let all = block["all"]?.items, !all.isEmpty { return all.allSatisfy { filter($0, request) } }
        if block["resources"] != nil { return filter(block, request) }
        return false
    }

    /// True when the `exclude` block removes the request.
    static func excludes(_ block: ManifestValue?, _ request: Request) -> Bool {
        guard let block else { return false }
        if let any = block["any"]?.items, !any.isEmpty { return any.contains { filter($0, request) } }
        if let all = block["all"]?.items, !all.isEmpty { return all.allSatisfy { filter($0, request) } }
        if block["resources"] != nil { return filter(block, request) }
        return false
    }

    /// One `{resources: …}` filter: every field it sets must hold. `subjects`/`roles`/`clusterRoles`
    /// depend on who syncs (Argo CD's service account) and are not judged here.
    private static func filter(_ filter: ManifestValue, _ request: Request) -> Bool {
        guard let resources = filter["resources"] else { return true }
        return description(resources, request)
    }

    static func description(_ resources: ManifestValue, _ request: Request) -> Bool {
        let object = request.object
        if let kinds = resources["kinds"]?.strings, !kinds.isEmpty, !kinds.contains(where: { kindMatches($0, request) }) { return false }
        if let name = resources["name"]?.string, !Wildcard.match(name, object.name) { return false }
        if let names = resources["names"]?.strings, !names.isEmpty, !Wildcard.matchAny(names, object.name) { return false }
        if let namespaces = resources["namespaces"]?.strings, !namespaces.isEmpty {
            // checkNameSpace: a Namespace is matched by its own name.
            let namespace = object.kind == "Namespace" ? object.name : (object.namespace ?? "")
            if !Wildcard.matchAny(namespaces, namespace) { return false }
        }
        if let annotations = resources["annotations"]?.stringMap, !annotations.isEmpty {
            let actual = object.body.annotations
            for (key, pattern) in annotations {
                guard let match = actual.first(where: { Wildcard.match(key, $0.key) }), Wildcard.match(pattern, match.value) else { return false }
            }
        }
        if let selector = resources["selector"], !selector.isNull, !LabelSelector(selector).matches(object.labels) { return false }
        if let selector = resources["namespaceSelector"], !selector.isNull {
            // Never matches a Namespace; cluster-scoped objects get empty labels (the caller passes them).
            if object.kind == "Namespace" || !LabelSelector(selector).matches(request.namespaceLabels) { return false }
        }
        if let operations = resources["operations"]?.strings, !operations.isEmpty, !operations.contains(request.operation) { return false }
        return true
    }

    /// `Pod`, `v1/Pod`, `apps/v1/Deployment`, `apps/*/Deployment`, wildcards allowed;
    /// `Pod/status`-style subresources never match the resource itself.
    static func kindMatches(_ pattern: String, _ request: Request) -> Bool {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: return Wildcard.match(parts[0], request.kind)
        case 2:
            // `v1/Pod` (version/kind) or `Pod/status` (kind/subresource)
            if parts[0].first?.isUppercase == true { return false }
            return Wildcard.match(parts[0], request.version) && Wildcard.match(parts[1], request.kind)
        case 3:
            return Wildcard.match(parts[0], request.group) && Wildcard.match(parts[1], request.version) && Wildcard.match(parts[2], request.kind)
        default: return false
        }
    }
}
