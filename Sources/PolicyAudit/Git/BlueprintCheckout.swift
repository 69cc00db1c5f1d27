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

/// Resolves a revision: a full commit id, `HEAD`, a branch (`main`, `refs/heads/main`),
/// each optionally followed by `~N`, `^` or `^N` steps (`HEAD~1`, `main^2`).
public enum RevisionResolver {
    public static func resolve(_ revision: String, in repository: Repository) throws -> ObjectID {
        var base = revision
        var steps: [(kind: Character, count: Int)] = []
        // Peel suffixes from the right: ~N, ~, ^N, ^.
        while let index = base.lastIndex(where: { $0 == "~" || $0 == "^" }) {
            let suffix = base[base.index(after: index)...]
            guard suffix.allSatisfy(\.isNumber), let count = suffix.isEmpty ? 1 : Int(suffix) else { break }
            steps.insert((kind: base[index], count: count), at: 0)
            base = String(base[..<index])
        }
        var id = try resolveName(base, in: repository, original: revision)
        for step in steps {
            if step.kind == "~" {
                for _ in 0..<step.count {
                    guard let parent = try repository.commit(id).parentIDs.first else {
                        throw BlueprintCheckout.CheckoutError(description: "\(revision): \(id.shortHex) has no parent")
                    }
                    id = parent
                }
            } else if step.count > 0 {
                let parents = try repository.commit(id).parentIDs
                guard step.count <= parents.count else {
                    throw BlueprintCheckout.CheckoutError(description: "\(revision): \(id.shortHex) has no parent \(step.count)")
                }
                id = parents[step.count - 1]
            }
        }
        return id
    }

    static func resolveName(_ name: String, in repository: Repository, original: String) throws -> ObjectID {
        if name.count == 40, let id = ObjectID(hex: name.lowercased()) {
            _ = try repository.commit(id)
            return id
        }
        if name == "HEAD" || name.isEmpty {
            guard let branch = try repository.headBranch else {
                throw BlueprintCheckout.CheckoutError(description: "HEAD is detached: name the commit by its full id")
            }
            guard let tip = try repository.branchTip(branch) else {
                throw BlueprintCheckout.CheckoutError(description: "branch \(branch) has no commit yet")
            }
            return tip
        }
        let branch = name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
        if let tip = try? repository.branchTip(branch) { return tip }
        throw BlueprintCheckout.CheckoutError(
            description: "unknown revision `\(original)`: give a branch, HEAD, or a full 40-digit commit id, optionally followed by ~N or ^N")
    }
}
