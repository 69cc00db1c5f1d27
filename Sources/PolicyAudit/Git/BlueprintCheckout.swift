import BlueprintModel
import Foundation
import GitKit

/// The blueprint files of one revision of a blueprint repository, written into a
/// private temporary folder (removed when the value goes away): the blueprint, its
/// pins file and the overlays the loader would find beside it, read through libgit2
/// from the commit's tree (the work tree and index are never touched).
public final class BlueprintCheckout: @unchecked Sendable {
    /// Why a revision could not be read.
    public struct CheckoutError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The temporary folder holding the files, at their repository paths.
    public let root: String
    /// The blueprint's path inside `root`.
    public let blueprintPath: String
    /// The commit read.
    public let commit: String
    /// The repository paths written.
    public let files: [String]

    /// Reads `blueprint` (a path relative to the repository) and its companions at `revision`.
    public init(repository path: String, revision: String, blueprint: String) throws {
        let repository = try Repository.open(at: path)
        let commitID = try RevisionResolver.resolve(revision, in: repository)
        let all = try repository.files(inTree: try repository.commit(commitID).treeID)
        let relative = blueprint.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        guard all[relative] != nil else {
            throw CheckoutError(description: "\(relative) does not exist at \(revision) (\(commitID.shortHex))")
        }
        let directory = (relative as NSString).deletingLastPathComponent
        let stem = ((relative as NSString).lastPathComponent as NSString).deletingPathExtension
        var wanted = [relative]
        let pins = directory.isEmpty ? "\(stem).pins.yaml" : "\(directory)/\(stem).pins.yaml"
        if all[pins] != nil { wanted.append(pins) }
        // The loader looks for overlays/ beside the blueprint, then ../overlays: bring both.
        let parent = (directory as NSString).deletingLastPathComponent
        let folders = [directory.isEmpty ? "overlays" : "\(directory)/overlays", parent.isEmpty ? "overlays" : "\(parent)/overlays"]
        for (file, entry) in all where entry.mode.isFile && (file.hasSuffix(".yaml") || file.hasSuffix(".yml")) {
            let folder = (file as NSString).deletingLastPathComponent
            if folders.contains(folder) { wanted.append(file) }
        }

        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("scaffold-checkout-\(UUID().uuidString.lowercased().prefix(12))").path
        let files = Set(wanted).sorted()
        do {
            for file in files {
                guard let entry = all[file] else { continue }
                let target = (root as NSString).appendingPathComponent(file)
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try repository.blobContents(entry.id).write(to: URL(fileURLWithPath: target))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        self.root = root
        self.blueprintPath = (root as NSString).appendingPathComponent(relative)
        self.commit = commitID.hex
        self.files = files
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

/// Resolves a revision to a commit with git's own syntax (libgit2's revparse): full or
/// short ids, `HEAD`, branches, tags, `refs/...`, `~N`, `^N`.
public enum RevisionResolver {
    public static func resolve(_ revision: String, in repository: Repository) throws -> ObjectID {
        do {
            return try repository.resolveCommit(revision.isEmpty ? "HEAD" : revision)
        } catch let error as GitError {
            throw BlueprintCheckout.CheckoutError(
                description: "unknown revision `\(revision)` (\(error.message)): give a commit id, a branch, a tag or HEAD, optionally followed by ~N or ^N")
        }
    }
}
