import Foundation
import Manifests

/// Builds a kustomization of the generated ops tree in memory, as `kubectl kustomize`
/// would for the features scaffold writes: `resources` (files and folders, recursively)
/// and `labels` (`pairs`, added to every object's `metadata.labels`).
///
/// The tests compare the object count with `kubectl kustomize` over the same tree.
public struct KustomizeBuild: Sendable {
    /// The files of the ops repository, by path.
    public var files: [String: String]

    public init(files: [String: String]) { self.files = files }

    public struct BuildError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// The objects of the kustomization in `directory`, in resource order.
    public func build(_ directory: String) throws -> [ManifestObject] {
        let path = "\(directory)/kustomization.yaml"
        guard let text = files[path] else { throw BuildError(message: "\(path): no kustomization") }
        guard let kustomization = try ManifestReader.documents(text, file: path).first else {
            throw BuildError(message: "\(path): empty kustomization")
        }
        var objects: [ManifestObject] = []
        for entry in kustomization["resources"]?.strings ?? [] {
            let target = Self.normalize("\(directory)/\(entry)")
            if files["\(target)/kustomization.yaml"] != nil {
                objects += try build(target)
            } else if let contents = files[target] {
                objects += try ManifestReader.objects(contents, file: target)
            } else {
                throw BuildError(message: "\(path): resource \(entry) does not exist")
            }
        }
        for labels in kustomization["labels"]?.items ?? [] {
            let pairs = labels["pairs"]?.stringMap ?? [:]
            for index in objects.indices {
                objects[index].labels.merge(pairs) { _, new in new }
            }
        }
        return objects
    }

    /// `a/b/../c` → `a/c`.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else if part != "." { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }
}
