import ArgumentParser
import BlueprintModel
import Foundation
import ScaffoldCore

/// `scaffold secrets BLUEPRINT`: the keys each cluster's secret store must hold, which
/// objects read them and how to make each one. Prints names and commands, never values.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "List the secret-store keys every cluster needs, who reads them and how to make them (never values).")

    @OptionGroup var options: BlueprintOptions

    @Option(help: "Only this environment.") var env: String?
    @Option(help: "Only this region.") var region: String?
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        let loaded = try Pipeline.load(blueprint: options.blueprint, overlays: options.overlays)
        if let env, !loaded.base.environments.contains(where: { $0.name == env }) {
            throw CommandFailure(code: 1, message: "no environment \(env) in \(options.blueprint) (one of: \(loaded.base.environments.map { $0.name }.joined(separator: ", ")))")
        }
        if let region, !loaded.base.regions.contains(where: { $0.id == region }) {
            throw CommandFailure(code: 1, message: "no region \(region) in \(options.blueprint) (one of: \(loaded.base.regions.map { $0.id }.joined(separator: ", ")))")
        }
        let clusters = try SecretInventory.clusters(loaded, environment: env, region: region)
        switch format {
        case .text: print(SecretInventory.text(clusters), terminator: "")
        case .json: print(try SecretInventory.json(clusters), terminator: "")
        }
    }
}
