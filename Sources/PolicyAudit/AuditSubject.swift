import BlueprintModel
import Renderer

/// One rendering to audit or compare: a blueprint as loaded (for causes), its rendered
/// output (for facts), and the policy model read from that output.
public struct AuditSubject: Sendable {
    /// What this is, for people: `HEAD~1` or a file path.
    public var label: String
    /// The commit it was read from, when it came from git.
    public var revision: String?
    /// The blueprint path as shown (relative to the repository for revisions).
    public var blueprintPath: String
    public var loaded: LoadedBlueprint
    public var tree: RenderedTree
    public var model: PolicyModel
    public var contentHash: String
    /// A folder the blueprint was checked out into, stripped from locations.
    public var sourceRoot: String?

    /// Reads the policy model from a rendered plan.
    public init(label: String, revision: String? = nil, blueprintPath: String, loaded: LoadedBlueprint, plan: OutputPlan,
                contentHash: String, sourceRoot: String? = nil) throws(PolicyExtractor.ExtractionError) {
        try self.init(label: label, revision: revision, blueprintPath: blueprintPath, loaded: loaded,
                      tree: RenderedTree(plan: plan), contentHash: contentHash, sourceRoot: sourceRoot)
    }

    /// Reads the policy model from a rendered tree as given (tests corrupt trees this way).
    public init(label: String, revision: String? = nil, blueprintPath: String, loaded: LoadedBlueprint, tree: RenderedTree,
                contentHash: String, sourceRoot: String? = nil) throws(PolicyExtractor.ExtractionError) {
        self.label = label
        self.revision = revision
        self.blueprintPath = blueprintPath
        self.loaded = loaded
        self.tree = tree
        self.model = try PolicyExtractor.extract(tree)
        self.contentHash = contentHash
        self.sourceRoot = sourceRoot
    }

    /// The same subject with another rendered tree (the model re-read from it).
    public func with(tree: RenderedTree) throws(PolicyExtractor.ExtractionError) -> AuditSubject {
        try AuditSubject(label: label, revision: revision, blueprintPath: blueprintPath, loaded: loaded, tree: tree,
                         contentHash: contentHash, sourceRoot: sourceRoot)
    }

    /// A blueprint location as people see it (checkout folders removed).
    public func position(_ location: SourceLocation) -> SourcePosition? {
        guard location.line > 0 else { return nil }
        var file = location.file
        if let sourceRoot {
            let prefix = sourceRoot.hasSuffix("/") ? sourceRoot : sourceRoot + "/"
            if file.hasPrefix(prefix) { file = String(file.dropFirst(prefix.count)) }
        }
        return SourcePosition(file: file, line: location.line, column: location.column)
    }
}
