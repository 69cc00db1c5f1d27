import BlueprintModel
import Foundation
import GitKit

/// A blueprint as committed in a repository: the blueprint file, its overlays
/// and its pins, read from a commit's tree rather than from a work tree, so
/// concurrent bots always work from exactly what a branch holds.
struct CommittedBlueprint {
    let repository: Repository
    /// The blueprint's path inside the repository, e.g. `blueprints/galaxy.yaml`.
    let path: String
    /// An explicit overlays folder inside the repository; nil: `overlays/` beside the blueprint, else `../overlays`.
    let overlays: String?
    /// How reports name the repository: `--blueprint-repo` as given (a URL without its
    /// password), else the work tree found around the blueprint.
    let display: String

    /// The pins file's path inside the repository.
    var pinsPath: String { Self.normalize(BlueprintLoader.pinsPath(forBlueprint: path)) }

    /// Finds the repository holding `blueprint` (a path on disk inside a work tree),
    /// or uses `repositoryPath` with `blueprint` relative to its root (for bare repositories).
    static func locate(blueprint: String, overlays: String?, repositoryPath: String?) throws -> CommittedBlueprint {
        if let repositoryPath {
            let repository = try GitDelivery.open(repositoryPath)
            return CommittedBlueprint(repository: repository, path: normalize(blueprint), overlays: overlays.map(normalize),
                                      display: RepositoryLocation.display(repositoryPath))
        }
        let absolute = URL(fileURLWithPath: blueprint).standardizedFileURL.resolvingSymlinksInPath()
        let folder = absolute.deletingLastPathComponent().path
        let repository: Repository
        do {
            repository = try Repository.discover(containing: folder)
        } catch let error as GitError {
            throw DeliveryError.notARepository(path: folder, reason: error.message)
        }
        guard let root = repository.workingDirectory.map({ URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }) else {
            throw DeliveryError.notARepository(path: folder, reason: "pass --blueprint-repo for a bare repository")
        }
        func relative(_ path: String) -> String {
            let full = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            return full.hasPrefix(root + "/") ? String(full.dropFirst(root.count + 1)) : full
        }
        return CommittedBlueprint(repository: repository, path: relative(absolute.path), overlays: overlays.map(relative), display: root)
    }

    /// Loads and validates the blueprint as it is in `tree`, with `pins` (the
    /// file's bytes) instead of the committed pins file when given.
    func load(tree: ObjectID, branch: String, pins: Data? = nil) throws -> LoadedBlueprint {
        guard let blueprint = try repository.fileContents(at: path, inTree: tree) else {
            throw DeliveryError.blueprintNotInRepository(path: path, branch: branch)
        }
        // Read straight from the tree, under names that say where each file comes from
        // (`<branch>:<path>`), so diagnostics point at the committed files.
        let prefix = "\(branch):"
        var files = [prefix + path: blueprint]
        if let pins = try pins ?? repository.fileContents(at: pinsPath, inTree: tree) {
            files[prefix + pinsPath] = pins
        }
        var overlayFolder: String?
        for candidate in overlayCandidates() {
            guard let entry = try repository.entry(at: candidate, inTree: tree), entry.mode == .tree else { continue }
            overlayFolder = prefix + candidate
            for file in try repository.tree(entry.id).entries
            where file.mode.isFile && (file.name.hasSuffix(".yaml") || file.name.hasSuffix(".yml")) {
                files[prefix + candidate + "/" + file.name] = try repository.blobContents(file.id)
            }
            break
        }
        // Only the overlays folder found in the tree; never one on disk.
        return try BlueprintLoader.load(
            path: prefix + path, overlaysDirectory: overlayFolder ?? prefix + ".scaffold-no-overlays", pinsPath: prefix + pinsPath,
            files: .memory(files))
    }

    private func overlayCandidates() -> [String] {
        if let overlays { return [overlays] }
        let folder = (path as NSString).deletingLastPathComponent
        let candidates = folder.isEmpty ? ["overlays"] : [folder + "/overlays", Self.normalize(folder + "/../overlays")]
        return candidates.filter { !$0.hasPrefix("../") && $0 != ".." }
    }

    /// Resolves `.` and `..` in a repository-relative path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }
}
