import ArgumentParser
import BlueprintModel
import Foundation
import Renderer
import ScaffoldCore

/// The `scaffold` command: flags in, a library call, diagnostics out, an exit code.
/// Exit codes: 0 success, 1 invalid input or usage, 2 refused.
@main
struct Scaffold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaffold",
        abstract: "Render a GitOps platform from one blueprint.",
        version: ScaffoldVersion.current,
        subcommands: [
            InitCommand.self, ValidateCommand.self, PlanCommand.self, GenerateCommand.self, SchemaCommand.self,
            MigrateCommand.self, DiffCommand.self, AuditCommand.self, BumpCommand.self, PromoteCommand.self,
            DevCommand.self, VerifyCommand.self, SecretsCommand.self, RegionCommand.self, CheckCommand.self, CICommand.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            Foundation.exit(Console.exitCode(for: error, command: self))
        }
    }
}

/// `--format text|json`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Printing to the terminal: colour only on a terminal and never with `NO_COLOR`.
enum Console {
    static let colour: Bool = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    static let interactive: Bool = isatty(STDERR_FILENO) == 1

    static func red(_ text: String) -> String { colour ? "\u{1B}[1;31m\(text)\u{1B}[0m" : text }
    static func yellow(_ text: String) -> String { colour ? "\u{1B}[1;33m\(text)\u{1B}[0m" : text }
    static func green(_ text: String) -> String { colour ? "\u{1B}[32m\(text)\u{1B}[0m" : text }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data("\(red("error:")) \(text)\n".utf8))
    }

    /// Progress lines for long runs, on a terminal only.
    static func progress(_ text: String) {
        guard interactive else { return }
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    static func print(diagnostics: [Diagnostic]) {
        var out = ""
        for diagnostic in diagnostics {
            let label = diagnostic.severity == .error ? red("error:") : yellow("\(diagnostic.severity.rawValue):")
            out += "\(diagnostic.location): \(label) \(diagnostic.message)\n"
            if let hint = diagnostic.hint { out += "  hint: \(hint)\n" }
        }
        let count = diagnostics.filter { $0.severity == .error }.count
        out += "\(count) error\(count == 1 ? "" : "s")\n"
        FileHandle.standardError.write(Data(out.utf8))
    }

    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Maps an error to an exit code, printing it.
    static func exitCode(for error: any Error, command: Scaffold.Type) -> Int32 {
        switch error {
        case let error as DiagnosticsError:
            print(diagnostics: error.diagnostics)
            return 1
        case let error as WriteError:
            Console.error(error.description)
            return error.isRefusal ? 2 : 1
        case let error as CommandFailure:
            if !error.message.isEmpty { Console.error(error.message) }
            return error.code
        default:
            let code = command.exitCode(for: error).rawValue
            let message = command.fullMessage(for: error)
            if code == 0 {
                if !message.isEmpty { Swift.print(message) }
                return 0
            }
            if !message.isEmpty { FileHandle.standardError.write(Data("\(message)\n".utf8)) }
            // Usage errors (ArgumentParser's 64) are invalid input: exit 1.
            return 1
        }
    }
}

/// An error that has already been reported (or carries its own message) and an exit code.
struct CommandFailure: Error {
    var code: Int32
    var message: String
}
