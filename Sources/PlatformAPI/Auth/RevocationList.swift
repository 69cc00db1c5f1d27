import Foundation
import Synchronization

/// This instance's copy of the token denylist.
///
/// Revocations arrive as `tokenRevoked` events from the transport (all instances
/// within milliseconds) and the list is re-read from SQL on every resynchronisation
/// and by a periodic sweep, so a missed event is healed. Entries are dropped once
/// the token would have expired anyway.
public final class RevocationList: Sendable {
    private let entries = Mutex<[String: Date]>([:])

    /// Creates an empty list.
    public init() {}

    /// Whether `jti` was revoked.
    public func contains(_ jti: String) -> Bool {
        entries.withLock { $0[jti] != nil }
    }

    /// Adds a revoked token id. `expiresAt` nil (an event, which carries no expiry) keeps
    /// it as long as any token can live, so it outlasts every token it could refuse.
    public func insert(_ jti: String, expiresAt: Date?, now: Date = Date()) {
        let expiry = expiresAt ?? now.addingTimeInterval(GuestClaims.maximumLifetime)
        entries.withLock { $0[jti] = max($0[jti] ?? expiry, expiry) }
    }

    /// Merges the rows read from SQL: a reload only adds. An entry learned from an event
    /// may be newer than the snapshot (its commit after the reload's read), so it stays
    /// until its token would have expired; only expired entries are dropped.
    /// Returns the token ids this instance had not known (a missed event), sorted, so the
    /// caller can close what they still hold open.
    @discardableResult
    public func reload(_ rows: [String: Date], now: Date = Date()) -> [String] {
        entries.withLock { current in
            var learned: [String] = []
            for (jti, expiry) in rows where expiry > now {
                if current[jti] == nil { learned.append(jti) }
                current[jti] = max(current[jti] ?? expiry, expiry)
            }
            current = current.filter { $0.value > now }
            return learned.sorted()
        }
    }

    /// Drops entries of tokens that have expired.
    public func prune(now: Date = Date()) {
        entries.withLock { $0 = $0.filter { $0.value > now } }
    }

    /// How many token ids are held.
    public var count: Int { entries.withLock { $0.count } }
}
