import Foundation
import Synchronization

/// The WebSocket clients connected to this instance, by project, and the fan-out of
/// counted actions to them.
///
/// Actions reach the hub as `chatAction` events from the transport, so a client sees the
/// actions sent through any instance. Nothing is stored: a client that is not connected
/// simply misses the update and reads the counters when it connects.
public final class ChatHub: Sendable {
    /// One connected client.
    public struct Client: Sendable {
        /// The project it watches.
        public var projectID: UUID
        /// The token it authenticated with (closed when the token is revoked).
        public var jti: String
        /// The user it belongs to (for the per-user connection cap).
        public var userID: UUID
        /// Where its messages go.
        var outbox: AsyncStream<String>.Continuation
    }

    private let clients = Mutex<[UUID: Client]>([:])
    private let byProject = Mutex<[UUID: Set<UUID>]>([:])
    private let metrics: APIMetrics

    /// Creates an empty hub.
    public init(metrics: APIMetrics) {
        self.metrics = metrics
    }

    /// Registers a client; its messages arrive on the returned stream, which finishes when
    /// the client is removed or its token revoked. Nil when the user already has
    /// `maximumPerUser` clients here (checked and registered atomically).
    public func connect(
        projectID: UUID, jti: String, userID: UUID, maximumPerUser: Int = .max
    ) -> (id: UUID, messages: AsyncStream<String>)? {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let admitted = clients.withLock { clients in
            guard clients.values.count(where: { $0.userID == userID }) < maximumPerUser else { return false }
            clients[id] = Client(projectID: projectID, jti: jti, userID: userID, outbox: continuation)
            return true
        }
        guard admitted else {
            continuation.finish()
            return nil
        }
        byProject.withLock { _ = $0[projectID, default: []].insert(id) }
        metrics.webSocketClients.increment()
        return (id, stream)
    }

    /// Removes a client.
    public func disconnect(_ id: UUID) {
        guard let client = clients.withLock({ $0.removeValue(forKey: id) }) else { return }
        byProject.withLock { index in
            index[client.projectID]?.remove(id)
            if index[client.projectID]?.isEmpty == true { index[client.projectID] = nil }
        }
        client.outbox.finish()
        metrics.webSocketClients.decrement()
    }

    /// Clients connected to this instance.
    public var count: Int { clients.withLock { $0.count } }

    /// Sends `message` to every client watching `projectID`; returns how many.
    @discardableResult
    public func broadcast(_ message: String, to projectID: UUID) -> Int {
        let ids = byProject.withLock { $0[projectID] ?? [] }
        let targets = clients.withLock { clients in ids.compactMap { clients[$0]?.outbox } }
        for outbox in targets { outbox.yield(message) }
        return targets.count
    }

    /// Handles one event: fans actions out, and disconnects clients of a revoked token.
    public func handle(_ event: PlatformEvent) {
        switch event {
        case .chatAction(let action):
            broadcast(Self.message(for: action), to: action.projectID)
        case .tokenRevoked(let jti):
            let revoked = clients.withLock { $0.filter { $0.value.jti == jti }.map(\.key) }
            for id in revoked { disconnect(id) }
        case .configChanged, .resynchronise:
            return
        }
    }

    /// The JSON text a client receives for an action: `{"type":"action","action":…,"count":…}`.
    public static func message(for event: ChatActionEvent) -> String {
        #"{"action":"\#(event.action.rawValue)","count":\#(event.count),"project_id":"\#(event.projectID.lowercased)","type":"action"}"#
    }
}
