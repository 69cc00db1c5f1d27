import ArgumentParser
import Foundation
import ScaffoldCore

/// Where the blueprint and the output repositories are, for bump and promote.
/// Where a command reads the blueprint from: a file inside a repository (bump, promote, check).
struct CommittedBlueprintOptions: ParsableArguments {
    @Option(help: "The blueprint file, inside its repository's work tree (or relative to --blueprint-repo).")
    var blueprint: String

    @Option(help: "The blueprint repository, when it is bare or remote (a URL: https, ssh, git, file); --blueprint is then a path inside it.")
    var blueprintRepo: String?

    @Option(help: "The overlays folder (default: overlays/ beside the blueprint, else ../overlays).")
    var overlays: String?
}

struct DeliveryRepositoryOptions: ParsableArguments {
    @OptionGroup var source: CommittedBlueprintOptions

    @Option(help: "The ops repository to commit the re-rendered output into (local path or remote URL).")
    var opsRepo: String

    @Option(help: "The infra repository (optional; local path or remote URL).")
    var infraRepo: String?

    @OptionGroup var remote: RemoteRepositoryOptions

    @Option(help: "The branch a new branch starts from (default: each repository's HEAD branch).")
    var base: String?

    @Option(help: "The branch to commit on (default: a predictable scaffold/… branch; the base itself commits straight onto it).")
    var branch: String?

    @Option(help: "Author and committer as \"Name <email>\" (default: git config user.name/user.email).")
    var author: String?

    @Flag(help: "Say in the report what the change does to access, by meaning (the diff engine against the base branch; about half a second more).")
    var describeAccess = false

    @Flag(help: "Overwrite generated files edited by hand in the output repositories; with promote, also promote against the blueprint's promotion order (a rollback).")
    var force = false

    @Option(help: "text or json.") var format: OutputFormat = .text
}

struct BumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bump",
        abstract: "Pin a new image digest for a service and commit the change on a branch.",
        discussion: "Rewrites only the pins file, re-renders, and commits in the blueprint and ops repositories. --format json prints what a bot needs to open a pull request.")

    @Argument(help: "The service.") var service: String
    @Option(help: "The environment.") var env: String
    @Option(help: "Pin one region only.") var region: String?
    @Option(help: "The image digest: sha256: and 64 hex digits (tags are refused).") var digest: String
    @OptionGroup var repositories: DeliveryRepositoryOptions

    func run() throws {
        let author = try GitRepositoryOptions(author: repositories.author).signature
        var (report, pushes) = try repositories.remote.run {
            try runDelivery {
                try ImageDelivery.bump(ImageBumpRequest(
                    service: service, environment: env, region: region, digest: digest,
                    blueprint: repositories.source.blueprint, blueprintRepository: repositories.source.blueprintRepo,
                    overlays: repositories.source.overlays, opsRepository: repositories.opsRepo,
                    infraRepository: repositories.infraRepo, base: repositories.base, branch: repositories.branch,
                    author: author, force: repositories.force, describeAccess: repositories.describeAccess))
            }
        }
        report.record(pushes)
        printDelivery(report, format: repositories.format)
    }
}

/// Prints a bump or promotion: JSON for bots, a few lines for people.
func printDelivery(_ report: ImageDeliveryReport, format: OutputFormat) {
    switch format {
    case .json:
        Console.json(report)
    case .text:
        func label(_ pin: PinUpdate) -> String { "\(pin.service) \(pin.region.map { "\(pin.environment)/\($0)" } ?? pin.environment)" }
        if report.alreadyAt {
            for pin in report.pins { print("\(label(pin)) already at \(pin.to); nothing to commit") }
            return
        }
        print(report.title)
        for pin in report.pins { print("  \(label(pin)): \(pin.from ?? "none") → \(pin.to)") }
        for delivery in report.repositories {
            let what = delivery.committed
                ? "committed \(delivery.commit ?? "") on \(delivery.branch) (base \(delivery.base))"
                : "no change on \(delivery.branch)"
            print("  \(delivery.role): \(what)")
        }
        printPushes(report.pushes)
    }
}

extension GitRepositoryOptions {
    init(author: String?) {
        self.init()
        self.author = author
    }
}
