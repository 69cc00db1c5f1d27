public import GitKit
import BlueprintModel
import Foundation
import Renderer

/// `scaffold bump SERVICE --env ENV [--region R] --digest sha256:…`.
public struct ImageBumpRequest: Sendable {
    public var service: String
    public var environment: String
    /// Pin one region only (`environment/region` in the pins file).
    public var region: String?
    public var digest: String
    /// The blueprint file: a path inside a work tree, or relative to `blueprintRepository`.
    public var blueprint: String
    /// The blueprint repository when it is bare (or to be explicit).
    public var blueprintRepository: String?
    public var overlays: String?
    public var opsRepository: String
    public var infraRepository: String?
    /// The branch a new bump branch starts from; nil: each repository's HEAD branch.
    public var base: String?
    /// The branch to commit on; nil: `scaffold/bump/<service>-<env>[-<region>]-<12 hex>`.
    /// Equal to the base: commit straight onto it.
    public var branch: String?
    public var author: Signature?
    public var force: Bool
    /// Say by meaning what the change does to access (``AccessSummary``): renders the base
    /// too and runs the diff engine (about half a second on the example).
    public var describeAccess: Bool

    public init(service: String, environment: String, region: String? = nil, digest: String, blueprint: String,
                blueprintRepository: String? = nil, overlays: String? = nil, opsRepository: String,
                infraRepository: String? = nil, base: String? = nil, branch: String? = nil,
                author: Signature? = nil, force: Bool = false, describeAccess: Bool = false) {
        self.describeAccess = describeAccess
        self.service = service
        self.environment = environment
        self.region = region
        self.digest = digest
        self.blueprint = blueprint
        self.blueprintRepository = blueprintRepository
        self.overlays = overlays
        self.opsRepository = opsRepository
        self.infraRepository = infraRepository
        self.base = base
        self.branch = branch
        self.author = author
        self.force = force
    }
}

/// `scaffold promote SERVICE --from ENV --to ENV [--region R]`: the digest
/// pinned for the source environment, copied as it is (a tag is never re-resolved),
/// forward in the blueprint's promotion order only unless `force`.
public struct ImagePromotionRequest: Sendable {
    /// The service; `ImagePromotionRequest.allServices` promotes every service with a
    /// digest recorded for `from`, in one commit.
    public var service: String
    public var from: String
    public var to: String
    public var region: String?
    public var blueprint: String
    public var blueprintRepository: String?
    public var overlays: String?
    public var opsRepository: String
    public var infraRepository: String?
    public var base: String?
    public var branch: String?
    public var author: Signature?
    public var force: Bool
    /// See ``ImageBumpRequest/describeAccess``.
    public var describeAccess: Bool

    public init(service: String, from: String, to: String, region: String? = nil, blueprint: String,
                blueprintRepository: String? = nil, overlays: String? = nil, opsRepository: String,
                infraRepository: String? = nil, base: String? = nil, branch: String? = nil,
                author: Signature? = nil, force: Bool = false, describeAccess: Bool = false) {
        self.describeAccess = describeAccess
        self.service = service
        self.from = from
        self.to = to
        self.region = region
        self.blueprint = blueprint
        self.blueprintRepository = blueprintRepository
        self.overlays = overlays
        self.opsRepository = opsRepository
        self.infraRepository = infraRepository
        self.base = base
        self.branch = branch
        self.author = author
        self.force = force
    }

    /// The `service` of `promote --all`.
    public static let allServices = "*"
}

/// One pin a bump or promotion set.
public struct PinUpdate: Codable, Sendable, Equatable {
    public var service: String
    public var environment: String
    public var region: String?
    /// The digest pinned before (nil: none was).
    public var from: String?
    public var to: String
}

