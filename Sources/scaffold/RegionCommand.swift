import ArgumentParser
import Foundation
import ScaffoldCore

/// `scaffold region …`: changes to the blueprint's regions.
struct RegionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "region", abstract: "Change the blueprint's regions.", subcommands: [RegionAddCommand.self])
}

/// `scaffold region add ID --country C --cloud K`: appends the region to the blueprint in
/// place, validates, optionally commits the regenerated output, and prints the new
/// clusters' bootstrap checklist.
struct RegionAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a region to the blueprint (in place) and print its clusters' bootstrap checklist.",
        discussion: """
            Appends the region at the end of `regions:`, keeping every other byte of the file, and \
            writes it only when the edited blueprint validates. With --ops-repo (and --infra-repo) it \
            then commits the regenerated output as `scaffold generate --ops-repo` does (remote URLs             are pushed; the blueprint file is edited once, so a push that loses a race is not             retried: run `scaffold generate BLUEPRINT --ops-repo URL` again).
            """)

    @Argument(help: "The new region's id (a DNS label).") var id: String
    @Option(help: "The blueprint file to edit.") var blueprint: String
    @Option(help: "The overlays folder (default: overlays/ beside the blueprint, else ../overlays).") var overlays: String?
    @Option(help: "ISO 3166-1 alpha-2 country code where the region's data lives.") var country: String
    @Option(help: "digitalocean, azure, gcp, onprem or k3d.") var cloud: String
    @Option(help: "The cloud's location (default: its first location in the country).") var location: String?
    @Option(help: "Comma-separated environments (default: every non-local environment).") var environments: String?
    @Option(help: "strict (default) or relaxed.") var residency: String?
    @OptionGroup var git: GitRepositoryOptions
    @OptionGroup var remote: RemoteRepositoryOptions
    @Flag(help: "With --ops-repo: overwrite generated files edited by hand.") var force = false
    @Flag(help: "With --ops-repo: allow deleting namespaces and Applications.") var allowDeletions = false
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        var delivery: GitGenerationOptions?
        if let opsRepo = git.opsRepo {
            delivery = GitGenerationOptions(blueprint: blueprint, overlays: overlays, opsRepository: opsRepo,
                                            infraRepository: git.infraRepo, branch: git.branch, author: try git.signature,
                                            force: force, allowDeletions: allowDeletions)
        } else if git.infraRepo != nil {
            throw CommandFailure(code: 1, message: "--infra-repo needs --ops-repo")
        }
        let request = RegionAddRequest(
            blueprint: blueprint, overlays: overlays, id: id, country: country, cloud: cloud, location: location,
            environments: environments.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
            residency: residency, delivery: delivery)
        var (report, pushes) = try remote.run(maxAttempts: 1) { try runDelivery { try RegionAdd.run(request) } }
        report.delivery?.record(pushes)
        switch format {
        case .json: Console.json(report)
        case .text:
            print(RegionAdd.text(report, secretsCommand: "scaffold secrets \(blueprint) --region \(id)"), terminator: "")
            if let delivery = report.delivery { printDeliveries(delivery) }
            printPushes(pushes)
        }
    }
}
