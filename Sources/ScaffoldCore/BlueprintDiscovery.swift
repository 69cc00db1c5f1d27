import Foundation

/// Finds the blueprint of a repository when a command is not told which one
/// (`scaffold diff`, `scaffold audit`): the scaffold blueprints (`apiVersion:
/// scaffold.dev/v1`, not a pins file) in `blueprints/`, else at the top of the repository,
/// else one folder down in `blueprints/`. Exactly one must be found there.
public enum BlueprintDiscovery {
    public struct NotFound: Error, CustomStringConvertible {
        public var directory: String
        public var candidates: [String]
        public var description: String {
            candidates.isEmpty
                ? "no scaffold blueprint in \(directory) (looked in blueprints/ and at the top)\n  hint: pass --blueprint PATH"
                : "\(candidates.count) blueprints in \(directory): \(candidates.joined(separator: ", "))\n  hint: pass --blueprint with the one you mean"
        }
    }

    /// The blueprint's path relative to `directory`.
    public static func find(in directory: String) throws -> String {
        let root = URL(fileURLWithPath: directory)
        let blueprints = yamlFiles(root, "blueprints")
        let nested = ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("blueprints").path)) ?? []).sorted()
            .flatMap { yamlFiles(root, "blueprints/\($0)") }
        for level in [blueprints, yamlFiles(root, ""), nested] {
            let found = level.filter { isBlueprint(root.appendingPathComponent($0)) }
            if found.count == 1 { return found[0] }
            if found.count > 1 { throw NotFound(directory: directory, candidates: found) }
        }
        throw NotFound(directory: directory, candidates: [])
    }

    static func yamlFiles(_ root: URL, _ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasSuffix(".pins.yaml") }.sorted()
            .map { folder.isEmpty ? $0 : "\(folder)/\($0)" }
    }

    static func isBlueprint(_ file: URL) -> Bool {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return false }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.contains("apiVersion: scaffold.dev/v1") && !lines.contains("kind: Pins")
    }
}