/// What a bump or promotion did: everything a bot needs to open a pull request.
public struct ImageDeliveryReport: Codable, Sendable {
    /// `bump` or `promote`.
    public var action: String
    /// The service (`*` for `promote --all`: `pins` lists each).
    public var service: String
    public var environment: String
    public var region: String?
    /// The source environment of a promotion.
    public var promotedFrom: String?
    /// The digest pinned before (nil: none was; nil for `promote --all`).
    public var from: String?
    /// The digest pinned now (empty for `promote --all`).
    public var to: String
    /// Every pin set, one per service (one for a bump or a single promotion).
    public var pins: [PinUpdate]
    /// True when the pin already had this digest and every repository was up to date: nothing was written.
    public var alreadyAt: Bool
    /// The branch committed on, in every repository.
    public var branch: String
    /// The branch a pull request should target (the blueprint repository's base).
    public var base: String
    /// A pull request title.
    public var title: String
    /// A pull request body (Markdown): the digest change and every changed file.
    public var body: String
    /// The content hash of the blueprint after the change.
    public var blueprintHash: String
    public var generatorVersion: String
    /// Blueprint, ops and (when given) infra repository, in that order.
    public var repositories: [RepositoryDelivery]
    /// What the change does to access against the base branch, by meaning (the diff engine;
    /// with `describeAccess` / `--describe-access` only).
    public var access: AccessSummary?
    /// The order to merge the pull requests in: the blueprint's first; ops and infra name
    /// the blueprint commit they were rendered from (`Scaffold-Blueprint-Commit`).
    public var mergeOrder: [String]
    /// Branches pushed to remote repositories (empty when every repository is local).
    public var pushes: [RemotePush] = []
}

/// Image bumps and promotions, delivered as commits on a predictable branch of
/// the blueprint repository (only the machine-owned pins file changes) and the
/// ops/infra repositories (the re-rendered output).
///
/// Every repository is read from its branch, never from a work tree; each
/// commit lands by compare-and-swap, and on a conflict the pins edit and the
/// render are redone on the new tip (bounded retries), so concurrent bots never
/// lose a change. The ops render always comes from the blueprint branch's
/// latest tip, so it includes every pin that landed before it. Running the same
/// bump again finds the pin already at the digest and writes nothing.
public enum ImageDelivery {
    /// Bumps a service's digest in one environment (optionally one region).
    public static func bump(_ request: ImageBumpRequest) throws -> ImageDeliveryReport {
        let digest = try ImageDigest.validate(request.digest)
        let branch = request.branch ?? "scaffold/bump/" + branchStem(request.service, request.environment, request.region) + "-" + ImageDigest.short(digest)
        let context = try Context(
            blueprint: request.blueprint, blueprintRepository: request.blueprintRepository, overlays: request.overlays,
            ops: request.opsRepository, infra: request.infraRepository, base: request.base, branch: branch)
        let target = PinTarget(service: request.service, environment: request.environment, region: request.region)
        return try deliver([PinChange(target: target, digest: digest)], action: "bump", promotedFrom: nil, context: context,
                           author: request.author, force: request.force, describeAccess: request.describeAccess)
    }

