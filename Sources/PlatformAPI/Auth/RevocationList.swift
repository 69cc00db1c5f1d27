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

    /// Adds a revoked token id; `expiresAt` nil keeps it until the next full reload.
    public func insert(_ jti: String, expiresAt: Date?) {
        entries.withLock { $0[jti] = expiresAt ?? Date.distantFuture }
    }

    /// Replaces the list with the rows read from SQL, keeping local entries not yet visible there.
    public func reload(_ rows: [String: Date], now: Date = Date()) {
        entries.withLock { current in
            var merged = rows
            for (jti, expiry) in current where merged[jti] == nil && expiry > now && expiry != .distantFuture {
                merged[jti] = expiry
            }
            current = merged.filter { $0.value > now }
        }
    }

    /// Drops entries of tokens that have expired.
    public func prune(now: Date = Date()) {
        entries.withLock { $0 = $0.filter { $0.value > now } }
    }

    /// How many token ids are held.
    public var count: Int { entries.withLock { $0.count } }
}
