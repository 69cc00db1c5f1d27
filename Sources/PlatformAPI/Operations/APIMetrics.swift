import Prometheus

/// platform-api's metrics, kept in its own Prometheus registry and served at `/metrics`
/// in the Prometheus text format. Labels carry route patterns and canned-action names
/// only, never ids, so cardinality stays bounded and nothing identifies a person.
public final class APIMetrics: Sendable {
    /// The registry `/metrics` emits.
    public let registry: PrometheusCollectorRegistry
    /// WebSocket clients connected to this instance.
    public let webSocketClients: Gauge
    /// Configuration keys re-read after an event or reconcile.
    public let configReloads: Counter
    /// Events received from the transport.
    public let eventsReceived: Counter
    /// Tokens put on the denylist by this instance.
    public let tokensRevoked: Counter
    /// Organizations finished or failed by the recovery loop.
    public let sagaRecoveries: Counter
    /// Requests refused with 503 because they took longer than the request timeout.
    public let requestTimeouts: Counter

    /// Creates the metrics in a fresh registry.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        webSocketClients = registry.makeGauge(descriptor: Self.name("websocket", "clients", "WebSocket clients connected to this instance"))
        configReloads = registry.makeCounter(descriptor: Self.name("config_reloads", "total", "Configuration entries re-read from SQL"))
        eventsReceived = registry.makeCounter(descriptor: Self.name("events_received", "total", "Events received from the event transport"))
        tokensRevoked = registry.makeCounter(descriptor: Self.name("tokens_revoked", "total", "Tokens put on the denylist"))
        sagaRecoveries = registry.makeCounter(descriptor: Self.name("saga_recoveries", "total", "PENDING organizations finished or failed by the recovery loop"))
        requestTimeouts = registry.makeCounter(descriptor: Self.name("request_timeouts", "total", "Requests answered 503 after the request timeout"))
    }

    /// Counts one HTTP request and records its duration.
    public func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests handled"), labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "HTTP request duration"),
            labels: [("method", method), ("route", route)],
            buckets: Self.latencyBuckets
        ).recordNanoseconds(duration.nanoseconds)
    }

    /// Counts one canned action.
    public func recordChatAction(_ action: CannedAction) {
        registry.makeCounter(descriptor: Self.name("chat_actions", "total", "Canned chat actions counted"), labels: [("action", action.rawValue)]).increment()
    }

    /// Counts one request refused by a rate limit (`action`: sign_in, org_creation, chat, websocket).
    public func recordRateLimited(_ action: String) {
        registry.makeCounter(descriptor: Self.name("rate_limited", "total", "Requests refused with 429 by a rate limit"), labels: [("action", action)])
            .increment()
    }

    /// Counts rows deleted by the retention job (`table`: token_denylist, chat_sessions).
    public func recordPurged(_ table: String, rows: Int) {
        registry.makeCounter(descriptor: Self.name("retention_purged", "total", "Rows deleted by the retention job"), labels: [("table", table)])
            .increment(by: Int64(rows))
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        registry.emitToString()
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "platform_api", metricName: metric, unitName: unit, helpText: help)
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5),
    ]
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
