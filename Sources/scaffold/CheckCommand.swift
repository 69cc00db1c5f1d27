import ArgumentParser
import Foundation
import ScaffoldCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that the ops (and infra) repositories hold exactly the render of their blueprint commit (drift).",
        discussion: """
            Each repository's branch head is compared with the render of the blueprint commit its \
            Scaffold-Blueprint-Commit trailer names (else the blueprint branch's tip): files edited by hand, \
            files a regeneration would add, change or remove, files in scaffold's way. Exit 1 on drift.
            """)

    @OptionGroup var source: CommittedBlueprintOptions
    @Option(help: "The ops repository (local path or remote URL).") var opsRepo: String
    @Option(help: "The infra repository (optional; local path or remote URL).") var infraRepo: String?
    @Option(help: "Where remote repositories are mirrored (default: $XDG_CACHE_HOME/scaffold/repositories, else ~/.cache/scaffold/repositories).")
    var cache: String?
    @Option(help: "The branch to check in every repository (default: each repository's HEAD branch).") var branch: String?
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        // Read-only: remotes are fetched into the cache, nothing is pushed.
        let report = try runDelivery {
            try Remotes.run(RemoteOptions(cacheDirectory: cache, push: false)) {
                try DriftCheck.run(DriftCheckRequest(blueprint: source.blueprint, blueprintRepository: source.blueprintRepo, overlays: source.overlays,
                                                     opsRepository: opsRepo, infraRepository: infraRepo, branch: branch))
            }.result
        }
        switch format {
        case .json:
            Console.json(report)
        case .text:
            for repository in report.repositories {
                let against = "blueprint \(repository.blueprintCommit.prefix(12)) (\(repository.blueprintCommitFrom))"
                guard let head = repository.head else {
                    print("\(repository.role): branch \(repository.branch) does not exist")
                    continue
                }
                print("\(repository.role) \(repository.branch) at \(head.prefix(12)) vs \(against): \(repository.drifted ? "drift" : "in sync")")
                for path in repository.handEdited { print("  edited by hand: \(path)") }
                for change in repository.stale { print("  not regenerated (\(change.kind.rawValue)): \(change.path)") }
                for path in repository.unowned { print("  not scaffold's: \(path)") }
                if !repository.blueprintCommitOnBranch {
                    print("  rendered from blueprint \(repository.blueprintCommit.prefix(12)), which is not on the blueprint branch: merge the blueprint's pull request first (the next regeneration reverts this one)")
                }
                for change in repository.pending {
                    print("  blueprint \(repository.blueprintTip?.prefix(12) ?? "") not regenerated (\(change.kind.rawValue)): \(change.path)")
                }
            }
        }
        if report.drifted { throw ExitCode(1) }
    }
}