    /// Promotes the digest pinned for `from` to `to`.
    public static func promote(_ request: ImagePromotionRequest) throws -> ImageDeliveryReport {
        let probe = try Context(
            blueprint: request.blueprint, blueprintRepository: request.blueprintRepository, overlays: request.overlays,
            ops: request.opsRepository, infra: request.infraRepository, base: request.base, branch: "scaffold/promote")
        guard let baseTip = try probe.blueprint.repository.branchTip(probe.blueprintBase) else {
            throw DeliveryError.blueprintNotInRepository(path: probe.blueprint.path, branch: probe.blueprintBase)
        }
        let loaded = try probe.blueprint.load(tree: probe.blueprint.repository.commit(baseTip).treeID, branch: probe.blueprintBase)
        let all = request.service == ImagePromotionRequest.allServices
        let services = all ? loaded.base.services.map(\.name).sorted() : [request.service]
        for service in services {
            try PinTarget(service: service, environment: request.from, region: request.region).validate(in: loaded.base)
            try PinTarget(service: service, environment: request.to, region: request.region).validate(in: loaded.base)
        }
        // Forward only: each environment receives what the one before it ran.
        let order = loaded.base.promotionOrder
        if !request.force, !(order.firstIndex(of: request.from).flatMap { from in order.firstIndex(of: request.to).map { from < $0 } } ?? false) {
            throw DeliveryError.promotionAgainstOrder(from: request.from, to: request.to, order: order)
        }
        let pins = loaded.base.pins
        func source(_ service: String) -> String? {
            let recorded = request.region.map { pins.digest(service: service, environment: request.from, region: $0) }
                ?? pins.digests[Pins.Key(service: service, environment: request.from)]
            return recorded.flatMap { try? ImageDigest.validate($0) }
        }
        // --all: every service with a digest recorded for the source (a service not yet
        // pinned there is left out, and is not an error).
        let changes = services.compactMap { service in
            source(service).map { PinChange(target: PinTarget(service: service, environment: request.to, region: request.region), digest: $0) }
        }
        guard !changes.isEmpty else {
            throw DeliveryError.sourcePinMissing(service: request.service, environment: request.from, region: request.region)
        }
        let stem = all ? "all" : request.service
        let identity = all ? String(ContentHash.sha256(changes.map(\.digest).joined(separator: "\n")).prefix(12)) : ImageDigest.short(changes[0].digest)
        let branch = request.branch ?? "scaffold/promote/\(stem)-\(request.from)-to-" + branchStem(nil, request.to, request.region) + "-" + identity
        var context = probe
        context.branch = branch
        return try deliver(changes, action: "promote", promotedFrom: request.from, context: context,
                           author: request.author, force: request.force, describeAccess: request.describeAccess)
    }

    // MARK: Internals

    static func branchStem(_ service: String?, _ environment: String, _ region: String?) -> String {
        [service, environment, region].compactMap { $0 }.joined(separator: "-")
    }

    /// A pin and the digest it is set to.
    struct PinChange {
        var target: PinTarget
        var digest: String
    }

    /// The pin to change.
    struct PinTarget {
        var service: String
        var environment: String
        var region: String?

        var entry: String { region.map { "\(environment)/\($0)" } ?? environment }
        var key: Pins.Key { Pins.Key(service: service, environment: environment, region: region) }
        var label: String { "\(service) \(entry)" }

        /// Unknown services, environments and regions are refused before anything is written.
        func validate(in blueprint: Blueprint) throws {
            guard blueprint.service(service) != nil else {
                throw DeliveryError.unknownService(service, hint: Suggestion.hint(for: service, in: blueprint.services.map(\.name), noun: "service"))
            }
            guard blueprint.environment(environment) != nil else {
                throw DeliveryError.unknownEnvironment(environment, hint: Suggestion.hint(for: environment, in: blueprint.environments.map(\.name), noun: "environment"))
            }
            if let region {
                let running = blueprint.regions(running: environment).map(\.id)
                guard running.contains(region) else {
                    throw DeliveryError.unknownRegion(region, hint: "environment `\(environment)` runs in: " + Suggestion.hint(for: region, in: running, noun: "region"))
                }
            }
        }
    }

    /// The repositories and branches of one delivery.
    struct Context {
        var blueprint: CommittedBlueprint
        var blueprintBase: String
        var outputs: [(role: RepositoryRole, repository: Repository, path: String, base: String)]
        var branch: String

        init(blueprint: String, blueprintRepository: String?, overlays: String?, ops: String, infra: String?,
             base: String?, branch: String) throws {
            self.blueprint = try CommittedBlueprint.locate(blueprint: blueprint, overlays: overlays, repositoryPath: blueprintRepository)
            blueprintBase = base ?? GitDestination.defaultBranch(of: self.blueprint.repository)
            outputs = []
            for (role, path) in [(RepositoryRole.ops, Optional(ops)), (.infra, infra)] {
                guard let path else { continue }
                let repository = try GitDelivery.open(path)
                outputs.append((role, repository, path, base ?? GitDestination.defaultBranch(of: repository)))
            }
            self.branch = branch
            _ = try Repository.branchReference(branch)
        }

