import Foundation
import Synchronization

/// This instance's in-memory copy of the service configuration: what request handlers
/// read. Swapped entry by entry, never going back to an older version.
public final class ConfigCache: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var entries: [String: ConfigEntry] = [:]
        var watchers: [UUID: AsyncStream<ConfigEntry>.Continuation] = [:]
    }

    /// Creates an empty cache.
    public init() {}

    /// The current entry for `key`.
    public func entry(_ key: String) -> ConfigEntry? {
        state.withLock { $0.entries[key] }
    }

    /// Every entry, by key.
    public var entries: [ConfigEntry] {
        state.withLock { $0.entries.values.sorted { $0.key < $1.key } }
    }

    /// The version held for `key` (0 when absent).
    public func version(of key: String) -> Int64 {
        state.withLock { $0.entries[key]?.version ?? 0 }
    }

    /// Stores `entry` when it is newer than the held one; returns whether it was swapped in.
    @discardableResult
    public func swap(_ entry: ConfigEntry) -> Bool {
        let watchers: [AsyncStream<ConfigEntry>.Continuation]? = state.withLock { state in
            if let held = state.entries[entry.key], held.version >= entry.version { return nil }
            state.entries[entry.key] = entry
            return Array(state.watchers.values)
        }
        guard let watchers else { return false }
        for watcher in watchers { watcher.yield(entry) }
        return true
    }

    /// Every entry swapped in from now on (benchmarks and tests observe propagation with it).
    public func updates() -> AsyncStream<ConfigEntry> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ConfigEntry>.makeStream(bufferingPolicy: .unbounded)
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        state.withLock { $0.watchers[id] = continuation }
        return stream
    }
}
