public import Manifests

/// Where the kinds that make Pods keep their pod template.
public enum PodTemplate {
    /// The controller kinds Kyverno's autogen knows (KY `pkg/autogen/v1/autogen.go`), besides Pod.
    public static let controllerKinds: Set<String> = [
        "DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob",
    ]

    /// The keys leading from the object to its pod template (`[]` for a Pod itself),
    /// or nil when the kind makes no Pods.
    public static func path(forKind kind: String) -> [String]? {
        switch kind {
        case "Pod": []
        case "CronJob": ["spec", "jobTemplate", "spec", "template"]
        case _ where controllerKinds.contains(kind): ["spec", "template"]
        default: nil
        }
    }

    /// The pod (or pod template) of an object: its `metadata` and `spec`.
    public static func pod(of object: ManifestObject) -> ManifestValue? {
        guard let path = path(forKind: object.kind) else { return nil }
        return object.body.value(at: path)
    }
}

extension ManifestValue {
    /// The value under a path of mapping keys.
    func value(at path: [String]) -> ManifestValue? {
        var current: ManifestValue? = self
        for key in path { current = current?[key] }
        return current
    }

    /// The value, unless it is null (the API server drops nulls, so a null field is an absent one).
    var present: ManifestValue? { isNull ? nil : self }

    /// Wraps the value under a path of mapping keys (`["spec", "template"]`, value) → `spec: {template: value}`.
    func wrapped(in path: [String]) -> ManifestValue {
        path.reversed().reduce(self) { inner, key in ManifestValue(.mapping([Entry(key: key, value: inner)]), line: line) }
    }

    var annotations: [String: String] { self["metadata"]?["annotations"]?.stringMap ?? [:] }
}
