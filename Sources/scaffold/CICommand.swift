import ArgumentParser
import Foundation
import ScaffoldCore

/// `scaffold ci BLUEPRINT [--output DIR]`: the blueprint repository's CI (checks, and
/// platform-api's image recipe and release workflow), which `generate` does not write.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Write the blueprint repository's CI: validate/verify/diff, and platform-api's image recipe and signed release.",
        discussion: """
            The ops and infra repositories' workflows come with `generate` (`ci:` in the blueprint). This writes the \
            blueprint repository's: <ci.folder>/blueprint.yaml, and with a platform-api service platform-api/Dockerfile \
            and <ci.folder>/platform-api-release.yaml. Each run rewrites them.
            """)

    @OptionGroup var options: BlueprintOptions
    @Option(help: "The blueprint repository's top folder (it must hold the blueprint).") var output: String = "."
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        let report = try BlueprintCI.write(blueprint: options.blueprint, overlays: options.overlays, output: output)
        switch format {
        case .json: Console.json(report)
        case .text:
            for path in report.written { print(Console.green("wrote \(path)")) }
            print("ci: \(report.written.count) written, \(report.unchanged.count) up to date in \(report.output)")
        }
    }
}
