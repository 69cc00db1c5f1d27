import Foundation
import Synchronization

/// How a writer hands its events to the transport.
public enum EventPublishMode: Sendable, Equatable {
    /// The writer emits `pg_notify` inside its own transaction: the event is sent if and
    /// only if the write commits, with no gap between them (PostgreSQL `LISTEN/NOTIFY`).
    case inTransaction
    /// The writer calls `publish(_:)` after its transaction committed (Redis pub/sub);
    /// a lost event is healed by the receivers' reconcile loops.
    case afterCommit
}

/// Carries `PlatformEvent`s between instances of platform-api.
///
/// Every instance subscribes to every channel, its own publications included: local
/// receivers (config cache, denylist, chat hub) react to the event when it comes back,
/// so one code path serves the instance that wrote and all the others.
public protocol EventTransport: Sendable {
    /// Whether writers notify inside their transaction or publish after commit.
    var publishMode: EventPublishMode { get }
    /// Where received events are handed to local receivers.
    var received: EventBroadcaster { get }
    /// Publishes after commit (only used when `publishMode == .afterCommit`).
    func publish(_ event: PlatformEvent) async throws
    /// Listens until cancelled, reconnecting on failure; yields `.resynchronise` after each (re)connection.
    func run() async throws
}

/// Fans received events out to any number of local subscribers.
public final class EventBroadcaster: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<PlatformEvent>.Continuation]>([:])

    /// Creates an empty broadcaster.
    public init() {}

    /// A stream of every event received from now on; it ends when the consumer stops iterating.
    public func subscribe() -> AsyncStream<PlatformEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<PlatformEvent>.makeStream(bufferingPolicy: .unbounded)
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Hands `event` to every subscriber.
    public func deliver(_ event: PlatformEvent) {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets {
            continuation.yield(event)
        }
    }
}

/// An in-process transport for a single instance without a database (in-memory
/// repositories in tests): publishing delivers straight back to local receivers.
public final class LocalEventTransport: EventTransport {
    /// Always after commit: there is no transaction to ride on.
    public var publishMode: EventPublishMode { .afterCommit }
    /// Local receivers.
    public let received = EventBroadcaster()

    /// Creates the transport.
    public init() {}

    /// Delivers the event locally.
    public func publish(_ event: PlatformEvent) async throws {
        received.deliver(event)
    }

    /// Nothing to listen to; waits until cancelled.
    public func run() async throws {
        received.deliver(.resynchronise)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }
}
