import Foundation

/// The request metrics a service exports (`metrics.requests`, `metrics.duration`), which its
/// service level objectives are computed from. Names only: scaffold never guesses a metric.
public struct RequestMetrics: Sendable, Equatable {
    /// A counter of handled requests, labelled with the response status (`statusLabel`).
    public var requests: String?
    /// A histogram of request durations in seconds (`<name>_bucket`, `<name>_count`).
    public var duration: String?
    /// The label of `requests` holding the HTTP status code.
    public var statusLabel: String

    public init(requests: String? = nil, duration: String? = nil, statusLabel: String = "status") {
        self.requests = requests
        self.duration = duration
        self.statusLabel = statusLabel
    }

    /// Every series name these metrics put in Prometheus (a histogram is three).
    public var seriesNames: [String] {
        (requests.map { [$0] } ?? []) + (duration.map { ["\($0)_bucket", "\($0)_count", "\($0)_sum"] } ?? [])
    }
}

/// `slo:` of a service: what share of requests must succeed, and how fast, over a window.
/// Objectives are kept as written (`99.9`): the error budget is computed in decimal, so
/// `1 - 0.999` prints `0.001`, not a binary-float neighbour.
public struct ServiceLevelObjective: Sendable, Equatable {
    public struct Latency: Sendable, Equatable {
        /// The threshold as written (`200ms`, `1s`).
        public var threshold: String
        /// The share of requests faster than `threshold`, in percent (`99`).
        public var objective: String

        /// The threshold in seconds as Prometheus prints a histogram bucket bound (`0.2`, `1`).
        public var thresholdSeconds: String? { ServiceLevelObjective.seconds(threshold) }
    }
    /// The share of requests answered without a server error (5xx), in percent (`99.9`).
    public var availability: String?
    public var latency: Latency?
    /// The compliance window (`30d`).
    public var window: String
    public var location: SourceLocation
    public var fieldLocations: FieldLocations

    /// `100% - objective` as a fraction: `99.9` → `0.001`. Nil for text that is no percentage.
    public static func errorBudget(_ percent: String) -> String? {
        guard let objective = Decimal(string: percent, locale: Locale(identifier: "en_US_POSIX")),
              objective > 0, objective < 100 else { return nil }
        return "\((100 - objective) / 100)"
    }

    /// `200ms` → `0.2`, `2s` → `2`.
    static func seconds(_ duration: String) -> String? {
        let milliseconds = duration.hasSuffix("ms")
        let number = duration.dropLast(milliseconds ? 2 : 1)
        guard duration.hasSuffix("s"), !number.isEmpty, number.allSatisfy(\.isASCIIDigit),
              let value = Decimal(string: String(number)), value > 0 else { return nil }
        return "\(milliseconds ? value / 1000 : value)"
    }
}

/// `alerts:`: where Alertmanager sends the platform's alerts. Receivers name secret-store
/// keys for their credentials (a Slack webhook URL, a PagerDuty routing key, a webhook
/// URL, an SMTP password), never values; routes pick a receiver by severity and
/// environment, first match wins.
public struct Alerting: Sendable, Equatable {
    public enum Channel: Sendable, Equatable {
        case email(to: String, from: String, smarthost: String, username: String?)
        case slack(channel: String)
        case webhook
        case pagerduty
    }
    public struct Receiver: Sendable, Equatable {
        public var name: String
        public var channel: Channel
        /// The secret-store key of the receiver's credential (below the cluster's scope).
        public var secret: String?
        public var location: SourceLocation
        public var fieldLocations: FieldLocations
    }
    public struct Route: Sendable, Equatable {
        public var severity: String?
        public var environment: String?
        public var receiver: String
        public var location: SourceLocation
        public var fieldLocations: FieldLocations

        /// Whether alerts of an environment can take this route.
        public func applies(to environment: String) -> Bool { self.environment == nil || self.environment == environment }
    }
    public static let severities = ["critical", "warning", "info"]

    public var receivers: [Receiver]
    public var routes: [Route]
    public var location: SourceLocation

    public func receiver(_ name: String) -> Receiver? { receivers.first { $0.name == name } }
}
