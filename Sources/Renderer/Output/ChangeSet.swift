/// What applying a plan changes, file by file, compared with what is there now.
public struct ChangeSet: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case added, changed, removed }

    public struct Change: Sendable, Equatable, Codable {
        public var kind: Kind
        public var path: String
    }

    /// A Kubernetes object that would disappear.
    public struct Deletion: Sendable, Equatable, Codable, Hashable {
        public var kind: String
        public var name: String
        public var path: String
    }

    public var changes: [Change]
    public var unchanged: Int
    /// Owned files edited by hand since they were generated (overwriting them is refused without `--force`).
    public var handEdited: [String]
    /// Files that exist but are not scaffold's, where the plan wants to write (refused without `--force`).
    public var unownedCollisions: [String]
    /// Namespaces and Argo CD Applications the change deletes (the deletion guardrail).
    public var deletedObjects: [Deletion]

    public init(changes: [Change] = [], unchanged: Int = 0, handEdited: [String] = [], unownedCollisions: [String] = [], deletedObjects: [Deletion] = []) {
        self.changes = changes.sorted { $0.path < $1.path }
        self.unchanged = unchanged
        self.handEdited = handEdited.sorted()
        self.unownedCollisions = unownedCollisions.sorted()
        self.deletedObjects = deletedObjects.sorted { ($0.kind, $0.name, $0.path) < ($1.kind, $1.name, $1.path) }
    }

    public var isEmpty: Bool { changes.isEmpty }
    public var added: [String] { changes.filter { $0.kind == .added }.map(\.path) }
    public var changed: [String] { changes.filter { $0.kind == .changed }.map(\.path) }
    public var removed: [String] { changes.filter { $0.kind == .removed }.map(\.path) }
}

/// Finds the Kubernetes objects (kind and name) in a file printed by ``YAMLPrinter``.
/// Only top-level `kind:` and the first `  name:` under `metadata:` are read, which
/// is exact for canonical output.
public enum ObjectIndex {
    public static func objects(in text: String) -> [(kind: String, name: String)] {
        var result: [(String, String)] = []
        var kind: String?, inMetadata = false, name: String?
        func flush() {
            if let kind, let name { result.append((kind, name)) }
            kind = nil; name = nil; inMetadata = false
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "---" { flush(); continue }
            if line.hasPrefix("kind: ") { kind = String(line.dropFirst(6)) }
            else if line == "metadata:" { inMetadata = true }
            else if inMetadata, name == nil, line.hasPrefix("  name: ") { name = String(line.dropFirst(8)).trimmingQuotes }
            else if !line.hasPrefix(" ") { inMetadata = false }
        }
        flush()
        return result
    }
}

extension String {
    var trimmingQuotes: String {
        count >= 2 && hasPrefix("\"") && hasSuffix("\"") ? String(dropFirst().dropLast()) : self
    }
}
