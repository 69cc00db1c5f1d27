import ArgumentParser
import Foundation
import GitKit
import ScaffoldCore

/// `--cache`, `--no-push`: how repositories given as remote URLs are handled.
struct RemoteRepositoryOptions: ParsableArguments {
    @Option(help: "Where remote repositories are mirrored (default: $XDG_CACHE_HOME/scaffold/repositories, else ~/.cache/scaffold/repositories).")
    var cache: String?

    @Flag(inversion: .prefixedNo, help: "Push the committed branches to remote repositories (--no-push keeps the commits in the cache).")
    var push = true

    /// Runs `body` with remote repositories mirrored, then pushes what it committed
    /// (retrying on a push race, `maxAttempts` rounds); local repositories are used as they are.
    func run<R>(maxAttempts: Int = 5, _ body: () throws -> R) throws -> (R, [RemotePush]) {
        let options = RemoteOptions(cacheDirectory: cache, push: push, maxAttempts: maxAttempts)
        let run = try runDelivery { try Remotes.run(options, body) }
        return (run.result, run.pushes)
    }
}

/// One line per branch a run moved in a remote repository.
func printPushes(_ pushes: [RemotePush]) {
    for push in pushes {
        print(push.pushed
              ? "  pushed \(push.branch) (\(push.commit.prefix(12))) to \(push.repository)"
              : "  not pushed (--no-push): \(push.branch) (\(push.commit.prefix(12))) is in \(push.cache)")
    }
}

/// `--ops-repo`, `--infra-repo`, `--branch`, `--author`: delivering into git
/// repositories instead of a folder.
struct GitRepositoryOptions: ParsableArguments {
    @Option(help: "Commit the ops output into this repository (a local work tree or bare repository, or a remote URL: https, ssh, git, file) instead of writing --out.")
    var opsRepo: String?

    @Option(help: "Commit the infra (Terraform) output into this repository (local path or remote URL).")
    var infraRepo: String?

    @Option(help: "The branch to commit on (default: the repository's HEAD branch).")
    var branch: String?

    @Option(help: "Author and committer as \"Name <email>\" (default: git config user.name/user.email).")
    var author: String?

    var signature: Signature? {
        get throws {
            guard let author else { return nil }
            guard let signature = Signature(parsing: author) else {
                throw CommandFailure(code: 1, message: "--author must look like \"Name <email>\", got `\(author)`")
            }
            return signature
        }
    }
}

/// Runs a git delivery, turning its errors into exit codes: refusals 2, anything else 1.
func runDelivery<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DeliveryError {
        throw CommandFailure(code: 1, message: error.description)
    } catch let error as GitKitError {
        if case .checkoutWouldOverwrite = error { throw CommandFailure(code: 2, message: error.description) }
        throw CommandFailure(code: 1, message: error.description)
    } catch let error as GitError {
        throw CommandFailure(code: 1, message: "git: \(error.description)")
    }
}

extension GitRepositoryOptions {
    /// `scaffold generate BLUEPRINT --ops-repo PATH [--infra-repo PATH] [--branch NAME]`.
    func generate(_ blueprint: BlueprintOptions, _ output: OutputOptions, remote: RemoteRepositoryOptions) throws {
        guard let opsRepo else { return }
        let signature = try signature
        var (report, pushes) = try remote.run {
            try runDelivery {
                try GitDelivery.generate(GitGenerationOptions(
                    blueprint: blueprint.blueprint, overlays: blueprint.overlays, opsRepository: opsRepo,
                    infraRepository: infraRepo, branch: branch, author: signature,
                    force: output.force, allowDeletions: output.allowDeletions))
            }
        }
        report.record(pushes)
        switch output.format {
        case .json: Console.json(report)
        case .text:
            printDeliveries(report)
            printPushes(pushes)
        }
    }
}

/// One line per repository of a `--ops-repo` generation: its commit, or that it was up to date.
func printDeliveries(_ report: GitGenerationReport) {
    for delivery in report.repositories {
        if delivery.committed {
            print("\(delivery.role): committed \(delivery.commit ?? "") on \(delivery.branch) in \(delivery.repository): \(delivery.added.count) added, \(delivery.changed.count) changed, \(delivery.removed.count) removed")
        } else {
            print("\(delivery.role): \(delivery.branch) in \(delivery.repository) is up to date; no commit made")
        }
    }
}
