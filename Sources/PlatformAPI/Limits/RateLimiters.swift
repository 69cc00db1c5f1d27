/// One limiter per limited action, built from `LimitSettings`; shared by every route of
/// an instance (the limits are per instance: with N replicas a client may reach N times
/// the rate, which still bounds what one client can do).
public struct RateLimiters: Sendable {
    /// `POST /auth/guest`, `POST /auth/admin`, per client address.
    public let signIn: RateLimiter
    /// `POST /orgs`, per user.
    public let organizationCreation: RateLimiter
    /// Chat writes, per user.
    public let chatActions: RateLimiter
    /// WebSocket connections opened, per user.
    public let webSocketOpens: RateLimiter

    /// Creates the limiters; `now` is their clock (tests move time by hand).
    public init(_ settings: LimitSettings, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        signIn = RateLimiter(settings.signIn, now: now)
        organizationCreation = RateLimiter(settings.organizationCreation, now: now)
        chatActions = RateLimiter(settings.chatActions, now: now)
        webSocketOpens = RateLimiter(settings.webSocketOpens, now: now)
    }
}
