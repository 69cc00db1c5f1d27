import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// The default transport: PostgreSQL `LISTEN/NOTIFY`.
///
/// Writers send `pg_notify` inside their own transaction (`notify(_:on:)`), so an event
/// goes out exactly when the write commits. Each instance keeps one dedicated connection
/// listening on every channel and reconnects after a failure.
public final class PostgresEventTransport: EventTransport {
    /// Always in the writer's transaction.
    public var publishMode: EventPublishMode { .inTransaction }
    /// Local receivers.
    public let received = EventBroadcaster()

    private let settings: DatabaseSettings
    private let client: PostgresClient
    private let logger: Logger
    private let connected = Mutex(false)

    /// Creates the transport; `client` is only used by `publish(_:)` outside a transaction.
    public init(settings: DatabaseSettings, client: PostgresClient, logger: Logger) {
        self.settings = settings
        self.client = client
        self.logger = logger
    }

    /// True while the listening connection is up (used by `/readyz`).
    public var isConnected: Bool { connected.withLock { $0 } }

    /// Queues the event as a notification of the transaction running on `connection`.
    public static func notify(_ event: PlatformEvent, on connection: PostgresConnection, logger: Logger) async throws {
        guard let channel = event.channel else { return }
        let payload = try event.payload()
        try await connection.query("SELECT pg_notify(\(channel.rawValue), \(payload))", logger: logger)
    }

    /// Sends a notification in a transaction of its own.
    public func publish(_ event: PlatformEvent) async throws {
        guard let channel = event.channel else { return }
        let payload = try event.payload()
        try await client.query("SELECT pg_notify(\(channel.rawValue), \(payload))", logger: logger)
    }

    /// Listens on every channel until cancelled, reconnecting with a capped, jittered
    /// backoff (`ReconnectBackoff`); every connection starts with `.resynchronise`.
    public func run() async throws {
        var backoff = ReconnectBackoff()
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try settings.connectionConfiguration(), id: connectionID, logger: logger)
                do {
                    try await listen(on: connection)
                } catch {
                    if !Task.isCancelled {
                        logger.warning("event listener lost its connection", metadata: ["transport": "postgres", "error": "\(String(reflecting: type(of: error)))"])
                    }
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { break }
                logger.warning("event listener could not connect", metadata: ["transport": "postgres", "error": "\(String(reflecting: type(of: error)))"])
            }
            // A connection that listened worked: the next failure starts the backoff over.
            if connected.withLock({ $0 }) { backoff.reset() }
            connected.withLock { $0 = false }
            if Task.isCancelled { break }
            try? await Task.sleep(for: backoff.next())
        }
    }

    /// Listens on every channel of `connection` until one listener ends (connection lost or cancelled).
    private func listen(on connection: PostgresConnection) async throws {
        let listening = ListenerCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for channel in EventChannel.allCases {
                group.addTask {
                    try await connection.listen(on: channel.rawValue) { notifications in
                        if listening.increment() == EventChannel.allCases.count {
                            self.connected.withLock { $0 = true }
                            self.logger.info("listening for events", metadata: ["transport": "postgres"])
                            self.received.deliver(.resynchronise)
                        }
                        for try await notification in notifications {
                            self.handle(channel: channel, payload: notification.payload)
                        }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func handle(channel: EventChannel, payload: String) {
        guard let event = PlatformEvent.decode(channel: channel.rawValue, payload: payload) else {
            logger.warning("ignored an event that could not be decoded", metadata: ["channel": "\(channel.rawValue)"])
            return
        }
        received.deliver(event)
    }
}

/// Counts listeners that are in place on the current connection.
private final class ListenerCount: Sendable {
    private let count = Mutex(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}
