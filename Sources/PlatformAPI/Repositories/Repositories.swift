import Foundation

/// Creates anonymous guest users and keeps the token denylist.
public protocol GuestRepository: Sendable {
    /// Creates a guest user with a fresh `guest-NNNN` key.
    func createGuest() async throws -> GuestUser
    /// Puts `jti` on the denylist until `expiresAt` and emits `tokenRevoked` with the write.
    func revoke(jti: String, expiresAt: Date) async throws
    /// Every denylisted token id that has not expired yet.
    func denylist(now: Date) async throws -> [String: Date]
    /// Deletes at most `limit` denylist rows that expired before `expiredBefore` (their
    /// tokens are invalid anyway); returns how many.
    func purgeDenylist(expiredBefore: Date, limit: Int) async throws -> Int
}

/// How the first step of the organization saga went.
public enum SagaStart: Sendable, Equatable {
    /// A new PENDING organization was inserted.
    case started(Organization)
    /// The operation id was seen before: this is its organization, in whatever state it is.
    case existing(Organization)
    /// Another organization already has the slug.
    case slugTaken
}

/// Organizations and the bookkeeping of their creation saga.
///
/// Every method runs in one transaction acting inside the tenant it names (PostgreSQL:
/// `app.org_id` and `app.user_id` set for the transaction, so row-level security applies),
/// and methods acting for a user check that user's membership in that same transaction.
public protocol OrganizationRepository: Sendable {
    /// Saga step 1: inserts the organization as PENDING, or finds the one this operation created.
    func begin(_ draft: OrganizationDraft, id: UUID) async throws -> SagaStart
    /// The organization regardless of membership (saga bookkeeping only, never for a request).
    func organization(id: UUID) async throws -> Organization?
    /// Sets the final status when the organization is still PENDING; returns the row as it then is.
    func finish(id: UUID, status: OrganizationStatus, failureReason: String?) async throws -> Organization?
    /// Ids of organizations still PENDING whose last change is older than `olderThan`.
    func abandonedPending(olderThan: Date, limit: Int) async throws -> [UUID]
    /// The organization and the user's role in it; nil when it does not exist or the user
    /// has no project there (the two are indistinguishable on purpose).
    func organization(id: UUID, visibleTo userID: UUID) async throws -> (Organization, MemberRole)?
}

/// Why a project could not be created.
public enum ProjectCreation: Sendable, Equatable {
    /// Created, with the creator as owner.
    case created(Project)
    /// The slug is taken in the organization.
    case slugTaken
    /// The user is not an owner in the organization (or not a member at all: `nil` role).
    case notAllowed(MemberRole?)
}

/// Projects and their members, acting for a user inside one organization.
public protocol ProjectRepository: Sendable {
    /// Creates a project; the acting user must own a project of the organization.
    func create(orgID: UUID, actingUser: UUID, id: UUID, slug: String, displayName: String) async throws -> ProjectCreation
    /// Saga default: creates the organization's first project with `ownerID` as owner, idempotently.
    func createDefault(orgID: UUID, id: UUID, slug: String, displayName: String, ownerID: UUID) async throws
    /// Whether the saga default project exists with an owner.
    func defaultExists(orgID: UUID, id: UUID) async throws -> Bool
    /// Deletes a project with its memberships, chats and counters (saga compensation).
    func delete(orgID: UUID, id: UUID) async throws
    /// A project and the acting user's role in it; nil unless the user is a member.
    func project(orgID: UUID, id: UUID, actingUser: UUID) async throws -> (Project, MemberRole)?
    /// Projects of the organization the user is a member of, by slug; nil when none.
    func projects(orgID: UUID, actingUser: UUID) async throws -> [Project]?
    /// Members of a project the acting user belongs to; nil unless a member.
    func members(orgID: UUID, projectID: UUID, actingUser: UUID) async throws -> [ProjectMember]?
    /// Adds or changes a membership; the acting user must own the project.
    func setMember(orgID: UUID, projectID: UUID, actingUser: UUID, userID: UUID, role: MemberRole) async throws -> MembershipChange
}

/// The outcome of adding a member.
public enum MembershipChange: Sendable, Equatable {
    /// Done.
    case saved(ProjectMember)
    /// The acting user does not own the project (or is not a member at all: `nil`).
    case notAllowed(MemberRole?)
    /// No such user.
    case unknownUser
}

/// A user's chats and the project's aggregated counters, acting for a project member.
/// Every method returns nil when the acting user is not a member of the project.
public protocol ChatRepository: Sendable {
    /// Opens a chat, closing the user's oldest active chat in the project when three are open.
    func open(orgID: UUID, projectID: UUID, userID: UUID, id: UUID) async throws -> OpenedChat?
    /// The user's active chats in the project, oldest first.
    func activeChats(orgID: UUID, projectID: UUID, userID: UUID) async throws -> [ChatSession]?
    /// Closes one of the user's chats; false when it is not an active chat of theirs.
    func close(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID) async throws -> Bool
    /// Counts an action sent in an active chat of the user and emits `chatAction` with the
    /// write; nil when the chat is not an active chat of theirs in this project.
    func record(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID, action: CannedAction) async throws -> ChatActionEvent?
    /// The project's counters (every canned action, zero when never sent).
    func counters(orgID: UUID, projectID: UUID, userID: UUID) async throws -> [CannedAction: Int64]?
    /// Retention, across every tenant: deletes at most `limit` chats closed before
    /// `closedBefore`, oldest first, never an active one; returns how many.
    func purgeClosed(closedBefore: Date, limit: Int) async throws -> Int
}

/// The outcome of a conditional configuration write.
public enum ConfigWriteResult: Sendable, Equatable {
    /// Written: the new entry.
    case written(ConfigEntry)
    /// `If-Match` named a version that is no longer current: the current entry (nil: absent).
    case versionMismatch(current: ConfigEntry?)
}

/// Platform-wide service configuration: the source of truth for hot reload.
public protocol ConfigRepository: Sendable {
    /// One entry.
    func entry(key: String) async throws -> ConfigEntry?
    /// Every entry, by key.
    func entries() async throws -> [ConfigEntry]
    /// Writes `value` when the current version equals `expectedVersion` (nil: no condition;
    /// 0: only when absent), appends the history and emits `configChanged` with the write.
    func put(key: String, value: JSONValue, expectedVersion: Int64?) async throws -> ConfigWriteResult
    /// The key's history, oldest first.
    func history(key: String) async throws -> [ConfigHistoryEntry]
}

/// The repositories platform-api runs on: PostgreSQL in production, in memory in router tests.
public struct Repositories: Sendable {
    /// Guests and the denylist.
    public var guests: any GuestRepository
    /// Organizations.
    public var organizations: any OrganizationRepository
    /// Projects and members.
    public var projects: any ProjectRepository
    /// Chats and counters.
    public var chats: any ChatRepository
    /// Configuration.
    public var configs: any ConfigRepository

    /// Bundles repositories.
    public init(
        guests: any GuestRepository, organizations: any OrganizationRepository, projects: any ProjectRepository,
        chats: any ChatRepository, configs: any ConfigRepository
    ) {
        self.guests = guests
        self.organizations = organizations
        self.projects = projects
        self.chats = chats
        self.configs = configs
    }
}
