import Foundation
import Renderer
import Templates

/// The rendered output an audit reads: file contents by output path
/// (`ops/cluster/…`, `ops/db/migrations/…`, `infra/live/…`).
///
/// Everything the audit concludes about access comes from these texts, parsed back,
/// never from the blueprint that produced them: a translator bug or a hand edit shows.
public struct RenderedTree: Sendable, Equatable {
    /// Contents by output path (`<repository>/<path>`).
    public var files: [String: String]

    public init(files: [String: String]) {
        self.files = files
    }

    /// Every file of an output plan.
    public init(plan: OutputPlan) {
        var files: [String: String] = [:]
        for file in plan.files { files[file.outputPath] = file.contents }
        self.files = files
    }

    /// Paths in order.
    public var paths: [String] { files.keys.sorted() }

    /// Paths below a folder (`ops/db/migrations/`), in order.
    public func paths(under folder: String) -> [String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return paths.filter { $0.hasPrefix(prefix) }
    }

    /// A copy with one file replaced (for what-if checks and tests).
    public func replacing(_ path: String, with contents: String) -> RenderedTree {
        var copy = self
        copy.files[path] = contents
        return copy
    }

    // MARK: Clusters

    /// The folder holding one overlay per cluster.
    public static let overlaysFolder = "ops/cluster/overlays"

    /// Every cluster: one per `ops/cluster/overlays/<name>/kustomization.yaml`, with the
    /// objects that overlay deploys (its Kustomize resources followed recursively, the
    /// `labels` and `namespace` transformers applied).
    public func clusters() throws(ManifestReader.ReadError) -> [RenderedCluster] {
        var names = Set<String>()
        for path in paths(under: Self.overlaysFolder) {
            let parts = path.dropFirst(Self.overlaysFolder.count + 1).split(separator: "/")
            if parts.count == 2, parts[1] == "kustomization.yaml" { names.insert(String(parts[0])) }
        }
        var clusters: [RenderedCluster] = []
        for name in names.sorted() {
            let directory = "\(Self.overlaysFolder)/\(name)"
            var visited = Set<String>()
            let objects = try kustomize(directory, visited: &visited)
            let overlay = try ManifestReader.documents(files["\(directory)/kustomization.yaml"] ?? "", file: directory).first
            var pairs: [String: String] = [:]
            for entry in overlay?["labels"]?.items ?? [] { pairs.merge(entry["pairs"]?.stringMap ?? [:]) { $1 } }
            clusters.append(RenderedCluster(
                name: name, environment: pairs[Labels.environment], region: pairs[Labels.region], objects: objects))
        }
        return clusters
    }

    /// The objects a Kustomize folder builds (resources only: scaffold uses no patches or generators).
    func kustomize(_ directory: String, visited: inout Set<String>) throws(ManifestReader.ReadError) -> [ManifestObject] {
        let path = "\(directory)/kustomization.yaml"
        guard visited.insert(path).inserted, let text = files[path] else { return [] }
        guard let kustomization = try ManifestReader.documents(text, file: path).first else { return [] }
        var objects: [ManifestObject] = []
        for resource in kustomization["resources"]?.strings ?? [] {
            let target = Self.normalize("\(directory)/\(resource)")
            if files["\(target)/kustomization.yaml"] != nil {
                objects += try kustomize(target, visited: &visited)
            } else if let contents = files[target], visited.insert(target).inserted {
                objects += try ManifestReader.objects(contents, file: target)
            }
        }
        var labels: [String: String] = [:]
        for entry in kustomization["labels"]?.items ?? [] { labels.merge(entry["pairs"]?.stringMap ?? [:]) { $1 } }
        let namespace = kustomization["namespace"]?.string
        if labels.isEmpty && namespace == nil { return objects }
        return objects.map { object in
            var object = object
            object.labels.merge(labels) { $1 }
            if let namespace, object.namespace != nil || !Self.clusterScopedKinds.contains(object.kind) {
                object.namespace = namespace
            }
            return object
        }
    }

    static let clusterScopedKinds: Set<String> = [
        "Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterPolicy", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    ]

    /// Resolves `.` and `..` in a slash-separated path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}

/// One cluster's deployed objects, as its overlay builds them.
public struct RenderedCluster: Sendable, Equatable {
    /// The overlay's name: `<environment>-<region>`.
    public var name: String
    /// From the overlay's `scaffold.dev/environment` label.
    public var environment: String?
    /// From the overlay's `scaffold.dev/region` label.
    public var region: String?
    public var objects: [ManifestObject]

    public init(name: String, environment: String?, region: String?, objects: [ManifestObject]) {
        self.name = name
        self.environment = environment
        self.region = region
        self.objects = objects
    }

    public func objects(kind: String) -> [ManifestObject] { objects.filter { $0.kind == kind } }

    /// Labels of every namespace: the rendered Namespace objects' labels, plus the
    /// `kubernetes.io/metadata.name` label the API server sets on every namespace.
    public var namespaceLabels: [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for namespace in objects(kind: "Namespace") {
            var labels = namespace.labels
            labels["kubernetes.io/metadata.name"] = namespace.name
            result[namespace.name] = labels
        }
        return result
    }

    /// The labels of a namespace (only its name label when it is not rendered).
    public func labels(ofNamespace name: String) -> [String: String] {
        namespaceLabels[name] ?? ["kubernetes.io/metadata.name": name]
    }
}
