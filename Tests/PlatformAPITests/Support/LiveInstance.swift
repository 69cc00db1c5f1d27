import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PlatformAPI
import ServiceLifecycle
import Synchronization
import Testing

/// One platform-api instance serving on a free loopback port, as in production (the same
/// `buildApplication`), stopped with `stop()`.
final class LiveInstance: Sendable {
    let runtime: PlatformRuntime
    let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(runtime: PlatformRuntime, port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.runtime = runtime
        self.port = port
        self.task = task
        self.group = group
    }

    static let jwtSecret = "test-secret-0123456789abcdef0123456789abcdef"
    static let adminKey = "test-admin-key-0123456789"

    /// Configuration for tests: fast loops, loopback, the shared secret (so tokens from one
    /// instance are valid on another, as in a Deployment).
    /// The limits are generous: scenarios sign many guests in from one address (the limits
    /// have their own tests).
    static func configuration(database: DatabaseSettings, events: AppConfiguration.Events = .postgres, name: String) -> AppConfiguration {
        var configuration = AppConfiguration(
            host: "127.0.0.1", port: 0, jwtSecret: jwtSecret, adminKey: adminKey, allowedRegions: ["eu-west", "us-east"],
            database: database, events: events, reconcileInterval: .seconds(30), recoveryInterval: .seconds(3600),
            pendingGrace: .seconds(1), logLevel: .warning, instanceName: name)
        configuration.limits = .generous
        return configuration
    }

    /// Starts an instance on PostgreSQL and waits until `/readyz` would say ready.
    static func start(
        _ configuration: AppConfiguration,
        sagaSteps: ((Repositories) -> [any OrganizationSagaStep])? = nil,
        logger: Logger = TestServers.logger
    ) async throws -> LiveInstance {
        let runtime = await PlatformRuntime(
            configuration: configuration, dependencies: .postgres(configuration: configuration, logger: logger), logger: logger,
            sagaSteps: sagaSteps)
        return try await start(runtime: runtime)
    }

    static func start(runtime: PlatformRuntime) async throws -> LiveInstance {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(runtime: runtime) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        // Run as production does, so that `stop()` is SIGTERM's graceful shutdown (server
        // first, then the background loops and the database pool), not a cancellation.
        let group = ServiceGroup(configuration: .init(services: [app], logger: runtime.logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw ScenarioError("the instance did not start listening")
        }
        let instance = LiveInstance(runtime: runtime, port: port, task: task, group: group)
        let deadline = ContinuousClock.now + .seconds(20)
        while await runtime.readiness().values.contains(false) {
            guard ContinuousClock.now < deadline else {
                await instance.stop()
                throw ScenarioError("the instance did not become ready: \(await runtime.readiness())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return instance
    }

    /// Runs `body` with an HTTP client connected to this instance.
    func withClient<T: Sendable>(_ body: @escaping @Sendable (APIClient) async throws -> T) async throws -> T {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await body(APIClient(live: client))
        }
    }

    /// Stops the instance gracefully (what SIGTERM does) and waits until it has, for at most
    /// `limit`: an instance that does not finish its shutdown is a failure of the test, and
    /// is then cancelled, not left to hang the suite.
    func stop(within limit: Duration = .seconds(15)) async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let finished = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = Once()
            Task { _ = await task.result; if once.claim() { continuation.resume(returning: true) } }
            Task { try? await Task.sleep(for: limit); if once.claim() { continuation.resume(returning: false) } }
        }
        if !finished {
            Issue.record("platform-api instance on port \(port) did not finish its graceful shutdown within \(limit)")
            task.cancel()
        }
    }
}

/// True for the first caller of `claim()` only.
private final class Once: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