        /// The commit a branch starts from in a repository: its own tip, else its base's.
        static func start(_ repository: Repository, branch: String, base: String) throws -> Commit? {
            try (repository.branchTip(branch) ?? repository.branchTip(base)).map { try repository.commit($0) }
        }

        func destination(_ repository: Repository, path: String, base: String) -> GitDestination {
            GitDestination(repository: repository, displayPath: RepositoryLocation.display(path), branch: branch, base: base == branch ? nil : base)
        }
    }

    /// The loads, renders and tree comparisons of one delivery, so the preflight's work
    /// serves the commits when nobody raced us (and retries on an unchanged blueprint do not
    /// redo it): loads keyed by tree and edited pins, renders by the blueprint's content
    /// hash, comparisons by output, tree and content hash.
    final class RenderCache {
        let blueprint: CommittedBlueprint
        let branch: String
        private var loads: [String: LoadedBlueprint] = [:]
        private var plans: [String: OutputPlan] = [:]
        private var applications: [String: GitWriter.Application] = [:]

        init(blueprint: CommittedBlueprint, branch: String) {
            self.blueprint = blueprint
            self.branch = branch
        }

        /// The blueprint as committed in `tree`, with `pins` instead of its pins file when given.
        func load(_ tree: ObjectID, pins: Data? = nil) throws -> LoadedBlueprint {
            let key = tree.hex + (pins.map { ":" + ContentHash.sha256($0) } ?? "")
            if let loaded = loads[key] { return loaded }
            let loaded = try blueprint.load(tree: tree, branch: branch, pins: pins)
            loads[key] = loaded
            return loaded
        }

        /// Records that `tree` holds exactly the inputs of `loaded` (a tree just committed).
        func remember(_ loaded: LoadedBlueprint, as tree: ObjectID) {
            loads[tree.hex] = loaded
        }

        /// What `plan` (rendered from `loaded`) changes in `tree` of an output repository.
        func application(of plan: OutputPlan, _ loaded: LoadedBlueprint, role: RepositoryRole, to tree: ObjectID?,
                         in repository: Repository) throws -> GitWriter.Application {
            let key = "\(role.rawValue):\(tree?.hex ?? "-"):\(Pipeline.contentHash(loaded))"
            if let application = applications[key] { return application }
            let application = try GitWriter.application(of: plan.files(in: role), to: tree, in: repository)
            applications[key] = application
            return application
        }

        func render(_ loaded: LoadedBlueprint) -> OutputPlan {
            let key = Pipeline.contentHash(loaded)
            if let plan = plans[key] { return plan }
            let plan = Pipeline.render(loaded)
            plans[key] = plan
            return plan
        }
    }

