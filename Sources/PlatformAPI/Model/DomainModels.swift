import Foundation

/// The life of an organization in the creation saga.
public enum OrganizationStatus: String, Codable, Sendable, CaseIterable {
    /// Created, defaults not yet applied and committed.
    case pending = "PENDING"
    /// Fully created.
    case committed = "COMMITTED"
    /// Creation failed; compensation removed what had been applied.
    case failed = "FAILED"
}

/// A tenant: an organization owning projects.
public struct Organization: Sendable, Equatable {
    /// Derived from the operation id (`OrganizationID.derive(operationID:)`).
    public var id: UUID
    /// The idempotency key of the request that created it.
    public var operationID: String
    /// URL-safe unique name.
    public var slug: String
    /// Display name (not personal data: an organization's name).
    public var displayName: String
    /// Region holding the organization's data (data residency).
    public var homeRegion: String
    /// Saga status.
    public var status: OrganizationStatus
    /// Why creation failed, when it did.
    public var failureReason: String?
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a value.
    public init(
        id: UUID, operationID: String, slug: String, displayName: String, homeRegion: String,
        status: OrganizationStatus, failureReason: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.operationID = operationID
        self.slug = slug
        self.displayName = displayName
        self.homeRegion = homeRegion
        self.status = status
        self.failureReason = failureReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a client asks for when creating an organization.
public struct OrganizationDraft: Sendable, Equatable {
    /// The idempotency key.
    public var operationID: String
    /// URL-safe unique name.
    public var slug: String
    /// Display name.
    public var displayName: String
    /// Home region.
    public var homeRegion: String

    /// Creates a draft.
    public init(operationID: String, slug: String, displayName: String, homeRegion: String) {
        self.operationID = operationID
        self.slug = slug
        self.displayName = displayName
        self.homeRegion = homeRegion
    }
}

/// A project under an organization.
public struct Project: Sendable, Equatable {
    /// Project id.
    public var id: UUID
    /// Owning organization.
    public var orgID: UUID
    /// URL-safe name, unique within the organization.
    public var slug: String
    /// Display name.
    public var displayName: String
    /// Creation time.
    public var createdAt: Date

    /// Creates a value.
    public init(id: UUID, orgID: UUID, slug: String, displayName: String, createdAt: Date) {
        self.id = id
        self.orgID = orgID
        self.slug = slug
        self.displayName = displayName
        self.createdAt = createdAt
    }
}

/// A member's role in a project or organization.
public enum MemberRole: String, Codable, Sendable, CaseIterable {
    /// Created it; may add members.
    case owner
    /// Participates.
    case member
}

/// A guest user's membership of a project.
public struct ProjectMember: Sendable, Equatable {
    /// The project.
    public var projectID: UUID
    /// The user.
    public var userID: UUID
    /// The user's public guest key.
    public var guestKey: String
    /// Role.
    public var role: MemberRole

    /// Creates a value.
    public init(projectID: UUID, userID: UUID, guestKey: String, role: MemberRole) {
        self.projectID = projectID
        self.userID = userID
        self.guestKey = guestKey
        self.role = role
    }
}

/// An anonymous guest user: an id and a `guest-NNNN` key, nothing else.
public struct GuestUser: Sendable, Equatable {
    /// User id.
    public var id: UUID
    /// Public key shown to other members, `guest-NNNN`.
    public var guestKey: String

    /// Creates a value.
    public init(id: UUID, guestKey: String) {
        self.id = id
        self.guestKey = guestKey
    }
}

/// One of a user's (at most three) active chats in a project.
public struct ChatSession: Sendable, Equatable {
    /// Chat id.
    public var id: UUID
    /// Owning organization.
    public var orgID: UUID
    /// The project.
    public var projectID: UUID
    /// The user.
    public var userID: UUID
    /// Slot 1…3.
    public var slot: Int
    /// When it was opened.
    public var openedAt: Date
    /// When it was closed (nil while active).
    public var closedAt: Date?

    /// Creates a value.
    public init(id: UUID, orgID: UUID, projectID: UUID, userID: UUID, slot: Int, openedAt: Date, closedAt: Date? = nil) {
        self.id = id
        self.orgID = orgID
        self.projectID = projectID
        self.userID = userID
        self.slot = slot
        self.openedAt = openedAt
        self.closedAt = closedAt
    }
}

/// The outcome of opening a chat: the new chat, and the one closed to make room.
public struct OpenedChat: Sendable, Equatable {
    /// The chat just opened.
    public var chat: ChatSession
    /// The oldest active chat, closed because three were already open.
    public var closed: ChatSession?
}

/// A configuration entry, as stored in `app.service_configs`.
public struct ConfigEntry: Sendable, Equatable {
    /// Key, e.g. `chat.max_active` or `features.dark_mode`.
    public var key: String
    /// Value.
    public var value: JSONValue
    /// Strictly increasing version; the `ETag`.
    public var version: Int64
    /// Last change.
    public var updatedAt: Date

    /// Creates a value.
    public init(key: String, value: JSONValue, version: Int64, updatedAt: Date) {
        self.key = key
        self.value = value
        self.version = version
        self.updatedAt = updatedAt
    }
}

/// One line of `app.config_history`.
public struct ConfigHistoryEntry: Sendable, Equatable {
    /// Key.
    public var key: String
    /// The version this change produced.
    public var version: Int64
    /// The value it set.
    public var value: JSONValue
    /// When.
    public var changedAt: Date

    /// Creates a value.
    public init(key: String, version: Int64, value: JSONValue, changedAt: Date) {
        self.key = key
        self.version = version
        self.value = value
        self.changedAt = changedAt
    }
}
