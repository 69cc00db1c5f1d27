import BlueprintModel
import Foundation
public import GitKit
import Renderer

/// `scaffold check`: do the ops (and infra) repositories hold exactly the render of the
/// blueprint commit they say they were rendered from?
///
/// Each output repository's branch head names its blueprint commit in the
/// `Scaffold-Blueprint-Commit` trailer (bumps, promotions); a head without one is
/// compared with the blueprint branch's tip, and the report says so. The blueprint is
/// read from that commit (never a work tree), rendered, and compared with the head's
/// tree the way a regeneration would compare it: files edited by hand since scaffold
/// wrote them, files the render would add, change or remove, and files scaffold does
/// not own in its way. A head rendered from a blueprint commit that is not on the
/// blueprint branch (its pull request merged first) is drift, and so is a blueprint tip
/// whose render differs from the head (a regeneration not yet made).
public struct DriftCheckRequest: Sendable {
    /// The blueprint file: a path inside a work tree, or relative to `blueprintRepository`.
    public var blueprint: String
    public var blueprintRepository: String?
    public var overlays: String?
    public var opsRepository: String
    public var infraRepository: String?
    /// The branch of every repository to check; nil: each repository's HEAD branch.
    public var branch: String?

    public init(blueprint: String, blueprintRepository: String? = nil, overlays: String? = nil, opsRepository: String,
                infraRepository: String? = nil, branch: String? = nil) {
        self.blueprint = blueprint
        self.blueprintRepository = blueprintRepository
        self.overlays = overlays
        self.opsRepository = opsRepository
        self.infraRepository = infraRepository
        self.branch = branch
    }
}

/// What `scaffold check` found (`--format json`).
public struct DriftReport: Codable, Sendable {
    public struct Repository: Codable, Sendable {
        public var role: String
        public var path: String
        public var branch: String
        /// The head checked (nil: the branch does not exist).
        public var head: String?
        /// The blueprint commit the head was compared with.
        public var blueprintCommit: String
        /// Where that commit came from: `trailer` (the head's Scaffold-Blueprint-Commit) or `branch tip`.
        public var blueprintCommitFrom: String
        /// Files changed by hand since scaffold wrote them.
        public var handEdited: [String]
        /// Files a regeneration would add, change or remove (hand edits not repeated).
        public var stale: [ChangeSet.Change]
        /// Files in scaffold's way that it does not own.
        public var unowned: [String]
        /// False when the blueprint commit the head names is not on the blueprint branch
        /// (the output's pull request merged before the blueprint's: the next regeneration reverts it).
        public var blueprintCommitOnBranch: Bool
        /// The blueprint branch's tip, when it is ahead of the commit the head names.
        public var blueprintTip: String?
        /// Files the render of that tip would add, change or remove: a regeneration not yet made.
        public var pending: [ChangeSet.Change]
        public var drifted: Bool

        init(role: String, path: String, branch: String, head: String?, blueprintCommit: String, blueprintCommitFrom: String,
             handEdited: [String], stale: [ChangeSet.Change], unowned: [String], blueprintCommitOnBranch: Bool,
             blueprintTip: String?, pending: [ChangeSet.Change]) {
            self.role = role
            self.path = path
            self.branch = branch
            self.head = head
            self.blueprintCommit = blueprintCommit
            self.blueprintCommitFrom = blueprintCommitFrom
            self.handEdited = handEdited
            self.stale = stale
            self.unowned = unowned
            self.blueprintCommitOnBranch = blueprintCommitOnBranch
            self.blueprintTip = blueprintTip
            self.pending = pending
            drifted = head == nil || !handEdited.isEmpty || !stale.isEmpty || !unowned.isEmpty || !blueprintCommitOnBranch || !pending.isEmpty
        }
    }
    public var blueprint: String
    public var repositories: [Repository]
    public var drifted: Bool

    init(blueprint: String, repositories: [Repository]) {
        self.blueprint = blueprint
        self.repositories = repositories
        drifted = repositories.contains { $0.drifted }
    }
}

public enum DriftCheck {
    public static let blueprintCommitTrailer = "Scaffold-Blueprint-Commit"

    public static func run(_ request: DriftCheckRequest) throws -> DriftReport {
        let blueprint = try CommittedBlueprint.locate(blueprint: request.blueprint, overlays: request.overlays,
                                                      repositoryPath: request.blueprintRepository)
        let blueprintBranch = request.branch ?? GitDestination.defaultBranch(of: blueprint.repository)
        guard let blueprintTip = try blueprint.repository.branchTip(blueprintBranch) else {
            throw DeliveryError.blueprintNotInRepository(path: blueprint.path, branch: blueprintBranch)
        }
        var plans: [ObjectID: OutputPlan] = [:]
        var repositories: [DriftReport.Repository] = []
        for (role, path) in [(RepositoryRole.ops, Optional(request.opsRepository)), (.infra, request.infraRepository)] {
            guard let path else { continue }
            let repository = try GitDelivery.open(path)
            let branch = request.branch ?? GitDestination.defaultBranch(of: repository)
            let head = try repository.branchTip(branch).map { try repository.commit($0) }
            var blueprintCommit = blueprintTip
            var from = "branch tip"
            if let named = head.flatMap({ trailer(blueprintCommitTrailer, in: $0.message) }), let id = ObjectID(hex: named),
               (try? blueprint.repository.commit(id)) != nil {
                blueprintCommit = id
                from = "trailer"
            }
            func render(_ commit: ObjectID) throws -> OutputPlan {
                if let cached = plans[commit] { return cached }
                let loaded = try blueprint.load(tree: try blueprint.repository.commit(commit).treeID, branch: String(commit.hex.prefix(12)))
                let plan = Pipeline.render(loaded)
                plans[commit] = plan
                return plan
            }
            let changes = try GitWriter.application(of: render(blueprintCommit).files(in: role), to: head?.treeID, in: repository).changes
            let handEdited = Set(changes.handEdited)
            let onBranch = try blueprint.repository.contains(blueprintCommit, inHistoryOf: blueprintTip)
            // The blueprint moved on since this render: what regenerating from its tip would change.
            var pending: [ChangeSet.Change] = []
            if blueprintCommit != blueprintTip, onBranch {
                pending = try GitWriter.application(of: render(blueprintTip).files(in: role), to: head?.treeID, in: repository).changes.changes
                    .filter { !handEdited.contains($0.path) }
            }
            repositories.append(DriftReport.Repository(
                role: role.rawValue, path: RepositoryLocation.display(path), branch: branch, head: head?.id.hex, blueprintCommit: blueprintCommit.hex,
                blueprintCommitFrom: from, handEdited: changes.handEdited,
                stale: changes.changes.filter { !handEdited.contains($0.path) }, unowned: changes.unownedCollisions,
                blueprintCommitOnBranch: onBranch, blueprintTip: blueprintCommit == blueprintTip ? nil : blueprintTip.hex, pending: pending))
        }
        return DriftReport(blueprint: blueprint.path, repositories: repositories)
    }

    /// The value of a `Key: value` trailer in the message's last paragraph.
    static func trailer(_ key: String, in message: String) -> String? {
        let paragraphs = message.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n\n")
        for line in (paragraphs.last ?? "").split(separator: "\n") where line.hasPrefix(key + ":") {
            return line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
