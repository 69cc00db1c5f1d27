import Foundation
import Yams

/// A Kubernetes object read from a rendered file.
public struct ManifestObject: Sendable, Equatable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    /// nil for cluster-scoped objects.
    public var namespace: String?
    public var labels: [String: String]
    public var body: ManifestValue
    /// Where the object starts in the rendered output.
    public var location: RenderedLocation

    /// `Kind namespace/name` for messages.
    public var reference: String {
        "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)"
    }

    /// The API group (`""` for the core group).
    public var group: String {
        let parts = apiVersion.split(separator: "/")
        return parts.count == 2 ? String(parts[0]) : ""
    }
}

/// A line in a rendered file: `ops/cluster/apps/staging-tr/network-policies.yaml:42`.
public struct RenderedLocation: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The path in the output folder (`<repository>/<path>`).
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }

    public static func < (lhs: RenderedLocation, rhs: RenderedLocation) -> Bool {
        (lhs.file, lhs.line) < (rhs.file, rhs.line)
    }

    /// The same file at another line (when known).
    public func at(_ line: Int) -> RenderedLocation { line > 0 ? RenderedLocation(file: file, line: line) : self }
}

/// Reads the documents of a rendered YAML file.
public enum ManifestReader {
    /// Why a rendered file could not be read.
    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var message: String
        public var description: String { "\(file): cannot read rendered YAML: \(message)" }
    }

    /// Every document of a YAML stream (null documents skipped).
    public static func documents(_ text: String, file: String) throws(ReadError) -> [ManifestValue] {
        do {
            var sequence = try Yams.compose_all(yaml: text)
            var result: [ManifestValue] = []
            while let node = sequence.next() {
                let value = ManifestValue(node)
                if !value.isNull { result.append(value) }
            }
            if let error = sequence.error { throw error }
            return result
        } catch let error as ReadError {
            throw error
        } catch {
            throw ReadError(file: file, message: "\(error)")
        }
    }

    /// The Kubernetes objects of a YAML stream (documents with `kind` and `metadata.name`).
    public static func objects(_ text: String, file: String) throws(ReadError) -> [ManifestObject] {
        try documents(text, file: file).compactMap { object($0, file: file) }
    }

    /// An object from one document, or nil when it is not a Kubernetes object.
    public static func object(_ document: ManifestValue, file: String) -> ManifestObject? {
        guard let kind = document["kind"]?.string, let metadata = document["metadata"],
              let name = metadata["name"]?.string else { return nil }
        return ManifestObject(
            apiVersion: document["apiVersion"]?.string ?? "", kind: kind, name: name,
            namespace: metadata["namespace"]?.string, labels: metadata["labels"]?.stringMap ?? [:],
            body: document, location: RenderedLocation(file: file, line: max(document.line, 1)))
    }
}
