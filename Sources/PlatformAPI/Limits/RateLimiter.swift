import Synchronization

/// How fast one key may act: a bucket of `burst` tokens, refilled at `perMinute` tokens a
/// minute; each request takes one.
public struct RateLimit: Sendable, Equatable {
    /// The bucket's capacity: how many requests may come at once after a quiet spell.
    public var burst: Int
    /// Tokens added per minute: the sustained rate.
    public var perMinute: Int

    /// Creates a limit (both at least 1).
    public init(burst: Int, perMinute: Int) {
        precondition(burst >= 1 && perMinute >= 1, "a rate limit needs burst and perMinute of at least 1")
        self.burst = burst
        self.perMinute = perMinute
    }

    /// Seconds for one token to come back.
    var secondsPerToken: Double { 60 / Double(perMinute) }
}

/// A token-bucket rate limiter keyed by string (a client address, a user id).
///
/// Memory is bounded: a bucket that has refilled completely is the same as no bucket, so
/// such buckets are dropped on a sweep (at most once per refill period, and whenever the
/// table reaches `maximumKeys`); if the table is still full after that, the quarter of
/// the buckets touched longest ago is dropped. The clock is injected so tests can move
/// time; production uses `ContinuousClock`.
public final class RateLimiter: Sendable {
    /// The outcome of one request.
    public enum Decision: Sendable, Equatable {
        /// A token was taken.
        case allowed
        /// No token left; the next one is available after this long.
        case limited(retryAfter: Duration)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var lastSweep: ContinuousClock.Instant
    }

    /// The limit every key gets.
    public let limit: RateLimit
    /// Most buckets kept at once.
    public let maximumKeys: Int
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<State>

    /// Creates a limiter; `now` is the clock (tests pass a manual one).
    public init(
        _ limit: RateLimit, maximumKeys: Int = 100_000,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.limit = limit
        self.maximumKeys = max(1, maximumKeys)
        self.now = now
        self.state = Mutex(State(lastSweep: now()))
    }

    /// Takes one token from `key`'s bucket, or says how long until one is back.
    public func acquire(_ key: String) -> Decision {
        let now = self.now()
        let limit = self.limit
        let fullAfter = Duration.seconds(limit.secondsPerToken * Double(limit.burst))
        return state.withLock { state in
            if now - state.lastSweep >= fullAfter || (state.buckets[key] == nil && state.buckets.count >= maximumKeys) {
                Self.sweep(&state, now: now, limit: limit, maximumKeys: maximumKeys)
            }
            var bucket = state.buckets[key] ?? Bucket(tokens: Double(limit.burst), updated: now)
            bucket.tokens = Self.refilled(bucket, now: now, limit: limit)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                state.buckets[key] = bucket
                return .limited(retryAfter: .seconds((1 - bucket.tokens) * limit.secondsPerToken))
            }
            bucket.tokens -= 1
            state.buckets[key] = bucket
            return .allowed
        }
    }

    /// Buckets currently held (for tests and metrics).
    public var keyCount: Int { state.withLock { $0.buckets.count } }

    private static func refilled(_ bucket: Bucket, now: ContinuousClock.Instant, limit: RateLimit) -> Double {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(Double(limit.burst), bucket.tokens + max(0, seconds) / limit.secondsPerToken)
    }

    /// Drops full buckets; when still at `maximumKeys`, the quarter touched longest ago.
    private static func sweep(_ state: inout State, now: ContinuousClock.Instant, limit: RateLimit, maximumKeys: Int) {
        state.lastSweep = now
        state.buckets = state.buckets.filter { refilled($0.value, now: now, limit: limit) < Double(limit.burst) }
        guard state.buckets.count >= maximumKeys else { return }
        let oldest = state.buckets.sorted { $0.value.updated < $1.value.updated }.prefix(max(1, state.buckets.count / 4))
        for (key, _) in oldest { state.buckets[key] = nil }
    }
}
