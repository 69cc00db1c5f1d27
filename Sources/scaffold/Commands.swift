import ArgumentParser
import BlueprintModel
import Foundation
import Renderer
import ScaffoldCore

/// Options every blueprint-reading command takes.
struct BlueprintOptions: ParsableArguments {
    @Argument(help: "The blueprint file (YAML).")
    var blueprint: String

    @Option(help: "The overlays folder (default: overlays/ beside the blueprint, else ../overlays).")
    var overlays: String?
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a starter blueprint and its pins file.")

    @Argument(help: "Where to write the blueprint.")
    var path: String = "blueprint.yaml"

    @Option(help: "The platform name (a DNS label).")
    var name: String = "platform"

    func run() throws {
        let pins = BlueprintLoader.pinsPath(forBlueprint: path)
        for existing in [path, pins] where FileManager.default.fileExists(atPath: existing) {
            throw CommandFailure(code: 2, message: "\(existing) already exists; not overwriting it")
        }
        let schema = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(StarterBlueprint.schemaFile)
        // The blueprint repository's top, where the CI files go: the current folder when the
        // blueprint is inside it, else the blueprint's own folder.
        let file = URL(fileURLWithPath: path).standardizedFileURL
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let root = file.path.hasPrefix(current + "/") ? current : file.deletingLastPathComponent().path
        let inRepository = String(file.path.dropFirst(root.count + 1))
        try Data(StarterBlueprint.blueprint(name: name, blueprintPath: inRepository).utf8).write(to: URL(fileURLWithPath: path))
        try Data(StarterBlueprint.pins().utf8).write(to: URL(fileURLWithPath: pins))
        // The schema of this scaffold: rewritten by each init, like generated output.
        try Data(ScaffoldCommands.schema().utf8).write(to: schema, options: .atomic)
        let ci = try BlueprintCI.write(blueprint: path, output: root)
        print("wrote \(path), \(pins), \(schema.path) (the schema editors complete from) and \(ci.written.joined(separator: ", "))\nnext: scaffold validate \(path)")
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a blueprint, its overlays and pins; report every problem.")

    @OptionGroup var options: BlueprintOptions
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        let report = ScaffoldCommands.validate(blueprint: options.blueprint, overlays: options.overlays)
        switch format {
        case .json:
            Console.json(report)
            if !report.valid { throw CommandFailure(code: 1, message: "") }
        case .text:
            if report.valid {
                print("\(options.blueprint): valid (\(report.environments.joined(separator: ", ")))")
            } else {
                throw DiagnosticsError(report.diagnostics.map {
                    Diagnostic(Diagnostic.Severity(rawValue: $0.severity) ?? .error, $0.message,
                               at: SourceLocation(file: $0.file, line: $0.line, column: $0.column), hint: $0.hint)
                })
            }
        }
    }
}

/// Flags shared by `plan` and `generate`.
struct OutputOptions: ParsableArguments {
    @Option(help: "The output folder.") var out: String = "out"
    @Flag(help: "Overwrite generated files edited by hand, and files scaffold does not own.") var force = false
    @Flag(help: "Allow deleting namespaces and more Argo CD Applications than the blueprint's limit.") var allowDeletions = false
    @Option(help: "text or json.") var format: OutputFormat = .text
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Show what generate would add, change and remove. Writes nothing.")

    @OptionGroup var options: BlueprintOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try ScaffoldCommands.plan(GenerationOptions(
            blueprint: options.blueprint, overlays: options.overlays, output: output.out,
            force: output.force, allowDeletions: output.allowDeletions))
        switch output.format {
        case .json: Console.json(report)
        case .text:
            for path in report.added { print(Console.green("+ \(path)")) }
            for path in report.changed { print(Console.yellow("~ \(path)")) }
            for path in report.removed { print(Console.red("- \(path)")) }
            print("plan: \(report.added.count) to add, \(report.changed.count) to change, \(report.removed.count) to remove, \(report.unchanged) unchanged")
            for refusal in report.refusals { Console.error("generate would refuse: \(refusal)") }
        }
        if !report.refusals.isEmpty { throw CommandFailure(code: 2, message: "") }
    }
}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Render the platform into a folder, atomically, or commit it into git repositories (--ops-repo).")

    @OptionGroup var options: BlueprintOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var git: GitRepositoryOptions
    @OptionGroup var remote: RemoteRepositoryOptions

    func run() throws {
        if git.opsRepo != nil { return try git.generate(options, output, remote: remote) }
        Console.progress("rendering \(options.blueprint)…")
        let report = try ScaffoldCommands.generate(GenerationOptions(
            blueprint: options.blueprint, overlays: options.overlays, output: output.out,
            force: output.force, allowDeletions: output.allowDeletions))
        switch output.format {
        case .json: Console.json(report)
        case .text:
            if report.written {
                print("generated \(report.files) files into \(report.output): \(report.added.count) added, \(report.changed.count) changed, \(report.removed.count) removed, \(report.unchanged) unchanged")
            } else {
                print("\(report.output) is up to date (\(report.files) files); nothing written")
            }
        }
    }
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the blueprint JSON Schema (for editors).")

    func run() throws {
        print(ScaffoldCommands.schema(), terminator: "")
    }
}
