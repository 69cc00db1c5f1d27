public import BlueprintModel
public import Renderer
import Foundation

/// What `scaffold validate` reports.
public struct ValidationReport: Codable, Sendable {
    public var blueprint: String
    public var valid: Bool
    public var contentHash: String?
    public var environments: [String]
    public var diagnostics: [DiagnosticRecord]
}

/// A diagnostic in machine-readable form.
public struct DiagnosticRecord: Codable, Sendable, Equatable {
    public var severity: String
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var hint: String?

    public init(_ diagnostic: Diagnostic) {
        severity = diagnostic.severity.rawValue
        file = diagnostic.location.file
        line = diagnostic.location.line
        column = diagnostic.location.column
        message = diagnostic.message
        hint = diagnostic.hint
    }
}

/// What `scaffold plan` and `scaffold generate` report.
public struct GenerationReport: Codable, Sendable {
    public var blueprint: String
    public var contentHash: String
    public var generatorVersion: String
    public var output: String
    public var written: Bool
    public var files: Int
    public var bytes: Int
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
    public var unchanged: Int
    /// Why the write is refused (plan) or was refused (generate), if it is.
    public var refusals: [String]
    public var deletedObjects: [ChangeSet.Deletion]
}

/// Options shared by `plan` and `generate`.
public struct GenerationOptions: Sendable {
    public var blueprint: String
    public var overlays: String?
    public var output: String
    public var force: Bool
    public var allowDeletions: Bool

    public init(blueprint: String, overlays: String? = nil, output: String, force: Bool = false, allowDeletions: Bool = false) {
        self.blueprint = blueprint
        self.overlays = overlays
        self.output = output
        self.force = force
        self.allowDeletions = allowDeletions
    }
}

/// The library behind each CLI subcommand: the CLI only parses flags and prints.
public enum ScaffoldCommands {
    public static func validate(blueprint: String, overlays: String? = nil) -> ValidationReport {
        do {
            let loaded = try Pipeline.load(blueprint: blueprint, overlays: overlays)
            return ValidationReport(blueprint: blueprint, valid: true, contentHash: Pipeline.contentHash(loaded),
                                    environments: loaded.base.environments.map(\.name), diagnostics: [])
        } catch {
            return ValidationReport(blueprint: blueprint, valid: false, contentHash: nil, environments: [],
                                    diagnostics: error.diagnostics.map(DiagnosticRecord.init))
        }
    }

    /// Compares what would be generated with the output folder. Writes nothing.
    public static func plan(_ options: GenerationOptions) throws -> GenerationReport {
        let loaded = try Pipeline.load(blueprint: options.blueprint, overlays: options.overlays)
        let plan = Pipeline.render(loaded)
        let writer = FolderWriter(root: options.output)
        let changes = try writer.changes(for: plan)
        var refusals: [String] = []
        if !options.force {
            if !changes.handEdited.isEmpty { refusals.append(WriteError.handEdited(changes.handEdited).description) }
            if !changes.unownedCollisions.isEmpty { refusals.append(WriteError.unownedCollision(changes.unownedCollisions).description) }
        }
        if let reason = guardrail(loaded, options).refusal(for: changes) { refusals.append(reason) }
        return report(options, loaded, plan, changes, written: false, refusals: refusals)
    }

    /// Renders and writes the output folder atomically.
    public static func generate(_ options: GenerationOptions) throws -> GenerationReport {
        let loaded = try Pipeline.load(blueprint: options.blueprint, overlays: options.overlays)
        let plan = Pipeline.render(loaded)
        let changes = try FolderWriter(root: options.output).apply(plan, force: options.force) { changes in
            try guardrail(loaded, options).check(changes)
        }
        return report(options, loaded, plan, changes, written: !changes.isEmpty, refusals: [])
    }

    static func guardrail(_ loaded: LoadedBlueprint, _ options: GenerationOptions) -> DeletionGuardrail {
        DeletionGuardrail(maxApplicationDeletions: loaded.base.policy.maxApplicationDeletions, allowDeletions: options.allowDeletions)
    }

    static func report(_ options: GenerationOptions, _ loaded: LoadedBlueprint, _ plan: OutputPlan, _ changes: ChangeSet,
                       written: Bool, refusals: [String]) -> GenerationReport {
        GenerationReport(
            blueprint: options.blueprint, contentHash: Pipeline.contentHash(loaded), generatorVersion: ScaffoldVersion.current,
            output: options.output, written: written, files: plan.files.count, bytes: plan.totalBytes,
            added: changes.added, changed: changes.changed, removed: changes.removed, unchanged: changes.unchanged,
            refusals: refusals, deletedObjects: changes.deletedObjects)
    }

    /// The blueprint JSON Schema.
    public static func schema() -> String {
        JSONSchemaPrinter.print(BlueprintSchema.blueprint, id: "https://scaffold.dev/schemas/blueprint-v1.json", title: "scaffold blueprint v1")
    }
}
