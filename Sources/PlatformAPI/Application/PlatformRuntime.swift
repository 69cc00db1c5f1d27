import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// What the runtime is built on: repositories, the event transport, the services that
/// must run beside the HTTP server, and a readiness probe of the backing stores.
public struct AppDependencies: Sendable {
    /// The repositories.
    public var repositories: Repositories
    /// The event transport (also run as a service).
    public var transport: any EventTransport
    /// Services to run with the server (e.g. the PostgreSQL connection pool).
    public var services: [any Service]
    /// Whether the backing stores answer (for `/readyz`).
    public var storeIsReachable: @Sendable () async -> Bool
    /// Whether the transport is connected (for `/readyz`).
    public var transportIsConnected: @Sendable () -> Bool
    /// Runs once before the instance serves; throwing stops it (e.g. a database role that
    /// row-level security would not hold).
    public var startupCheck: @Sendable () async throws -> Void

    /// Bundles dependencies.
    public init(
        repositories: Repositories, transport: any EventTransport, services: [any Service] = [],
        storeIsReachable: @escaping @Sendable () async -> Bool = { true },
        transportIsConnected: @escaping @Sendable () -> Bool = { true },
        startupCheck: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.repositories = repositories
        self.transport = transport
        self.services = services
        self.startupCheck = startupCheck
        self.storeIsReachable = storeIsReachable
        self.transportIsConnected = transportIsConnected
    }

    /// In-memory repositories and a local transport: one instance, nothing persisted.
    public static func inMemory() -> AppDependencies {
        let transport = LocalEventTransport()
        return AppDependencies(repositories: InMemoryStore(transport: transport).repositories, transport: transport)
    }

    /// PostgreSQL repositories as the application role, and the configured transport.
    public static func postgres(configuration: AppConfiguration, logger: Logger) -> AppDependencies {
        let client = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        let transport: any EventTransport
        let connected: @Sendable () -> Bool
        switch configuration.events {
        case .postgres:
            let postgres = PostgresEventTransport(settings: configuration.database, client: client, logger: logger)
            transport = postgres
            connected = { postgres.isConnected }
        case .redis(let endpoint):
            let redis = RedisEventTransport(endpoint: endpoint, channelPrefix: configuration.redisChannelPrefix, logger: logger)
            transport = redis
            connected = { redis.isConnected }
        }
        let database = PostgresDatabase(client: client, transport: transport, settings: configuration.database, logger: logger)
        return AppDependencies(
            repositories: database.repositories,
            transport: transport,
            services: [client],
            storeIsReachable: { await database.ping() },
            transportIsConnected: connected,
            startupCheck: { try await database.refuseUnguardedRole() }
        )
    }
}

/// The object graph of one platform-api instance: everything the routes and the
/// background loops share. `buildRouter` and `buildApplication` are built from it, so
/// tests and benchmarks reach exactly what runs (e.g. to watch the config cache).
public final class PlatformRuntime: Sendable {
    /// Settings.
    public let configuration: AppConfiguration
    /// Repositories.
    public let repositories: Repositories
    /// The event transport.
    public let transport: any EventTransport
    /// Token issuing and verification.
    public let tokens: TokenService
    /// This instance's denylist copy.
    public let revocations: RevocationList
    /// This instance's configuration copy.
    public let configCache: ConfigCache
    /// Keeps `configCache` in step with SQL.
    public let configReloader: ConfigReloader
    /// Connected WebSocket clients.
    public let chatHub: ChatHub
    /// Metrics.
    public let metrics: APIMetrics
    /// The organization saga.
    public let saga: OrganizationSaga
    /// The recovery loop of PENDING organizations.
    public let recoveryLoop: OrganizationRecoveryLoop
    /// The rate limiters of this instance.
    public let rateLimiters: RateLimiters
    /// The retention job.
    public let retention: RetentionJob
    /// The logger.
    public let logger: Logger
    let dependencies: AppDependencies
    let warmLoaded = ManagedFlag()
    /// Opens when the denylist has been read from SQL once; the guarded routes wait on it.
    public let denylistLoaded = ReadinessGate()

    /// Builds the graph. `sagaSteps` replaces the default steps (tests inject failures);
    /// `clock` is the rate limiters' clock (tests move time by hand).
    public init(
        configuration: AppConfiguration,
        dependencies: AppDependencies,
        logger: Logger,
        sagaSteps: ((Repositories) -> [any OrganizationSagaStep])? = nil,
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) async {
        self.configuration = configuration
        self.dependencies = dependencies
        self.repositories = dependencies.repositories
        self.transport = dependencies.transport
        self.logger = logger
        self.tokens = await TokenService(secret: configuration.jwtSecret, lifetime: configuration.tokenLifetime)
        self.revocations = RevocationList()
        self.configCache = ConfigCache()
        self.metrics = APIMetrics()
        self.configReloader = ConfigReloader(repository: repositories.configs, cache: configCache, metrics: metrics, logger: logger)
        self.chatHub = ChatHub(metrics: metrics)
        let steps = sagaSteps?(dependencies.repositories) ?? [DefaultProjectStep(projects: dependencies.repositories.projects)]
        self.saga = OrganizationSaga(organizations: repositories.organizations, steps: steps, logger: logger)
        self.recoveryLoop = OrganizationRecoveryLoop(
            saga: saga, organizations: repositories.organizations, interval: configuration.recoveryInterval,
            grace: configuration.pendingGrace, metrics: metrics, logger: logger)
        self.rateLimiters = RateLimiters(configuration.limits, now: clock)
        self.retention = RetentionJob(
            repositories: repositories, settings: configuration.limits, metrics: metrics, logger: logger)
    }

    /// Whether the instance can serve: warm-loaded, store reachable, transport connected.
    public func readiness() async -> [String: Bool] {
        [
            "config_warm_loaded": warmLoaded.value,
            "denylist_loaded": denylistLoaded.isOpen,
            "database": await dependencies.storeIsReachable(),
            "events": dependencies.transportIsConnected(),
        ]
    }

    /// Re-reads the denylist from SQL. A token learned here (its event was missed) loses
    /// its WebSockets as if the event had arrived; the first success opens `denylistLoaded`.
    public func reloadDenylist() async throws {
        let learned = revocations.reload(try await repositories.guests.denylist(now: Date()))
        for jti in learned { chatHub.handle(.tokenRevoked(jti: jti)) }
        denylistLoaded.open()
    }
}

/// Opens once; requests arriving before wait for it a moment, then are refused.
///
/// The guarded routes wait on it so that no request is authorised against a denylist
/// that has not been read yet (a revoked token would pass on a freshly started instance).
public final class ReadinessGate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    /// Creates a closed gate.
    public init() {}

    /// Whether the gate has opened.
    public var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the gate and wakes every waiter (later calls do nothing).
    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isOpen else { return [] }
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the gate opens or `timeout` passes; whether it is open.
    public func wait(upTo timeout: Duration) async -> Bool {
        if isOpen { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.opened(); return true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || isOpen
        }
    }

    /// Returns when the gate opens, or when the calling task is cancelled.
    private func opened() async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// A Boolean set once, read from anywhere.
final class ManagedFlag: Sendable {
    private let storage = Mutex(false)
    var value: Bool { storage.withLock { $0 } }
    func set() { storage.withLock { $0 = true } }
}
