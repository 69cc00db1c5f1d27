public import GitKit
public import Renderer
import BlueprintModel
import Foundation

/// Options for `scaffold generate BLUEPRINT --ops-repo PATH --infra-repo PATH`.
public struct GitGenerationOptions: Sendable {
    public var blueprint: String
    public var overlays: String?
    /// The repository for ``RepositoryRole/ops`` files (a work tree or a bare repository).
    public var opsRepository: String
    /// The repository for ``RepositoryRole/infra`` files; required when the plan has any.
    public var infraRepository: String?
    /// The branch to commit on; nil: each repository's HEAD branch (else `main`).
    public var branch: String?
    /// Author and committer; nil: `user.name`/`user.email` from git configuration.
    public var author: Signature?
    public var force: Bool
    public var allowDeletions: Bool

    public init(blueprint: String, overlays: String? = nil, opsRepository: String, infraRepository: String? = nil,
                branch: String? = nil, author: Signature? = nil, force: Bool = false, allowDeletions: Bool = false) {
        self.blueprint = blueprint
        self.overlays = overlays
        self.opsRepository = opsRepository
        self.infraRepository = infraRepository
        self.branch = branch
        self.author = author
        self.force = force
        self.allowDeletions = allowDeletions
    }
}

/// What `scaffold generate --ops-repo …` did.
public struct GitGenerationReport: Codable, Sendable {
    public var blueprint: String
    public var contentHash: String
    public var generatorVersion: String
    public var files: Int
    public var repositories: [RepositoryDelivery]
    /// Branches pushed to remote repositories (empty when every repository is local).
    public var pushes: [RemotePush] = []

    /// True when no repository got a commit.
    public var unchanged: Bool { repositories.allSatisfy { !$0.committed } }
}

/// Why a git delivery cannot start; nothing has been written when these are thrown.
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    case notARepository(path: String, reason: String)
    case missingRepository(role: String, files: Int)
    case malformedDigest(String)
    case tagInsteadOfDigest(String)
    case unknownService(String, hint: String)
    case unknownEnvironment(String, hint: String)
    case unknownRegion(String, hint: String)
    case sourcePinMissing(service: String, environment: String, region: String?)
    case promotionAgainstOrder(from: String, to: String, order: [String])
    case blueprintNotInRepository(path: String, branch: String)
    case invalidBlueprint(String)
    case remoteRefusedCredentials(repository: String, offered: String, variable: String)
    case remoteUnreachable(repository: String, reason: String)
    case pushRaceLost(reference: String, attempts: Int)

    public var description: String {
        switch self {
        case let .notARepository(path, reason):
            return "\(path) is not a git repository (\(reason))\n  hint: create it with `git init --bare \(path)` or pass the right path"
        case let .missingRepository(role, files):
            return "the plan has \(files) \(role) file\(files == 1 ? "" : "s") but no --\(role)-repo was given"
        case let .malformedDigest(value):
            return "`\(value)` is not an image digest\n  hint: pass the digest as sha256: followed by 64 lowercase hex digits (e.g. from `crane digest IMAGE`)"
        case let .tagInsteadOfDigest(value):
            return "`\(value)` looks like a tag; tags are refused because they can move\n  hint: resolve it to its digest first (e.g. `crane digest IMAGE:\(value.split(separator: ":").last ?? "")`) and pass sha256:…"
        case let .unknownService(name, hint):
            return "unknown service `\(name)`\n  hint: \(hint)"
        case let .unknownEnvironment(name, hint):
            return "unknown environment `\(name)`\n  hint: \(hint)"
        case let .unknownRegion(name, hint):
            return "unknown region `\(name)`\n  hint: \(hint)"
        case let .sourcePinMissing(service, environment, region):
            return "no digest is pinned for `\(service)` in \(environment)\(region.map { "/\($0)" } ?? "") to promote\n  hint: bump it there first with `scaffold bump \(service) --env \(environment) --digest sha256:…`"
        case let .promotionAgainstOrder(from, to, order):
            let next = order.firstIndex(of: from).flatMap { order.indices.contains($0 + 1) ? order[$0 + 1] : nil }
            let forward = next.map { "promote forward (`--from \(from) --to \($0)`)" } ?? "\(from) is not followed by any environment in the order"
            return "promoting from \(from) to \(to) goes against the promotion order \(order.joined(separator: " → "))\n  hint: \(forward); "
                + "a deliberate rollback or hotfix takes --force (see `promotion:` in docs/blueprint.md)"
        case let .blueprintNotInRepository(path, branch):
            return "\(path) is not on branch \(branch) of the blueprint repository\n  hint: commit the blueprint first; scaffold reads it from the branch, not from the work tree"
        case let .invalidBlueprint(message):
            return message
        case let .remoteRefusedCredentials(repository, offered, variable):
            return "\(repository) refused the credentials offered (\(offered)); nothing was pushed\n  hint: set \(variable) to a token with write access to the repository (for ssh: SCAFFOLD_GIT_SSH_KEY or ssh-agent)"
        case let .remoteUnreachable(repository, reason):
            return "cannot reach \(repository): \(reason)\n  hint: check the URL and that this machine can reach it; credentials come from SCAFFOLD_GIT_TOKEN (or SCAFFOLD_GIT_TOKEN_<HOST>) and SCAFFOLD_GIT_SSH_KEY"
        case let .pushRaceLost(reference, attempts):
            return "gave up pushing \(reference) after \(attempts) attempts: other writers kept moving the remote first\n  hint: run the command again; every attempt refetched and re-rendered on the new base"
        }
    }
}

