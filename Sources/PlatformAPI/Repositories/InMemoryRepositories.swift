import Foundation

/// All repositories in memory, with the same rules as the PostgreSQL ones (membership
/// checks, the 3-active-chats cap, monotonic config versions). Used by router tests and
/// for running the service without a database; never by the generated platform.
public actor InMemoryStore {
    private var users: [UUID: GuestUser] = [:]
    private var nextGuestNumber = 1
    private var denylisted: [String: Date] = [:]
    private var organizations: [UUID: Organization] = [:]
    private var projects: [UUID: Project] = [:]
    private var memberships: [UUID: [UUID: MemberRole]] = [:]  // project -> user -> role
    private var chats: [UUID: ChatSession] = [:]
    private var counters: [UUID: [CannedAction: Int64]] = [:]  // project -> counts
    private var configs: [String: ConfigEntry] = [:]
    private var configHistory: [ConfigHistoryEntry] = []
    private let transport: any EventTransport

    /// Creates an empty store publishing its events on `transport`.
    public init(transport: any EventTransport) {
        self.transport = transport
    }

    /// The repositories backed by this store.
    public nonisolated var repositories: Repositories {
        let adapter = InMemoryRepositories(store: self)
        return Repositories(guests: adapter, organizations: adapter, projects: adapter, chats: adapter, configs: adapter)
    }

    // MARK: Guests

    func createGuest() -> GuestUser {
        let user = GuestUser(id: UUID(), guestKey: String(format: "guest-%04d", nextGuestNumber))
        nextGuestNumber += 1
        users[user.id] = user
        return user
    }

    func revoke(jti: String, expiresAt: Date) async throws {
        denylisted[jti] = expiresAt
        try await transport.publish(.tokenRevoked(jti: jti))
    }

    func denylist(now: Date) -> [String: Date] {
        denylisted.filter { $0.value > now }
    }

    func purgeDenylist(expiredBefore: Date, limit: Int) -> Int {
        let doomed = denylisted.filter { $0.value < expiredBefore }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(max(0, limit))
        for (jti, _) in doomed { denylisted[jti] = nil }
        return doomed.count
    }

    // MARK: Organizations

    func begin(_ draft: OrganizationDraft, id: UUID) -> SagaStart {
        if let existing = organizations[id] { return .existing(existing) }
        if organizations.values.contains(where: { $0.slug == draft.slug }) { return .slugTaken }
        let now = Date()
        let organization = Organization(
            id: id, operationID: draft.operationID, slug: draft.slug, displayName: draft.displayName,
            homeRegion: draft.homeRegion, status: .pending, createdAt: now, updatedAt: now)
        organizations[id] = organization
        return .started(organization)
    }

    func organization(id: UUID) -> Organization? { organizations[id] }

    func finish(id: UUID, status: OrganizationStatus, failureReason: String?) -> Organization? {
        guard var organization = organizations[id] else { return nil }
        if organization.status == .pending {
            organization.status = status
            organization.failureReason = failureReason
            organization.updatedAt = Date()
            organizations[id] = organization
        }
        return organization
    }

    func abandonedPending(olderThan: Date, limit: Int) -> [UUID] {
        organizations.values.filter { $0.status == .pending && $0.updatedAt < olderThan }
            .sorted { $0.updatedAt < $1.updatedAt }.prefix(limit).map(\.id)
    }

    private func orgRole(_ userID: UUID, _ orgID: UUID) -> MemberRole? {
        let roles = projects.values.filter { $0.orgID == orgID }.compactMap { memberships[$0.id]?[userID] }
        if roles.contains(.owner) { return .owner }
        return roles.isEmpty ? nil : .member
    }

    func organization(id: UUID, visibleTo userID: UUID) -> (Organization, MemberRole)? {
        guard let organization = organizations[id], let role = orgRole(userID, id) else { return nil }
        return (organization, role)
    }

    // MARK: Projects

    func create(orgID: UUID, actingUser: UUID, id: UUID, slug: String, displayName: String) -> ProjectCreation {
        let role = orgRole(actingUser, orgID)
        guard role == .owner, organizations[orgID]?.status == .committed else { return .notAllowed(role) }
        if projects.values.contains(where: { $0.orgID == orgID && $0.slug == slug }) { return .slugTaken }
        let project = Project(id: id, orgID: orgID, slug: slug, displayName: displayName, createdAt: Date())
        projects[id] = project
        memberships[id] = [actingUser: .owner]
        return .created(project)
    }

    func createDefault(orgID: UUID, id: UUID, slug: String, displayName: String, ownerID: UUID) {
        if projects[id] == nil {
            projects[id] = Project(id: id, orgID: orgID, slug: slug, displayName: displayName, createdAt: Date())
        }
        memberships[id, default: [:]][ownerID] = .owner
    }

    func defaultExists(orgID: UUID, id: UUID) -> Bool {
        projects[id]?.orgID == orgID && (memberships[id]?.values.contains(.owner) ?? false)
    }

    func delete(orgID: UUID, id: UUID) {
        guard projects[id]?.orgID == orgID else { return }
        projects[id] = nil
        memberships[id] = nil
        counters[id] = nil
        chats = chats.filter { $0.value.projectID != id }
    }

    func project(orgID: UUID, id: UUID, actingUser: UUID) -> (Project, MemberRole)? {
        guard let project = projects[id], project.orgID == orgID, let role = memberships[id]?[actingUser] else { return nil }
        return (project, role)
    }

    func projects(orgID: UUID, actingUser: UUID) -> [Project]? {
        let mine = projects.values.filter { $0.orgID == orgID && memberships[$0.id]?[actingUser] != nil }
        return mine.isEmpty ? nil : mine.sorted { $0.slug < $1.slug }
    }

    func members(orgID: UUID, projectID: UUID, actingUser: UUID) -> [ProjectMember]? {
        guard project(orgID: orgID, id: projectID, actingUser: actingUser) != nil else { return nil }
        return (memberships[projectID] ?? [:]).map { userID, role in
            ProjectMember(projectID: projectID, userID: userID, guestKey: users[userID]?.guestKey ?? "", role: role)
        }.sorted { ($0.role.rawValue, $0.userID.uuidString) < ($1.role.rawValue, $1.userID.uuidString) }
    }

    func setMember(orgID: UUID, projectID: UUID, actingUser: UUID, userID: UUID, role: MemberRole) -> MembershipChange {
        let acting = project(orgID: orgID, id: projectID, actingUser: actingUser)?.1
        guard acting == .owner else { return .notAllowed(acting) }
        guard let user = users[userID] else { return .unknownUser }
        memberships[projectID, default: [:]][userID] = role
        return .saved(ProjectMember(projectID: projectID, userID: userID, guestKey: user.guestKey, role: role))
    }

    // MARK: Chats

    private func isMember(_ orgID: UUID, _ projectID: UUID, _ userID: UUID) -> Bool {
        project(orgID: orgID, id: projectID, actingUser: userID) != nil
    }

    private func active(_ projectID: UUID, _ userID: UUID) -> [ChatSession] {
        chats.values.filter { $0.projectID == projectID && $0.userID == userID && $0.closedAt == nil }
            .sorted { ($0.openedAt, $0.slot) < ($1.openedAt, $1.slot) }
    }

    func open(orgID: UUID, projectID: UUID, userID: UUID, id: UUID) -> OpenedChat? {
        guard isMember(orgID, projectID, userID) else { return nil }
        var current = active(projectID, userID)
        var closed: ChatSession?
        let now = Date()
        if current.count >= ChatLimits.maximumActive {
            var oldest = current.removeFirst()
            oldest.closedAt = now
            chats[oldest.id] = oldest
            closed = oldest
        }
        let used = Set(current.map(\.slot))
        let slot = (1...ChatLimits.maximumActive).first { !used.contains($0) }!
        let chat = ChatSession(id: id, orgID: orgID, projectID: projectID, userID: userID, slot: slot, openedAt: now)
        chats[id] = chat
        return OpenedChat(chat: chat, closed: closed)
    }

    func activeChats(orgID: UUID, projectID: UUID, userID: UUID) -> [ChatSession]? {
        guard isMember(orgID, projectID, userID) else { return nil }
        return active(projectID, userID)
    }

    func close(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID) -> Bool {
        guard isMember(orgID, projectID, userID), var chat = chats[chatID], chat.projectID == projectID,
            chat.userID == userID, chat.closedAt == nil
        else { return false }
        chat.closedAt = Date()
        chats[chatID] = chat
        return true
    }

    func purgeClosed(closedBefore: Date, limit: Int) -> Int {
        let doomed = chats.values.compactMap { chat in chat.closedAt.map { (closedAt: $0, id: chat.id) } }
            .filter { $0.closedAt < closedBefore }
            .sorted { ($0.closedAt, $0.id.uuidString) < ($1.closedAt, $1.id.uuidString) }
            .prefix(max(0, limit))
        for chat in doomed { chats[chat.id] = nil }
        return doomed.count
    }

    func record(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID, action: CannedAction) async throws -> ChatActionEvent? {
        guard isMember(orgID, projectID, userID), let chat = chats[chatID], chat.projectID == projectID,
            chat.orgID == orgID, chat.userID == userID, chat.closedAt == nil
        else { return nil }
        let count = (counters[projectID]?[action] ?? 0) + 1
        counters[projectID, default: [:]][action] = count
        let event = ChatActionEvent(orgID: orgID, projectID: projectID, action: action, count: count)
        try await transport.publish(.chatAction(event))
        return event
    }

    func counters(orgID: UUID, projectID: UUID, userID: UUID) -> [CannedAction: Int64]? {
        guard isMember(orgID, projectID, userID) else { return nil }
        var all = Dictionary(uniqueKeysWithValues: CannedAction.allCases.map { ($0, Int64(0)) })
        for (action, count) in counters[projectID] ?? [:] { all[action] = count }
        return all
    }

    // MARK: Configuration

    func entry(key: String) -> ConfigEntry? { configs[key] }

    func entries() -> [ConfigEntry] { configs.values.sorted { $0.key < $1.key } }

    func put(key: String, value: JSONValue, expectedVersion: Int64?) async throws -> ConfigWriteResult {
        let current = configs[key]
        if let expectedVersion, expectedVersion != (current?.version ?? 0) {
            return .versionMismatch(current: current)
        }
        let entry = ConfigEntry(key: key, value: value, version: (current?.version ?? 0) + 1, updatedAt: Date())
        configs[key] = entry
        configHistory.append(ConfigHistoryEntry(key: key, version: entry.version, value: value, changedAt: entry.updatedAt))
        try await transport.publish(.configChanged(key: key, version: entry.version))
        return .written(entry)
    }

    func history(key: String) -> [ConfigHistoryEntry] {
        configHistory.filter { $0.key == key }
    }
}

