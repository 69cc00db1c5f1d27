import Foundation
import Logging
import ServiceLifecycle

/// Everything an instance does besides answering requests, as one service that stops on
/// graceful shutdown:
/// - the event transport's listener;
/// - three receivers of its events: configuration hot reload, the denylist, chat fan-out;
/// - the warm load (configuration and denylist read before `/readyz` turns ready);
/// - the reconcile loop healing missed events;
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
                            try? await runtime.reloadDenylist()
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
