import ArgumentParser
import Foundation
import ScaffoldCore

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Copy the digest pinned for one environment to another and commit the change on a branch.",
        discussion: """
            The digest recorded for --from is copied as it is; a tag is never resolved again. Promotions go forward \
            in the blueprint's promotion order (`promotion:`, default dev-local → staging → production); backwards \
            (a rollback) takes --force.
            """)

    @Argument(help: "The service (or --all).") var service: String?
    @Flag(help: "Promote every service with a digest recorded for --from, in one commit.") var all = false
    @Option(help: "The source environment.") var from: String
    @Option(help: "The target environment.") var to: String
    @Option(help: "Promote one region only.") var region: String?
    @OptionGroup var repositories: DeliveryRepositoryOptions

    func validate() throws {
        guard (service == nil) == all else {
            throw ValidationError(all ? "give a service or --all, not both" : "name the service to promote, or pass --all")
        }
    }

    func run() throws {
        let author = try GitRepositoryOptions(author: repositories.author).signature
        var (report, pushes) = try repositories.remote.run {
            try runDelivery {
                try ImageDelivery.promote(ImagePromotionRequest(
                    service: service ?? ImagePromotionRequest.allServices, from: from, to: to, region: region,
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