/// The protocol conformances of `InMemoryStore`, forwarding to the actor.
struct InMemoryRepositories: GuestRepository, OrganizationRepository, ProjectRepository, ChatRepository, ConfigRepository {
    let store: InMemoryStore

    func createGuest() async throws -> GuestUser { await store.createGuest() }
    func revoke(jti: String, expiresAt: Date) async throws { try await store.revoke(jti: jti, expiresAt: expiresAt) }
    func denylist(now: Date) async throws -> [String: Date] { await store.denylist(now: now) }
    func purgeDenylist(expiredBefore: Date, limit: Int) async throws -> Int {
        await store.purgeDenylist(expiredBefore: expiredBefore, limit: limit)
    }

    func begin(_ draft: OrganizationDraft, id: UUID) async throws -> SagaStart { await store.begin(draft, id: id) }
    func organization(id: UUID) async throws -> Organization? { await store.organization(id: id) }
    func finish(id: UUID, status: OrganizationStatus, failureReason: String?) async throws -> Organization? {
        await store.finish(id: id, status: status, failureReason: failureReason)
    }
    func abandonedPending(olderThan: Date, limit: Int) async throws -> [UUID] {
        await store.abandonedPending(olderThan: olderThan, limit: limit)
    }
    func organization(id: UUID, visibleTo userID: UUID) async throws -> (Organization, MemberRole)? {
        await store.organization(id: id, visibleTo: userID)
    }

