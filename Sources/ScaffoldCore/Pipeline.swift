public import BlueprintModel
public import Renderer
import Foundation
import Templates

/// The generation pipeline every command shares:
/// blueprint files → ``LoadedBlueprint`` (validated) → ``OutputPlan`` → a writer.
public enum Pipeline {
    /// Loads and validates a blueprint with its overlays and pins.
    public static func load(blueprint path: String, overlays: String? = nil) throws(DiagnosticsError) -> LoadedBlueprint {
        try BlueprintLoader.load(path: path, overlaysDirectory: overlays)
    }

    /// Renders every output of a validated blueprint. Pure.
    public static func render(_ loaded: LoadedBlueprint) -> OutputPlan {
        Generator.plan(for: loaded)
    }

    /// A content hash of every input (blueprint, overlays, pins), independent of
    /// where the files are: it names exactly what a generation was made from.
    public static func contentHash(_ loaded: LoadedBlueprint) -> String {
        var data = Data()
        for input in loaded.inputs.sorted(by: { ($0.role.rawValue, $0.path) < ($1.role.rawValue, $1.path) }) {
            data += Data("\(input.role.rawValue):\((input.path as NSString).lastPathComponent):\(input.contents.count)\n".utf8)
            data += input.contents
        }
        return ContentHash.sha256(data)
    }
}

/// Refuses changes that delete namespaces, or more Argo CD Applications than the
/// blueprint allows, unless deletions were explicitly allowed.
public struct DeletionGuardrail: Sendable {
    public var maxApplicationDeletions: Int
    public var allowDeletions: Bool

    public init(maxApplicationDeletions: Int, allowDeletions: Bool) {
        self.maxApplicationDeletions = maxApplicationDeletions
        self.allowDeletions = allowDeletions
    }

    /// The reason the change would be refused, or nil.
    public func refusal(for changes: ChangeSet) -> String? {
        guard !allowDeletions else { return nil }
        let namespaces = changes.deletedObjects.filter { $0.kind == "Namespace" }
        let applications = changes.deletedObjects.filter { $0.kind == "Application" }
        var reasons: [String] = []
        if !namespaces.isEmpty {
            reasons.append("deletes \(namespaces.count) namespace\(namespaces.count == 1 ? "" : "s") (\(namespaces.map(\.name).uniqued().joined(separator: ", ")))")
        }
        if applications.count > maxApplicationDeletions {
            reasons.append("deletes \(applications.count) Argo CD Applications (more than the \(maxApplicationDeletions) allowed by policy.maxApplicationDeletions)")
        }
        return reasons.isEmpty ? nil : "refusing a regeneration that " + reasons.joined(separator: " and ")
    }

    public func check(_ changes: ChangeSet) throws {
        if let reason = refusal(for: changes) { throw WriteError.guardrail(reason) }
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
