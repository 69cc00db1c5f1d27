import Logging
import NIOCore
import Synchronization
import Tracing

/// Redis pub/sub transport, used by the generated production platform: events are
/// published after the write committed, and every instance subscribes to all channels.
///
/// It uses platform-api's own minimal RESP client (`RedisConnection`): one connection
/// for publishing, one in subscriber mode, both re-established after a failure.
public final class RedisEventTransport: EventTransport {
    /// Always after commit: Redis cannot join a PostgreSQL transaction.
    public var publishMode: EventPublishMode { .afterCommit }
    /// Local receivers.
    public let received = EventBroadcaster()

    private let endpoint: RedisEndpoint
    private let channelPrefix: String
    private let logger: Logger
    private let publisher: RedisPublisher
    private let connected = Mutex(false)

    /// Creates the transport; channels are `channelPrefix + EventChannel.rawValue`.
    public init(endpoint: RedisEndpoint, channelPrefix: String = "platform:", logger: Logger) {
        self.endpoint = endpoint
        self.channelPrefix = channelPrefix
        self.logger = logger
        self.publisher = RedisPublisher(endpoint: endpoint)
    }

    /// True while the subscriber connection is up (used by `/readyz`).
    public var isConnected: Bool { connected.withLock { $0 } }

    /// Publishes on the event's channel. A connection found closed is replaced and the
    /// publish tried once more; a timeout is not retried (the request has waited its
    /// share; receivers heal from SQL on resynchronisation and reconcile). Within a
    /// request, the publish (with its retry) is a client span `redis PUBLISH`.
    public func publish(_ event: PlatformEvent) async throws {
        guard let channel = event.channel else { return }
        let payload = try event.payload()
        let name = channelPrefix + channel.rawValue
        var attributes = serverSpanAttributes(system: "redis", host: endpoint.host, port: endpoint.port)
        attributes["db.operation.name"] = "PUBLISH"
        attributes["messaging.destination.name"] = name
        try await withClientSpan("redis PUBLISH", attributes: attributes) {
            do {
                try await publisher.connection().publish(payload, to: name)
            } catch RedisError.timeout {
                await publisher.reset()
                throw RedisError.timeout
            } catch {
                await publisher.reset()
                try await publisher.connection().publish(payload, to: name)
            }
        }
    }

    /// Subscribes to every channel until cancelled; reconnects with a capped, jittered
    /// backoff (`ReconnectBackoff`); every subscription starts with `.resynchronise`.
    public func run() async throws {
        var backoff = ReconnectBackoff()
        let channels = EventChannel.allCases.map { channelPrefix + $0.rawValue }
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnection.connect(to: endpoint)
                try await withTaskCancellationHandler {
                    var pushes = try await connection.subscribe(channels)
                    connected.withLock { $0 = true }
                    logger.info("redis subscriber connected", metadata: ["redis.host": "\(endpoint.host)", "redis.port": "\(endpoint.port)"])
                    received.deliver(.resynchronise)
                    while let push = await pushes.next() {
                        handle(push)
                    }
                } onCancel: {
                    connection.close()
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("redis subscriber failed", metadata: ["error": "\(error)"])
            }
            // A subscription that worked: the next failure starts the backoff over.
            if connected.withLock({ $0 }) { backoff.reset() }
            connected.withLock { $0 = false }
            if Task.isCancelled { break }
            try? await Task.sleep(for: backoff.next())
        }
        await publisher.reset()
    }

    private func handle(_ push: RESPValue) {
        guard case .array(let items?) = push, items.count == 3, items[0].string == "message",
            let channel = items[1].string, let payload = items[2].string
        else { return }
        guard channel.hasPrefix(channelPrefix),
            let event = PlatformEvent.decode(channel: String(channel.dropFirst(channelPrefix.count)), payload: payload)
        else {
            logger.warning("ignored an event that could not be decoded", metadata: ["channel": "\(channel)"])
            return
        }
        received.deliver(event)
    }
}

/// Holds the publishing connection, connecting lazily and once at a time.
actor RedisPublisher {
    private let endpoint: RedisEndpoint
    private var current: Task<RedisConnection, any Error>?

    init(endpoint: RedisEndpoint) {
        self.endpoint = endpoint
    }

    func connection() async throws -> RedisConnection {
        if let current {
            // A connection Redis dropped (CLIENT KILL, restart, idle timeout) is replaced, not reused.
            if let connection = try? await current.value, connection.isActive { return connection }
            if self.current == current { self.current = nil }
            return try await connection()
        }
        let endpoint = self.endpoint
        let task = Task { try await RedisConnection.connect(to: endpoint) }
        current = task
        do {
            return try await task.value
        } catch {
            current = nil
            throw error
        }
    }

    func reset() async {
        let old = current
        current = nil
        if let old, let connection = try? await old.value {
            connection.close()
        }
    }
}