    func create(orgID: UUID, actingUser: UUID, id: UUID, slug: String, displayName: String) async throws -> ProjectCreation {
        await store.create(orgID: orgID, actingUser: actingUser, id: id, slug: slug, displayName: displayName)
    }
    func createDefault(orgID: UUID, id: UUID, slug: String, displayName: String, ownerID: UUID) async throws {
        await store.createDefault(orgID: orgID, id: id, slug: slug, displayName: displayName, ownerID: ownerID)
    }
    func defaultExists(orgID: UUID, id: UUID) async throws -> Bool { await store.defaultExists(orgID: orgID, id: id) }
    func delete(orgID: UUID, id: UUID) async throws { await store.delete(orgID: orgID, id: id) }
    func project(orgID: UUID, id: UUID, actingUser: UUID) async throws -> (Project, MemberRole)? {
        await store.project(orgID: orgID, id: id, actingUser: actingUser)
    }
    func projects(orgID: UUID, actingUser: UUID) async throws -> [Project]? {
        await store.projects(orgID: orgID, actingUser: actingUser)
    }
    func members(orgID: UUID, projectID: UUID, actingUser: UUID) async throws -> [ProjectMember]? {
        await store.members(orgID: orgID, projectID: projectID, actingUser: actingUser)
    }
    func setMember(orgID: UUID, projectID: UUID, actingUser: UUID, userID: UUID, role: MemberRole) async throws -> MembershipChange {
        await store.setMember(orgID: orgID, projectID: projectID, actingUser: actingUser, userID: userID, role: role)
    }