/// Delivering generated output straight into git repositories.
public enum GitDelivery {
    /// Opens a repository (work tree or bare) for writing: a local path as it is, a
    /// remote URL through its cache mirror (``RemoteSession``).
    static func open(_ location: String) throws -> Repository {
        let path = try RemoteSession.localPath(for: location)
        do {
            return try Repository.open(at: path)
        } catch let error as GitError {
            throw DeliveryError.notARepository(path: location, reason: error.message)
        }
    }

    /// Renders the blueprint and commits each repository's share of the plan
    /// (one commit per repository, none where nothing changed). All refusals
    /// (hand edits, unowned files, the deletion guardrail) are checked in every
    /// repository before the first commit is made.
    public static func generate(_ options: GitGenerationOptions) throws -> GitGenerationReport {
        let loaded = try Pipeline.load(blueprint: options.blueprint, overlays: options.overlays)
        let plan = Pipeline.render(loaded)
        let hash = Pipeline.contentHash(loaded)
        let guardrail = DeletionGuardrail(
            maxApplicationDeletions: loaded.base.policy.maxApplicationDeletions, allowDeletions: options.allowDeletions)

        var targets: [(role: RepositoryRole, files: [RenderedFile], destination: GitDestination)] = []
        for role in RepositoryRole.allCases.sorted(by: { $0 == .ops && $1 != .ops }) {
            let files = plan.files(in: role)
            let path = role == .ops ? options.opsRepository : options.infraRepository
            guard let path else {
                if files.isEmpty { continue }
                throw DeliveryError.missingRepository(role: role.rawValue, files: files.count)
            }
            let repository = try open(path)
            let branch = options.branch ?? GitDestination.defaultBranch(of: repository)
            _ = try Repository.branchReference(branch)
            targets.append((role, files, GitDestination(repository: repository, displayPath: RepositoryLocation.display(path), branch: branch, base: nil)))
        }

        // Preflight every repository, so one refusing does not leave the other committed.
        for target in targets {
            let tip = try target.destination.repository.branchTip(target.destination.branch)
            let tree = try tip.map { try target.destination.repository.commit($0).treeID }
            let application = try GitWriter.application(of: target.files, to: tree, in: target.destination.repository)
            try GitWriter.checkRefusals(application.changes, force: options.force, guardrail: guardrail)
        }

        var deliveries: [RepositoryDelivery] = []
        for target in targets {
            deliveries.append(try GitWriter.write(
                target.files, role: target.role.rawValue, to: target.destination, author: options.author,
                force: options.force, guardrail: guardrail
            ) { changes in
                CommitMessage(
                    summary: "scaffold: regenerate \(target.role.rawValue) from \(loaded.blueprintName) (\(CommitMessage.counts(changes)))",
                    changes: changes,
                    trailers: trailers(loaded: loaded, hash: hash, changes: changes)
                ).text
            })
        }
        return GitGenerationReport(
            blueprint: options.blueprint, contentHash: hash, generatorVersion: ScaffoldVersion.current,
            files: plan.files.count, repositories: deliveries)
    }

    /// The trailers every scaffold commit carries.
    static func trailers(loaded: LoadedBlueprint, hash: String, changes: ChangeSet) -> [(String, String)] {
        [
            ("Scaffold-Blueprint", loaded.blueprintName),
            ("Scaffold-Blueprint-Hash", "sha256:\(hash)"),
            ("Scaffold-Generator-Version", ScaffoldVersion.current),
            ("Scaffold-Changes", "added=\(changes.added.count) changed=\(changes.changed.count) removed=\(changes.removed.count)"),
        ]
    }
}
