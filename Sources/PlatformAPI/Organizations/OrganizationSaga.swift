import Foundation
import Logging

/// One step of the organization creation saga, after the PENDING row exists.
///
/// Steps are idempotent: the saga may run them again after a crash or a concurrent
/// repeat of the same request.
public protocol OrganizationSagaStep: Sendable {
    /// A short code naming the step; `<name>_failed` becomes the failure reason.
    var name: String { get }
    /// Applies the step for `owner` (the user who asked for the organization).
    func apply(to organization: Organization, owner: UUID) async throws
    /// Whether the step's effect is fully in place (used by the recovery loop).
    func isApplied(to organization: Organization) async throws -> Bool
    /// Undoes the step; must succeed when the step was only partly applied or not at all.
    func compensate(_ organization: Organization) async throws
}

/// The default every organization starts with: a project `general` owned by its creator,
/// which also makes the creator an owner of the organization.
public struct DefaultProjectStep: OrganizationSagaStep {
    /// Slug of the default project.
    public static let slug = "general"
    let projects: any ProjectRepository

    /// Creates the step.
    public init(projects: any ProjectRepository) {
        self.projects = projects
    }

    /// `default_project`.
    public var name: String { "default_project" }

    /// Creates the project and the owner membership.
    public func apply(to organization: Organization, owner: UUID) async throws {
        try await projects.createDefault(
            orgID: organization.id, id: DeterministicID.defaultProjectID(organizationID: organization.id),
            slug: Self.slug, displayName: "General", ownerID: owner)
    }

    /// The project exists with an owner.
    public func isApplied(to organization: Organization) async throws -> Bool {
        try await projects.defaultExists(orgID: organization.id, id: DeterministicID.defaultProjectID(organizationID: organization.id))
    }

    /// Deletes the project and everything under it.
    public func compensate(_ organization: Organization) async throws {
        try await projects.delete(orgID: organization.id, id: DeterministicID.defaultProjectID(organizationID: organization.id))
    }
}

/// Thrown by a step to simulate the process dying mid-saga (tests): the saga stops
/// without compensating, leaving the organization PENDING for the recovery loop.
public struct SagaInterrupted: Error {
    /// Creates the error.
    public init() {}
}

/// The result of `POST /orgs`.
public struct OrganizationOutcome: Sendable, Equatable {
    /// The organization in its final (or current) state.
    public var organization: Organization
    /// True when the operation id had been seen before.
    public var replayed: Bool
}

/// Creates organizations: PENDING → steps applied → COMMITTED, or FAILED after
/// compensating every step in reverse order. Idempotent per (user, operation id).
public struct OrganizationSaga: Sendable {
    let organizations: any OrganizationRepository
    let steps: [any OrganizationSagaStep]
    let logger: Logger

    /// Creates the saga with its steps, applied in order.
    public init(organizations: any OrganizationRepository, steps: [any OrganizationSagaStep], logger: Logger) {
        self.organizations = organizations
        self.steps = steps
        self.logger = logger
    }

    /// Runs (or resumes, or replays) the creation of an organization for `owner`.
    /// `draft.operationID` is the client's idempotency key; it is scoped to the owner.
    public func create(_ draft: OrganizationDraft, owner: UUID) async throws -> OrganizationOutcome {
        var scoped = draft
        scoped.operationID = DeterministicID.operationID(userID: owner, idempotencyKey: draft.operationID)
        let id = DeterministicID.organizationID(operationID: scoped.operationID)
        let organization: Organization
        let replayed: Bool
        switch try await organizations.begin(scoped, id: id) {
        case .slugTaken:
            throw APIError.conflict("slug_taken", "an organization with this slug already exists")
        case .started(let created):
            organization = created
            replayed = false
            logger.info("organization saga started", metadata: ["org_id": "\(id.lowercased)"])
        case .existing(let existing):
            guard existing.slug == draft.slug, existing.displayName == draft.displayName, existing.homeRegion == draft.homeRegion
            else {
                throw APIError.unprocessable("idempotency_key_reused", "this operation id was used for a different request")
            }
            if existing.status != .pending {
                return OrganizationOutcome(organization: existing, replayed: true)
            }
            organization = existing
            replayed = true
        }
        return OrganizationOutcome(organization: try await drive(organization, owner: owner), replayed: replayed)
    }

    /// Applies the steps that are not in place, then commits; compensates and fails on error.
    func drive(_ organization: Organization, owner: UUID) async throws -> Organization {
        var applied: [any OrganizationSagaStep] = []
        for step in steps {
            do {
                if try await !step.isApplied(to: organization) {
                    try await step.apply(to: organization, owner: owner)
                }
                applied.append(step)
            } catch is SagaInterrupted {
                throw SagaInterrupted()
            } catch {
                logger.warning(
                    "organization saga step failed; compensating",
                    metadata: ["org_id": "\(organization.id.lowercased)", "step": "\(step.name)", "error.type": "\(type(of: error))"])
                return try await fail(organization, reason: "\(step.name)_failed")
            }
        }
        guard let committed = try await organizations.finish(id: organization.id, status: .committed, failureReason: nil) else {
            throw APIError.notFound("organization")
        }
        logger.info("organization committed", metadata: ["org_id": "\(organization.id.lowercased)"])
        return committed
    }

    /// Compensates every step, newest first, then marks the organization FAILED.
    func fail(_ organization: Organization, reason: String) async throws -> Organization {
        for step in steps.reversed() {
            try await step.compensate(organization)
        }
        guard let failed = try await organizations.finish(id: organization.id, status: .failed, failureReason: reason) else {
            throw APIError.notFound("organization")
        }
        logger.info("organization failed", metadata: ["org_id": "\(organization.id.lowercased)", "reason": "\(reason)"])
        return failed
    }

    /// Recovery of an organization left PENDING (its creator's request died): commits it
    /// when every step is in place, otherwise compensates and fails it (`abandoned`).
    /// The creator is not known here, so missing steps are never re-applied.
    public func recover(id: UUID) async throws -> Organization? {
        guard let organization = try await organizations.organization(id: id), organization.status == .pending else {
            return nil
        }
        for step in steps where try await !step.isApplied(to: organization) {
            return try await fail(organization, reason: "abandoned")
        }
        return try await organizations.finish(id: id, status: .committed, failureReason: nil)
    }
}

extension UUID {
    /// The canonical lower-case text form used in responses, logs and SQL.
    var lowercased: String { uuidString.lowercased() }
}
