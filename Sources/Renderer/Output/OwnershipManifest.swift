import Foundation

/// The files scaffold owns in an output folder or repository, with the SHA-256 of
/// what it wrote. Stored as `.scaffold/manifest.json`. A file listed here whose
/// content no longer matches was edited by hand; a file not listed is not
/// scaffold's and is never touched.
public struct OwnershipManifest: Codable, Sendable, Equatable {
    public static let path = ".scaffold/manifest.json"

    public var generator: String
    public var formatVersion: Int
    /// Path → SHA-256 of the content scaffold wrote.
    public var files: [String: String]

    public init(files: [String: String] = [:]) {
        self.generator = "scaffold"
        self.formatVersion = 1
        self.files = files
    }

    /// Deterministic JSON (sorted keys, one file a line).
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try! encoder.encode(self)) + Data("\n".utf8)
    }

    public static func decode(_ data: Data, source: String) throws -> OwnershipManifest {
        do {
            return try JSONDecoder().decode(OwnershipManifest.self, from: data)
        } catch {
            throw WriteError.corruptManifest(source)
        }
    }
}

/// Why a writer refused or failed.
public enum WriteError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Owned files edited by hand would be overwritten.
    case handEdited([String])
    /// Files scaffold does not own are in the way.
    case unownedCollision([String])
    /// The plan deletes namespaces or too many Applications.
    case guardrail(String)
    case busy(String)
    case corruptManifest(String)
    case io(String)

    /// Refusals (exit code 2) as opposed to failures.
    public var isRefusal: Bool {
        switch self {
        case .handEdited, .unownedCollision, .guardrail, .busy: true
        case .corruptManifest, .io: false
        }
    }

    public var description: String {
        switch self {
        case .handEdited(let paths):
            "refusing to overwrite \(paths.count) generated file\(paths.count == 1 ? "" : "s") edited by hand: \(Self.list(paths))\n  hint: move the change into the blueprint or an overlay, or pass --force to overwrite"
        case .unownedCollision(let paths):
            "refusing to overwrite \(paths.count) file\(paths.count == 1 ? "" : "s") scaffold does not own: \(Self.list(paths))\n  hint: move or delete them, or pass --force to take them over"
        case .guardrail(let reason):
            "\(reason)\n  hint: review `scaffold plan`, then pass --allow-deletions if the deletions are intended"
        case .busy(let path):
            "another scaffold run is writing \(path)\n  hint: wait for it to finish"
        case .corruptManifest(let path):
            "the ownership manifest \(path) is not readable\n  hint: restore it from version control; scaffold will not guess which files it owns"
        case .io(let message):
            message
        }
    }

    static func list(_ paths: [String]) -> String {
        paths.prefix(10).joined(separator: ", ") + (paths.count > 10 ? ", … (\(paths.count - 10) more)" : "")
    }
}