    func open(orgID: UUID, projectID: UUID, userID: UUID, id: UUID) async throws -> OpenedChat? {
        await store.open(orgID: orgID, projectID: projectID, userID: userID, id: id)
    }
    func activeChats(orgID: UUID, projectID: UUID, userID: UUID) async throws -> [ChatSession]? {
        await store.activeChats(orgID: orgID, projectID: projectID, userID: userID)
    }
    func close(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID) async throws -> Bool {
        await store.close(orgID: orgID, projectID: projectID, userID: userID, chatID: chatID)
    }
    func record(orgID: UUID, projectID: UUID, userID: UUID, chatID: UUID, action: CannedAction) async throws -> ChatActionEvent? {
        try await store.record(orgID: orgID, projectID: projectID, userID: userID, chatID: chatID, action: action)
    }
    func counters(orgID: UUID, projectID: UUID, userID: UUID) async throws -> [CannedAction: Int64]? {
        await store.counters(orgID: orgID, projectID: projectID, userID: userID)
    }
    func purgeClosed(closedBefore: Date, limit: Int) async throws -> Int {
        await store.purgeClosed(closedBefore: closedBefore, limit: limit)
    }

    func entry(key: String) async throws -> ConfigEntry? { await store.entry(key: key) }
    func entries() async throws -> [ConfigEntry] { await store.entries() }
    func put(key: String, value: JSONValue, expectedVersion: Int64?) async throws -> ConfigWriteResult {
        try await store.put(key: key, value: value, expectedVersion: expectedVersion)
    }
    func history(key: String) async throws -> [ConfigHistoryEntry] { await store.history(key: key) }
}

/// Limits of the chat feature.
public enum ChatLimits {
    /// At most this many active chats per user and project; opening one more closes the oldest.
    public static let maximumActive = 3
}
