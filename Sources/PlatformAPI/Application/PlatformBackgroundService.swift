import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Everything an instance does besides answering requests, as one service that stops on
/// graceful shutdown:
/// - the event transport's listener;
/// - three receivers of its events: configuration hot reload, the denylist, chat fan-out;
/// - the warm load (configuration and denylist read before `/readyz` turns ready);
/// - the reconcile loop healing missed events;
/// - the denylist catch-up while the transport is down;
/// - the recovery loop for PENDING organizations;
/// - the retention job (expired denylist rows, chats closed longer than the retention).
struct PlatformBackgroundService: Service {
    let runtime: PlatformRuntime

    func run() async throws {
        do {
            try await runtime.dependencies.startupCheck()
        } catch {
            runtime.logger.critical("refusing to start", metadata: ["reason": "\(error)"])
            throw error
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                let runtime = self.runtime
                // Subscribe before the transport starts so that no event can slip past.
                let configEvents = runtime.transport.received.subscribe()
                let revocationEvents = runtime.transport.received.subscribe()
                let chatEvents = runtime.transport.received.subscribe()
                let denylistStale = StaleFlag()

                group.addTask {
                    for await event in configEvents {
                        runtime.metrics.eventsReceived.increment()
                        await runtime.configReloader.handle(event)
                    }
                }
                group.addTask {
                    for await event in revocationEvents {
                        switch event {
                        case .tokenRevoked(let jti):
                            runtime.revocations.insert(jti, expiresAt: nil)
                        case .resynchronise:
                            do {
                                try await runtime.reloadDenylist()
                            } catch {
                                denylistStale.set(true)
                            }
                        default:
                            break
                        }
                    }
                }
                group.addTask {
                    for await event in chatEvents {
                        runtime.chatHub.handle(event)
                    }
                }
                group.addTask {
                    do {
                        try await runtime.transport.run()
                    } catch {
                        runtime.logger.error("event transport stopped", metadata: ["error.type": "\(type(of: error))"])
                    }
                }
                group.addTask { await denylistCatchUp(stale: denylistStale) }
                group.addTask { await warmLoad() }
                group.addTask { await reconcileLoop() }
                group.addTask { await runtime.recoveryLoop.run() }
                group.addTask { await runtime.retention.run() }
                await group.waitForAll()
            }
        }
    }

    /// Reads configuration and denylist until it succeeds, then marks the instance warm.
    private func warmLoad() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await runtime.configReloader.reconcile()
                try await runtime.reloadDenylist()
                runtime.warmLoaded.set()
                runtime.logger.info("configuration warm-loaded", metadata: ["config.entries": "\(runtime.configCache.entries.count)"])
                return
            } catch {
                runtime.logger.warning("warm load failed; retrying", metadata: ["error.type": "\(type(of: error))"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// While the transport is down, revocations made on other instances cannot reach this
    /// one (their events go nowhere), and a reload after a reconnection may have failed
    /// (the database was down too): until the transport is back and a reload has succeeded,
    /// the denylist is re-read from SQL every `denylistCatchUpInterval`, so a revoked token
    /// is refused here within about a second of its revocation whatever is down.
    private func denylistCatchUp(stale: StaleFlag) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.denylistCatchUpInterval)
            let connected = runtime.dependencies.transportIsConnected()
            if !connected { stale.set(true) }
            guard stale.value, runtime.denylistLoaded.isOpen else { continue }
            do {
                try await runtime.reloadDenylist()
                if connected { stale.set(false) }
            } catch {
                continue
            }
        }
    }

    /// How often the denylist is re-read while the event transport is down.
    static let denylistCatchUpInterval = Duration.milliseconds(250)

    /// Heals missed events every `reconcileInterval`.
    private func reconcileLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: runtime.configuration.reconcileInterval)
            if Task.isCancelled { return }
            do {
                let healed = try await runtime.configReloader.reconcile()
                try await runtime.reloadDenylist()
                if healed > 0 {
                    runtime.logger.info("reconcile healed missed configuration changes", metadata: ["config.entries": "\(healed)"])
                }
            } catch {
                runtime.logger.warning("reconcile failed", metadata: ["error.type": "\(type(of: error))"])
            }
        }
    }
}

/// A Boolean several tasks set and clear.
final class StaleFlag: Sendable {
    private let storage = Mutex(false)
    var value: Bool { storage.withLock { $0 } }
    func set(_ value: Bool) { storage.withLock { $0 = value } }
}
