import CSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Applies an ``OutputPlan`` to a folder, atomically.
///
/// The new tree is staged beside the folder (a hard-linked copy of the current
/// tree with the changes applied), then swapped in with one `renameat2(EXCHANGE)`:
/// an error or a killed process leaves the previous tree exactly as it was. Only
/// files recorded in the ownership manifest are changed or removed; every other
/// file is carried over untouched. An exclusive lock on the parent folder keeps two
/// runs from writing at once.
public struct FolderWriter: Sendable {
    public let root: String

    public init(root: String) {
        self.root = (root as NSString).standardizingPath
    }

    var parent: String { (root as NSString).deletingLastPathComponent.isEmpty ? "." : (root as NSString).deletingLastPathComponent }
    var name: String { (root as NSString).lastPathComponent }
    var stagingPath: String { (parent as NSString).appendingPathComponent(".\(name).scaffold-staging") }

    /// Reads the manifest of the current tree (empty when there is none).
    public func currentManifest() throws -> OwnershipManifest {
        let path = (root as NSString).appendingPathComponent(OwnershipManifest.path)
        guard let data = FileManager.default.contents(atPath: path) else { return OwnershipManifest() }
        return try OwnershipManifest.decode(data, source: path)
    }

    /// Compares the plan with the folder. Writes nothing.
    public func changes(for plan: OutputPlan) throws -> ChangeSet {
        let manifest = try currentManifest()
        return Self.compare(files: plan.files.map { ($0.outputPath, $0.contents) }, manifest: manifest) { path in
            FileManager.default.contents(atPath: (root as NSString).appendingPathComponent(path))
        }
    }

    /// Compares planned files (path, contents) with what a manifest says was written
    /// and what is there now. `read` returns the current bytes at a path, or nil when
    /// absent. Shared by the folder and git writers.
    public static func compare(files: [(path: String, contents: String)], manifest: OwnershipManifest, read: (String) -> Data?) -> ChangeSet {
        var changes: [ChangeSet.Change] = []
        var handEdited: [String] = [], collisions: [String] = [], unchanged = 0
        var deleted: [ChangeSet.Deletion] = []
        let guarded: Set<String> = ["Namespace", "Application"]
        var planned = Set<String>()
        for file in files {
            let path = file.path
            planned.insert(path)
            let newHash = ContentHash.sha256(file.contents)
            let current = read(path)
            if let recorded = manifest.files[path] {
                if let current {
                    let currentHash = ContentHash.sha256(current)
                    if currentHash != recorded { handEdited.append(path) }
                    if currentHash == newHash { unchanged += 1; continue }
                    changes.append(.init(kind: .changed, path: path))
                    let before = ObjectIndex.objects(in: String(decoding: current, as: UTF8.self))
                    let after = ObjectIndex.objects(in: file.contents)
                    for object in before where guarded.contains(object.kind) && !after.contains(where: { $0 == object }) {
                        deleted.append(.init(kind: object.kind, name: object.name, path: path))
                    }
                } else {
                    changes.append(.init(kind: .added, path: path))
                }
            } else if let current {
                // Not scaffold's yet: identical bytes are adopted as they are; anything else collides.
                if ContentHash.sha256(current) == newHash {
                    unchanged += 1
                } else {
                    collisions.append(path)
                    changes.append(.init(kind: .changed, path: path))
                }
            } else {
                changes.append(.init(kind: .added, path: path))
            }
        }
        for (path, recorded) in manifest.files.sorted(by: { $0.key < $1.key }) where !planned.contains(path) {
            guard let current = read(path) else { continue }
            if ContentHash.sha256(current) != recorded { handEdited.append(path) }
            changes.append(.init(kind: .removed, path: path))
            for object in ObjectIndex.objects(in: String(decoding: current, as: UTF8.self)) where guarded.contains(object.kind) {
                deleted.append(.init(kind: object.kind, name: object.name, path: path))
            }
        }
        return ChangeSet(changes: changes, unchanged: unchanged, handEdited: handEdited, unownedCollisions: collisions, deletedObjects: deleted)
    }

