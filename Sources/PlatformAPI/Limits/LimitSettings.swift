/// The limits an instance enforces: request rates, connection counts, timeouts and data
/// retention. Every value can be set through the environment (see `AppConfiguration`);
/// the defaults suit one human per address and per guest.
public struct LimitSettings: Sendable, Equatable {
    /// `POST /auth/guest` and `POST /auth/admin`, per client address (each guest sign-in
    /// creates a user that stays).
    public var signIn = RateLimit(burst: 20, perMinute: 10)
    /// `POST /orgs`, per user.
    public var organizationCreation = RateLimit(burst: 5, perMinute: 2)
    /// Chat writes (open, close, canned actions), per user.
    public var chatActions = RateLimit(burst: 30, perMinute: 120)
    /// WebSocket connections opened, per user.
    public var webSocketOpens = RateLimit(burst: 10, perMinute: 30)
    /// WebSocket connections one user may hold open on one instance at a time.
    public var webSocketsPerUser = 5
    /// Proxies whose `X-Forwarded-For` is believed (none by default: the TCP peer is the client).
    public var trustedProxies: [IPNetwork] = []
    /// How long a keep-alive HTTP connection may sit without a request before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a request (body included) may take before it is answered 503 `request_timeout`.
    public var requestTimeout: Duration = .seconds(30)
    /// How long a closed chat is kept before the retention job deletes it.
    public var closedChatRetention: Duration = .seconds(30 * 86_400)
    /// Period of the retention job.
    public var purgeInterval: Duration = .seconds(3_600)
    /// Rows deleted per statement by the retention job (it repeats until a batch is short).
    public var purgeBatchSize = 1_000

    /// The defaults.
    public init() {}

    /// Limits high enough that nothing is limited in practice (tests and benchmarks that
    /// are not about limits).
    public static var generous: LimitSettings {
        var settings = LimitSettings()
        let wide = RateLimit(burst: 1_000_000, perMinute: 1_000_000)
        settings.signIn = wide
        settings.organizationCreation = wide
        settings.chatActions = wide
        settings.webSocketOpens = wide
        settings.webSocketsPerUser = 1_000_000
        return settings
    }
}