    static func deliver(_ changes: [PinChange], action: String, promotedFrom: String?, context: Context,
                        author: Signature?, force: Bool, describeAccess: Bool) throws -> ImageDeliveryReport {
        let blueprintRepository = context.blueprint.repository
        let pinsPath = context.blueprint.pinsPath

        // Preflight, before anything is written: names, the edit, the render, refusals.
        guard let start = try Context.start(blueprintRepository, branch: context.branch, base: context.blueprintBase) else {
            throw DeliveryError.blueprintNotInRepository(path: context.blueprint.path, branch: context.blueprintBase)
        }
        let cache = RenderCache(blueprint: context.blueprint, branch: context.branch)
        let current = try cache.load(start.treeID)
        for change in changes { try change.target.validate(in: current.base) }
        let startPins = try blueprintRepository.fileContents(at: pinsPath, inTree: start.treeID)
        let editedPins = try edit(startPins, changes)
        let preview = try cache.load(start.treeID, pins: editedPins)
        let previewPlan = cache.render(preview)
        let guardrail = DeletionGuardrail(maxApplicationDeletions: preview.base.policy.maxApplicationDeletions, allowDeletions: false)
        for output in context.outputs {
            let tree = try Context.start(output.repository, branch: context.branch, base: output.base)?.treeID
            let application = try cache.application(of: previewPlan, preview, role: output.role, to: tree, in: output.repository)
            try GitWriter.checkRefusals(application.changes, force: force, guardrail: guardrail)
        }

        // 1. The pins file, in the blueprint repository.
        var from = changes.map { current.base.pins.digests[$0.target.key] }
        var afterHash = Pipeline.contentHash(preview)
        var committedBlueprint: LoadedBlueprint?
        let blueprintDelivery = try GitWriter.write(
            role: "blueprint",
            to: context.destination(blueprintRepository, path: context.blueprint.display, base: context.blueprintBase),
            author: author
        ) { parent in
            guard let parent else {
                throw DeliveryError.blueprintNotInRepository(path: context.blueprint.path, branch: context.blueprintBase)
            }
            let loaded = try cache.load(parent.treeID)
            for change in changes { try change.target.validate(in: loaded.base) }
            from = changes.map { loaded.base.pins.digests[$0.target.key] }
            let pending = zip(changes, from).filter { $0.0.digest != $0.1 }.map(\.0)
            guard !pending.isEmpty else {
                afterHash = Pipeline.contentHash(loaded)
                return nil
            }
            let existing = try blueprintRepository.fileContents(at: pinsPath, inTree: parent.treeID)
            let pins = try edit(existing, pending)
            let after = try cache.load(parent.treeID, pins: pins)
            committedBlueprint = after
            afterHash = Pipeline.contentHash(after)
            let application = GitWriter.Application(
                operations: [pinsPath: .write(pins)],
                added: existing == nil ? [pinsPath] : [], changed: existing == nil ? [] : [pinsPath])
            let message = CommitMessage(
                summary: summary(action, changes, promotedFrom: promotedFrom),
                body: lines(changes, from),
                added: application.added, changed: application.changed,
                trailers: trailers(action, changes, from: from, loaded: after, hash: afterHash, files: 1)
            ).text
            return (application, message)
        }

        // 2. The rendered output, from the blueprint branch's latest tip.
        if let committedBlueprint, blueprintDelivery.committed, let id = blueprintDelivery.commit.flatMap(ObjectID.init(hex:)) {
            cache.remember(committedBlueprint, as: try blueprintRepository.commit(id).treeID)
        }
        var deliveries = [blueprintDelivery]
        for output in context.outputs {
            let delivery = try GitWriter.write(
                role: output.role.rawValue,
                to: context.destination(output.repository, path: output.path, base: output.base),
                author: author
            ) { parent in
                guard let tip = try Context.start(blueprintRepository, branch: context.branch, base: context.blueprintBase) else { return nil }
                let loaded = try cache.load(tip.treeID)
                let plan = cache.render(loaded)
                let application = try cache.application(of: plan, loaded, role: output.role, to: parent?.treeID, in: output.repository)
                try GitWriter.checkRefusals(application.changes, force: force, guardrail: guardrail)
                let hash = Pipeline.contentHash(loaded)
                let message = CommitMessage(
                    summary: summary(action, changes, promotedFrom: promotedFrom) + " (\(output.role.rawValue))",
                    body: lines(changes, from) + ["", "Rendered from \(context.blueprint.path) at \(tip.id.hex)."],
                    changes: application.changes,
                    trailers: trailers(action, changes, from: from, loaded: loaded, hash: hash,
                                       files: application.added.count + application.changed.count + application.removed.count)
                        + [("Scaffold-Blueprint-Commit", tip.id.hex)]
                ).text
                return (application, message)
            }
            deliveries.append(delivery)
        }

        let alreadyAt = zip(changes, from).allSatisfy { $0.0.digest == $0.1 } && deliveries.allSatisfy { !$0.committed }
        let title = summary(action, changes, promotedFrom: promotedFrom, capitalized: true)
        let pins = zip(changes, from).map { change, from in
            PinUpdate(service: change.target.service, environment: change.target.environment, region: change.target.region,
                      from: from, to: change.digest)
        }
        let single = changes.count == 1 ? changes.first : nil
        // Against the base branch, which the pull requests merge into.
        var access: AccessSummary?
        if describeAccess, let baseTip = try blueprintRepository.branchTip(context.blueprintBase),
           let tip = try Context.start(blueprintRepository, branch: context.branch, base: context.blueprintBase) {
            let before = try cache.load(try blueprintRepository.commit(baseTip).treeID)
            let after = try cache.load(tip.treeID)
            access = AccessSummary.between(before, cache.render(before), and: after, cache.render(after), blueprintPath: context.blueprint.path)
        }
        let mergeOrder = deliveries.map(\.role)
        let text = PullRequestText(action: action, pins: pins, promotedFrom: promotedFrom, deliveries: deliveries,
                                   hash: afterHash, access: access, blueprintPath: context.blueprint.path)
        for index in deliveries.indices {
            deliveries[index].title = index == 0 ? title : "\(title) (\(deliveries[index].role))"
            deliveries[index].body = text.body(for: index)
        }
        return ImageDeliveryReport(
            action: action, service: single?.target.service ?? ImagePromotionRequest.allServices,
            environment: changes[0].target.environment, region: changes[0].target.region,
            promotedFrom: promotedFrom, from: single == nil ? nil : from[0], to: single?.digest ?? "", pins: pins,
            alreadyAt: alreadyAt, branch: context.branch, base: context.blueprintBase, title: title,
            body: text.combinedBody, blueprintHash: afterHash, generatorVersion: ScaffoldVersion.current, repositories: deliveries,
            access: access, mergeOrder: mergeOrder)
    }