    /// Applies the plan: checks refusals, stages the new tree and swaps it in.
    /// `guardrail` may throw to refuse based on the change set (nothing is written then).
    @discardableResult
    public func apply(_ plan: OutputPlan, force: Bool = false, guardrail: (ChangeSet) throws -> Void = { _ in }) throws -> ChangeSet {
        try Self.makeDirectory(parent)
        let lock = try FileLock(directory: parent)
        defer { lock.release() }
        try? FileManager.default.removeItem(atPath: stagingPath)  // left by a killed run

        let manifest = try currentManifest()
        let changeSet = try changes(for: plan)
        if !force {
            if !changeSet.handEdited.isEmpty { throw WriteError.handEdited(changeSet.handEdited) }
            if !changeSet.unownedCollisions.isEmpty { throw WriteError.unownedCollision(changeSet.unownedCollisions) }
        }
        try guardrail(changeSet)
        var newManifest = OwnershipManifest()
        for file in plan.files { newManifest.files[file.outputPath] = ContentHash.sha256(file.contents) }
        let rootExists = FileManager.default.fileExists(atPath: root)
        if changeSet.isEmpty && newManifest == manifest && rootExists { return changeSet }

        do {
            if rootExists { try Self.linkTree(from: root, to: stagingPath) } else { try Self.makeDirectory(stagingPath) }
            let contents = Dictionary(plan.files.map { ($0.outputPath, $0.contents) }) { first, _ in first }
            for change in changeSet.changes {
                let target = (stagingPath as NSString).appendingPathComponent(change.path)
                switch change.kind {
                case .added, .changed:
                    try Self.writeFile(target, Data(contents[change.path]!.utf8))
                case .removed:
                    unlink(target)
                    Self.pruneEmptyParents(of: change.path, under: stagingPath)
                }
            }
            try Self.writeFile((stagingPath as NSString).appendingPathComponent(OwnershipManifest.path), newManifest.encoded())
            if rootExists {
                if scaffold_exchange_paths(stagingPath, root) != 0 {
                    // No RENAME_EXCHANGE here (an old kernel or file system): two renames, a brief window.
                    let old = stagingPath + ".old"
                    guard rename(root, old) == 0, rename(stagingPath, root) == 0 else { throw WriteError.io("cannot swap \(root): \(String(cString: strerror(errno)))") }
                    try? FileManager.default.removeItem(atPath: old)
                }
                try? FileManager.default.removeItem(atPath: stagingPath)
            } else {
                guard rename(stagingPath, root) == 0 else { throw WriteError.io("cannot create \(root): \(String(cString: strerror(errno)))") }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: stagingPath)
            throw error
        }
        return changeSet
    }

    // MARK: File system helpers

    static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        catch { throw WriteError.io("cannot create folder \(path): \(error.localizedDescription)") }
    }

    /// Replicates a tree with hard links (directories recreated, symbolic links copied).
    static func linkTree(from source: String, to destination: String) throws {
        try makeDirectory(destination)
        guard let entries = FileManager.default.enumerator(atPath: source) else { throw WriteError.io("cannot read \(source)") }
        while let relative = entries.nextObject() as? String {
            let from = (source as NSString).appendingPathComponent(relative)
            let to = (destination as NSString).appendingPathComponent(relative)
            let type = entries.fileAttributes?[.type] as? FileAttributeType
            switch type {
            case .typeDirectory?:
                guard mkdir(to, 0o755) == 0 || errno == EEXIST else { throw WriteError.io("cannot create \(to): \(String(cString: strerror(errno)))") }
            case .typeSymbolicLink?:
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: from)
                guard symlink(target, to) == 0 else { throw WriteError.io("cannot link \(to): \(String(cString: strerror(errno)))") }
            default:
                guard link(from, to) == 0 else { throw WriteError.io("cannot link \(to): \(String(cString: strerror(errno)))") }
            }
        }
    }

    /// Writes a new file (a fresh inode: never through a hard link into the live tree).
    static func writeFile(_ path: String, _ data: Data) throws {
        unlink(path)
        var fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            try makeDirectory((path as NSString).deletingLastPathComponent)
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw WriteError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return -1 }
                offset += n
            }
            return offset
        }
        guard written == data.count else { throw WriteError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    static func pruneEmptyParents(of relative: String, under base: String) {
        var directory = (relative as NSString).deletingLastPathComponent
        while !directory.isEmpty {
            if rmdir((base as NSString).appendingPathComponent(directory)) != 0 { return }
            directory = (directory as NSString).deletingLastPathComponent
        }
    }
}

/// An exclusive advisory lock (flock) on a folder, released on `release()` or when
/// the process dies. Locking the output's parent folder leaves no lock file behind.
final class FileLock {
    private var fd: Int32

    init(directory: String) throws {
        fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw WriteError.io("cannot open \(directory): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw WriteError.busy(directory)
        }
    }

    func release() {
        if fd >= 0 { close(fd); fd = -1 }
    }

    deinit { release() }
}
