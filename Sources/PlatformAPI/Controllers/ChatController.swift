import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOWebSocket

/// Chats, canned actions, counters and the live WebSocket under
/// `/orgs/{orgID}/projects/{projectID}`.
struct ChatController {
    let runtime: PlatformRuntime

    static let base = "/orgs/:orgID/projects/:projectID"

    /// Chat writes (open, close, actions) share one per-user limit. Opening the WebSocket
    /// has its own limit, and a user holds at most `webSocketsPerUser` of them on an
    /// instance; both are checked once the upgrade is done (see `live`).
    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        let writes = group.group().add(
            middleware: RateLimitMiddleware(limiter: runtime.rateLimiters.chatActions, key: .user, action: "chat", metrics: runtime.metrics))
        writes.post("\(Self.base)/chats") { request, context in try await open(request, context: context) }
        group.get("\(Self.base)/chats") { _, context in try await list(context: context) }
        writes.delete("\(Self.base)/chats/:chatID") { _, context in try await close(context: context) }
        writes.post("\(Self.base)/chats/:chatID/actions") { request, context in try await send(request, context: context) }
        group.get("\(Self.base)/counters") { _, context in try await counters(context: context) }
        let hub = runtime.chatHub
        let repositories = runtime.repositories
        let limits = LiveLimits(
            opens: runtime.rateLimiters.webSocketOpens, maximumPerUser: runtime.configuration.limits.webSocketsPerUser,
            metrics: runtime.metrics)
        group.ws("\(Self.base)/live") { request, context in
            try await shouldUpgrade(request, context: context)
        } onUpgrade: { inbound, outbound, wsContext in
            try await Self.live(
                inbound: inbound, outbound: outbound, context: wsContext.requestContext, hub: hub, repositories: repositories,
                limits: limits)
        }
    }

    private func scope(_ context: APIRequestContext) throws -> (guest: AuthenticatedGuest, orgID: UUID, projectID: UUID) {
        (try context.requireGuest(), try context.parameters.id("orgID"), try context.parameters.id("projectID"))
    }

    /// Opens a chat; with three already open, the oldest is closed and returned as `closed`.
    /// The body is empty or `{}`: free text is a 422, as on every POST.
    func open(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (guest, orgID, projectID) = try scope(context)
        _ = try await JSONObject.read(request, allowed: [], emptyAllowed: true)
        guard let opened = try await runtime.repositories.chats.open(orgID: orgID, projectID: projectID, userID: guest.userID, id: UUID()) else {
            throw APIError.notFound("project")
        }
        return try JSONResponse.make(
            Wire.OpenedChat(chat: Wire.Chat(opened.chat), closed: opened.closed.map(Wire.Chat.init)), status: .created)
    }

    func list(context: APIRequestContext) async throws -> Response {
        let (guest, orgID, projectID) = try scope(context)
        guard let chats = try await runtime.repositories.chats.activeChats(orgID: orgID, projectID: projectID, userID: guest.userID) else {
            throw APIError.notFound("project")
        }
        return try JSONResponse.make(Wire.ChatList(chats: chats.map(Wire.Chat.init)))
    }

    func close(context: APIRequestContext) async throws -> Response {
        let (guest, orgID, projectID) = try scope(context)
        let chatID = try context.parameters.id("chatID")
        guard try await runtime.repositories.chats.close(orgID: orgID, projectID: projectID, userID: guest.userID, chatID: chatID) else {
            throw APIError.notFound("chat")
        }
        return Response(status: .noContent)
    }

    /// Counts one canned action. The body is exactly `{"action": "<canned action>"}`:
    /// any other action, any other field, any free text is a 422.
    func send(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (guest, orgID, projectID) = try scope(context)
        let chatID = try context.parameters.id("chatID")
        let body = try await JSONObject.read(request, allowed: ["action"])
        guard case .string(let name)? = body.fields["action"], let action = CannedAction(rawValue: name) else {
            throw APIError.unprocessable(
                "not_a_canned_action",
                "`action` must be one of: \(CannedAction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let event = try await runtime.repositories.chats.record(
            orgID: orgID, projectID: projectID, userID: guest.userID, chatID: chatID, action: action)
        else {
            throw APIError.notFound("chat")
        }
        runtime.metrics.recordChatAction(action)
        return try JSONResponse.make(Wire.ActionResult(action: event.action.rawValue, count: event.count))
    }

    func counters(context: APIRequestContext) async throws -> Response {
        let (guest, orgID, projectID) = try scope(context)
        guard let counters = try await runtime.repositories.chats.counters(orgID: orgID, projectID: projectID, userID: guest.userID) else {
            throw APIError.notFound("project")
        }
        return try JSONResponse.make(Wire.Counters(projectID: projectID, counters: counters))
    }

    /// Upgrades only a member of the project; echoes the `bearer` subprotocol when the
    /// browser used it to carry its token.
    func shouldUpgrade(_ request: Request, context: APIRequestContext) async throws -> RouterShouldUpgrade {
        let (guest, orgID, projectID) = try scope(context)
        guard try await runtime.repositories.projects.project(orgID: orgID, id: projectID, actingUser: guest.userID) != nil else {
            throw APIError.notFound("project")
        }
        if request.headers[.authorization] == nil, request.headers[.secWebSocketProtocol] != nil {
            return .upgrade([.secWebSocketProtocol: WebSocketAuth.subprotocol])
        }
        return .upgrade([:])
    }

    /// Sends the counters once, then every counted action of the project, until the client
    /// leaves, the token expires or is revoked. Clients send nothing (actions are POSTed).
    ///
    /// Over the limits (opens per user, connections per user) the socket is closed at once
    /// with 1013 Try Again Later and the reason `rate_limited: retry after N s` or
    /// `too_many_connections: retry after 5 s`. Not an HTTP 429 on the upgrade: the server
    /// answers every refused upgrade with a bare 400, and browsers show scripts neither;
    /// a close code and reason they do.
    static func live(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: APIRequestContext,
        hub: ChatHub, repositories: Repositories, limits: LiveLimits
    ) async throws {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        let projectID = try context.parameters.id("projectID")
        // The cap first: an open refused by it takes no token from the rate limit.
        guard let (id, messages) = hub.connect(
            projectID: projectID, jti: guest.jti, userID: guest.userID, maximumPerUser: limits.maximumPerUser)
        else {
            limits.metrics.recordRateLimited("websocket")
            try await outbound.close(LiveLimits.tryAgainLater, reason: "too_many_connections: retry after 5 s")
            return
        }
        defer { hub.disconnect(id) }
        if case .limited(let retryAfter) = limits.opens.acquire(guest.userID.lowercased) {
            limits.metrics.recordRateLimited("websocket")
            try await outbound.close(LiveLimits.tryAgainLater, reason: "rate_limited: retry after \(retryAfter.wholeSecondsRoundedUp) s")
            return
        }
        if let counters = try await repositories.chats.counters(orgID: orgID, projectID: projectID, userID: guest.userID) {
            try await outbound.write(.text(snapshot(projectID: projectID, counters: counters)))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in messages {
                    try await outbound.write(.text(message))
                }
            }
            group.addTask {
                for try await _ in inbound {}
            }
            group.addTask {
                try await Task.sleep(for: .seconds(max(0, guest.expiresAt.timeIntervalSinceNow)))
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// `{"type":"counters","project_id":…,"counters":{…}}` with sorted keys.
    static func snapshot(projectID: UUID, counters: [CannedAction: Int64]) -> String {
        let fields = counters.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\"\($0.key.rawValue)\":\($0.value)" }
        return #"{"counters":{\#(fields.joined(separator: ","))},"project_id":"\#(projectID.lowercased)","type":"counters"}"#
    }
}

/// The limits of the live WebSocket, checked once it is open.
struct LiveLimits: Sendable {
    /// Connections opened, per user.
    let opens: RateLimiter
    /// Connections one user may hold on this instance.
    let maximumPerUser: Int
    let metrics: APIMetrics

    /// Close code 1013 (RFC 6455 registry): Try Again Later.
    static let tryAgainLater = WebSocketErrorCode(codeNumber: 1013)
}
