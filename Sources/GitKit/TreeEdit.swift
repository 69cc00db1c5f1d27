import Foundation

/// What to do with one path when building a new tree.
public enum FileChange: Sendable, Equatable {
    /// Create or replace the file with these bytes.
    case write(Data, mode: FileMode = .regular)
    /// Remove the file (a no-op when it is absent). Folders left empty disappear.
    case delete
}

extension Repository {
    /// Builds a new tree from `base` (nil: the empty tree) plus `changes`
    /// (repository-relative path → new contents or deletion) and returns its id.
    ///
    /// No index and no work tree are involved: blobs are written to the object
    /// database and only the folders on the changed paths are rebuilt with
    /// `git_treebuilder`, so thousands of unchanged files cost nothing. Writing
    /// the same contents again yields the same tree id. A folder whose last file
    /// is deleted disappears. A file may replace a folder only when every file of
    /// that folder is deleted in the same change set, and a folder may replace a
    /// file only when that file is deleted in it; anything else is a
    /// ``GitKitError/pathConflict(_:reason:)`` rather than silent data loss.
    ///
    /// Change sets with at least ``packThreshold`` writes are stored as one
    /// pack file (see `PackWriter`) rather than one loose file per object; the
    /// objects are on disk either way when this returns.
    public func buildTree(base: ObjectID?, changes: [String: FileChange]) throws -> ObjectID {
        let root = ChangeNode()
        for path in changes.keys.sorted() {
            try root.add(path: path, change: changes[path]!)
        }
        let writes = changes.values.count { if case .write = $0 { true } else { false } }
        guard writes >= Self.packThreshold else { return try buildTree(root, base: base) }
        let packer = try PackWriter(for: self)
        let id = try packer.staging.buildTree(root, base: base)
        try packer.flush(into: self)
        return id
    }

    /// How many written files make ``buildTree(base:changes:)`` write a pack instead of loose objects.
    public static let packThreshold = 256

    private func buildTree(_ root: ChangeNode, base: ObjectID?) throws -> ObjectID {
        let baseTree = try base.map { try tree($0) }
        if let id = try apply(root, to: baseTree, at: "") { return id }
        return try TreeBuilder(repository: self, source: nil).write()
    }

    /// Rebuilds one folder; nil when it ends up empty.
    private func apply(_ node: ChangeNode, to base: Tree?, at prefix: String) throws -> ObjectID? {
        let builder = try TreeBuilder(repository: self, source: base)
        // Deletions first, so a file can make way for a folder of the same name.
        for (name, change) in node.files.sorted(by: { $0.key < $1.key }) where change == .delete {
            guard let existing = builder.entry(named: name) else { continue }
            if existing.mode == .tree {
                throw GitKitError.pathConflict(prefix + name, reason: "is a folder, not a file; delete the files inside it instead")
            }
            try builder.remove(name)
        }
        for (name, child) in node.folders.sorted(by: { $0.key < $1.key }) {
            let existing = builder.entry(named: name)
            var subtree: Tree?
            if let existing {
                guard existing.mode == .tree else {
                    if child.hasWrites {
                        throw GitKitError.pathConflict(prefix + name, reason: "is a file; cannot create files below it")
                    }
                    continue  // deleting below a file: nothing there to delete
                }
                subtree = try tree(existing.id)
            } else if !child.hasWrites {
                continue  // only deletions below a folder that does not exist
            }
            if let id = try apply(child, to: subtree, at: prefix + name + "/") {
                if id != existing?.id { try builder.insert(name, id: id, mode: .tree) }
            } else if existing != nil {
                try builder.remove(name)
            }
        }
        for (name, change) in node.files.sorted(by: { $0.key < $1.key }) {
            guard case let .write(contents, mode) = change else { continue }
            if let existing = builder.entry(named: name), existing.mode == .tree {
                throw GitKitError.pathConflict(prefix + name, reason: "is a folder with other files; cannot replace it by a file")
            }
            guard mode.isFile else {
                throw GitKitError.invalidPath(prefix + name, reason: "only files, executables and symlinks can be written")
            }
            let id = try writeBlob(contents)
            try builder.insert(name, id: id, mode: mode)
        }
        if builder.count == 0 { return nil }
        return try builder.write()
    }
}

/// The change set arranged as folders, so each folder is rebuilt once.
private final class ChangeNode {
    var files: [String: FileChange] = [:]
    var folders: [String: ChangeNode] = [:]
    var hasWrites = false

    func add(path: String, change: FileChange) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for component in components {
            if component.isEmpty {
                throw GitKitError.invalidPath(path, reason: "empty component (leading, trailing or double '/')")
            }
            if component == "." || component == ".." {
                throw GitKitError.invalidPath(path, reason: "'.' and '..' are not allowed")
            }
            if component.lowercased() == ".git" {
                throw GitKitError.invalidPath(path, reason: "'.git' is reserved")
            }
            if component.utf8.contains(0) || component.contains("\\") {
                throw GitKitError.invalidPath(path, reason: "NUL and backslash are not allowed")
            }
        }
        var node = self
        for component in components.dropLast() {
            if case .write = node.files[component], case .write = change {
                throw GitKitError.pathConflict(path, reason: "'\(component)' is also written as a file")
            }
            if case .write = change { node.hasWrites = true }
            if let next = node.folders[component] {
                node = next
            } else {
                let next = ChangeNode()
                node.folders[component] = next
                node = next
            }
        }
        if case .write = change { node.hasWrites = true }
        let name = components.last!
        if case .write = change, node.folders[name]?.hasWrites == true {
            throw GitKitError.pathConflict(path, reason: "files are also written below it")
        }
        node.files[name] = change
    }
}
