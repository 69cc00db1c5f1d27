import BlueprintModel
import Foundation
import Renderer

/// How `diff` and `audit` load and render a blueprint: the generation pipeline's own
/// steps, passed in (ScaffoldCore's `Pipeline`), so the audit reads exactly what
/// `scaffold generate` would write.
public struct AuditPipeline: Sendable {
    public var load: @Sendable (_ blueprint: String, _ overlays: String?) throws -> LoadedBlueprint
    public var render: @Sendable (LoadedBlueprint) -> OutputPlan
    public var contentHash: @Sendable (LoadedBlueprint) -> String
    public var generatorVersion: String

    public init(load: @escaping @Sendable (String, String?) throws -> LoadedBlueprint, render: @escaping @Sendable (LoadedBlueprint) -> OutputPlan,
                contentHash: @escaping @Sendable (LoadedBlueprint) -> String, generatorVersion: String) {
        self.load = load
        self.render = render
        self.contentHash = contentHash
        self.generatorVersion = generatorVersion
    }

    /// The working files: a blueprint path (with its overlays and pins beside it).
    public func subject(blueprint path: String, overlays: String? = nil, label: String? = nil) throws -> AuditSubject {
        let loaded = try load(path, overlays)
        return try AuditSubject(label: label ?? path, blueprintPath: path, loaded: loaded, plan: render(loaded),
                                contentHash: contentHash(loaded))
    }

    /// One revision of a blueprint repository, read through libgit2.
    public func subject(repository: String, revision: String, blueprint: String) throws -> AuditSubject {
        let relative = Self.relative(blueprint, to: repository)
        let checkout = try BlueprintCheckout(repository: repository, revision: revision, blueprint: relative)
        let loaded: LoadedBlueprint
        do {
            loaded = try load(checkout.blueprintPath, nil)
        } catch let error as DiagnosticsError {
            // Point diagnostics at repository paths, not the temporary folder.
            throw DiagnosticsError(error.diagnostics.map { diagnostic in
                var diagnostic = diagnostic
                diagnostic.location.file = Self.strip(checkout.root, from: diagnostic.location.file)
                diagnostic.message += " (at \(revision))"
                return diagnostic
            })
        }
        let subject = try AuditSubject(label: revision, revision: checkout.commit, blueprintPath: relative, loaded: loaded,
                                       plan: render(loaded), contentHash: contentHash(loaded), sourceRoot: checkout.root)
        withExtendedLifetime(checkout) {}
        return subject
    }

    /// `--from`/`--to`: a file when one exists at that path, else a revision.
    public func subject(_ reference: String, repository: String, blueprint: String) throws -> AuditSubject {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try subject(blueprint: reference)
        }
        return try subject(repository: repository, revision: reference, blueprint: blueprint)
    }

    /// Compares two renderings.
    public func diff(from old: AuditSubject, to new: AuditSubject) -> DiffReport {
        DiffReport(from: old, to: new, generatorVersion: generatorVersion)
    }

    /// Audits one rendering.
    public func audit(_ subject: AuditSubject) -> AuditReport {
        PolicyAuditor.audit(subject, generatorVersion: generatorVersion)
    }

    /// Writes the evidence bundle: `evidence.json`, `evidence.md` and `report.html`.
    @discardableResult
    public static func writeEvidence(_ report: AuditReport, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files: [(String, String)] = [
            ("evidence.json", AuditFormatter.render(report, as: .json)),
            ("evidence.md", AuditFormatter.render(report, as: .markdown)),
            ("report.html", AuditFormatter.render(report, as: .html)),
        ]
        var written: [String] = []
        for (name, contents) in files {
            let path = (directory as NSString).appendingPathComponent(name)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            written.append(path)
        }
        return written
    }

    /// A blueprint path relative to the repository root (absolute paths inside it are shortened).
    static func relative(_ path: String, to repository: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let root = URL(fileURLWithPath: repository).standardizedFileURL.path
        return strip(root, from: URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    static func strip(_ root: String, from path: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