    /// The pins file with every change set (a fresh file when there is none yet).
    static func edit(_ existing: Data?, _ changes: [PinChange]) throws -> Data {
        var text = existing.map { String(decoding: $0, as: UTF8.self) }
            ?? "# Machine-owned: `scaffold bump` and `scaffold promote` rewrite this file.\napiVersion: scaffold.dev/v1\nkind: Pins\npins:\n"
        for change in changes {
            text = try PinsEditor.setting(change.digest, service: change.target.service, entry: change.target.entry, in: text)
        }
        return Data(text.utf8)
    }

    /// `backend-api production: sha256:… → sha256:…`, one line per pin.
    static func lines(_ changes: [PinChange], _ from: [String?]) -> [String] {
        zip(changes, from).map { "\($0.0.target.label): \($0.1 ?? "(none)") → \($0.0.digest)" }
    }

    static func summary(_ action: String, _ changes: [PinChange], promotedFrom: String?, capitalized: Bool = false) -> String {
        let target = changes[0].target
        let text: String
        if changes.count > 1, let promotedFrom {
            text = "promote \(changes.count) services from \(promotedFrom) to \(target.entry)"
        } else if let promotedFrom {
            text = "promote \(target.service) from \(promotedFrom) to \(target.entry) (sha256:\(ImageDigest.short(changes[0].digest)))"
        } else {
            text = "bump \(target.service) in \(target.entry) to sha256:\(ImageDigest.short(changes[0].digest))"
        }
        return capitalized ? text.prefix(1).uppercased() + text.dropFirst() : "scaffold: " + text
    }

    static func trailers(_ action: String, _ changes: [PinChange], from: [String?], loaded: LoadedBlueprint,
                         hash: String, files: Int) -> [(String, String)] {
        zip(changes, from).map { change, from in
            ("Scaffold-\(action == "promote" ? "Promote" : "Bump")", "\(change.target.label) \(from ?? "none") -> \(change.digest)")
        } + [
            ("Scaffold-Blueprint", loaded.blueprintName),
            ("Scaffold-Blueprint-Hash", "sha256:\(hash)"),
            ("Scaffold-Generator-Version", ScaffoldVersion.current),
            ("Scaffold-Changed-Files", String(files)),
        ]
    }
}
