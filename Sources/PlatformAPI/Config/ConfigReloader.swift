import Foundation
import Logging

/// Keeps the `ConfigCache` in step with SQL.
///
/// - warm load: every entry is read before the instance reports ready;
/// - hot reload: a `configChanged(key, version)` event newer than the held version makes
///   the instance re-read that key from SQL and swap it in (events carry no values);
/// - reconcile: periodically, and after every transport (re)connection, all entries are
///   re-read and anything missed is healed.
public struct ConfigReloader: Sendable {
    let repository: any ConfigRepository
    let cache: ConfigCache
    let metrics: APIMetrics
    let logger: Logger

    /// Creates the reloader.
    public init(repository: any ConfigRepository, cache: ConfigCache, metrics: APIMetrics, logger: Logger) {
        self.repository = repository
        self.cache = cache
        self.metrics = metrics
        self.logger = logger
    }

    /// Re-reads every entry; returns how many were swapped in.
    @discardableResult
    public func reconcile() async throws -> Int {
        var swapped = 0
        for entry in try await repository.entries() where cache.swap(entry) {
            swapped += 1
            metrics.configReloads.increment()
        }
        return swapped
    }

    /// Handles one event.
    public func handle(_ event: PlatformEvent) async {
        switch event {
        case .configChanged(let key, let version):
            guard cache.version(of: key) < version else { return }
            do {
                if let entry = try await repository.entry(key: key), cache.swap(entry) {
                    metrics.configReloads.increment()
                    logger.debug("configuration reloaded", metadata: ["config.key": "\(key)", "config.version": "\(entry.version)"])
                }
            } catch {
                logger.warning("configuration reload failed; the reconcile loop will retry", metadata: ["config.key": "\(key)", "error.type": "\(type(of: error))"])
            }
        case .resynchronise:
            do {
                try await reconcile()
            } catch {
                logger.warning("configuration reconcile failed", metadata: ["error.type": "\(type(of: error))"])
            }
        case .tokenRevoked, .chatAction:
            return
        }
    }
}
