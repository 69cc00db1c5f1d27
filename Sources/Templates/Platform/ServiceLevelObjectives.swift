import BlueprintModel
import Foundation
import Renderer

/// Alerts on a service's `slo:`, the multiwindow, multi-burn-rate scheme of the Google SRE
/// workbook (chapter 5): recording rules for the error ratio over each window, and an alert
/// per tier when both its long and its short window burn the error budget faster than the
/// tier's rate. The short window ends an alert soon after the burning stops.
///
/// | tier | long | short | budget spent | severity |
/// |---|---|---|---|---|
/// | page | 1h | 5m | 2% | critical |
/// | page | 6h | 30m | 5% | critical |
/// | ticket | 1d | 2h | 10% | warning |
/// | ticket | 3d | 6h | 10% | warning |
///
/// With a 30-day window the rates are 14.4, 6, 3 and 1 times the budget (rate = spent × window
/// ÷ long window). Every expression reads only the metrics the blueprint says the service
/// exports (`metrics.requests`, `metrics.duration`), scraped by its ServiceMonitor (job =
/// the service's name).
public enum ServiceLevelObjectives {
    public struct Tier: Sendable {
        public var long: String
        public var short: String
        /// The share of the window's budget spent when the long window fires, in percent.
        public var spentPercent: Decimal
        public var severity: String
    }

    public static let tiers: [Tier] = [
        Tier(long: "1h", short: "5m", spentPercent: 2, severity: "critical"),
        Tier(long: "6h", short: "30m", spentPercent: 5, severity: "critical"),
        Tier(long: "1d", short: "2h", spentPercent: 10, severity: "warning"),
        Tier(long: "3d", short: "6h", spentPercent: 10, severity: "warning"),
    ]

    /// Every window a ratio is recorded over.
    public static let windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]

    /// The recorded error ratio of one window (`slo:errors:ratio_rate5m`), labelled `service` and `slo`.
    public static func ratioRecord(_ window: String) -> String { "slo:errors:ratio_rate\(window)" }

    public enum Kind: String, Sendable, CaseIterable {
        case availability, latency
        var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    }

    /// One objective of a service, ready to render.
    public struct Objective: Sendable {
        public var kind: Kind
        /// `1 - objective` as a decimal fraction (`0.001`).
        public var budget: String
        /// The objective as written, in percent (`99.9`).
        public var percent: String
        /// The error ratio over `window` (`[5m]`), from the service's own metrics.
        public var ratio: @Sendable (String) -> String
    }

    public static func objectives(_ service: Service) -> [Objective] {
        guard service.declaresMetrics, let slo = service.slo else { return [] }
        let selector = "namespace=\"\(ClusterNamespaces.apps)\",job=\"\(service.name)\""
        var result: [Objective] = []
        if let percent = slo.availability, let requests = service.requestMetrics.requests,
           let budget = ServiceLevelObjective.errorBudget(percent) {
            let status = service.requestMetrics.statusLabel
            result.append(Objective(kind: .availability, budget: budget, percent: percent) { window in
                "sum(rate(\(requests){\(selector),\(status)=~\"5..\"}[\(window)])) / sum(rate(\(requests){\(selector)}[\(window)]))"
            })
        }
        if let latency = slo.latency, let duration = service.requestMetrics.duration,
           let bound = latency.thresholdSeconds, let budget = ServiceLevelObjective.errorBudget(latency.objective) {
            let le = bucketBound(bound)
            result.append(Objective(kind: .latency, budget: budget, percent: latency.objective) { window in
                "1 - sum(rate(\(duration)_bucket{\(selector),le=~\"\(le)\"}[\(window)])) / sum(rate(\(duration)_count{\(selector)}[\(window)]))"
            })
        }
        return result
    }

    /// A regular expression matching the bucket bound however a client prints it
    /// (`0.2`, `1` in Go's client, `1.0` in swift-prometheus).
    static func bucketBound(_ seconds: String) -> String {
        // `[.]`, not `\\.`: a backslash would need escaping again inside the PromQL string.
        let escaped = seconds.replacingOccurrences(of: ".", with: "[.]")
        return seconds.contains(".") ? "\(escaped)0*" : "\(escaped)([.]0*)?"
    }

    /// How many times faster than the budget allows a tier fires at: spent × window ÷ long
    /// window, to two decimals (`14.4` for 2% of 30 days in an hour).
    public static func burnRate(_ tier: Tier, window: String) -> String {
        guard let windowHours = hours(window), let longHours = hours(tier.long), longHours > 0 else { return "1" }
        var rate = tier.spentPercent / 100 * windowHours / longHours
        var rounded = Decimal()
        NSDecimalRound(&rounded, &rate, 2, .plain)
        return "\(rounded)"
    }

    static func hours(_ duration: String) -> Decimal? {
        guard let unit = duration.last, let number = Decimal(string: String(duration.dropLast())) else { return nil }
        switch unit {
        case "s": return number / 3600
        case "m": return number / 60
        case "h": return number
        case "d": return number * 24
        default: return nil
        }
    }

    /// The alert of one tier of an objective: `BackendApiAvailabilityBudgetBurn1h`.
    public static func alertName(_ service: Service, _ kind: Kind, _ tier: Tier) -> String {
        "\(ServiceMonitoring.alertPrefix(service.name))\(kind.title)BudgetBurn\(tier.long)"
    }

    /// The rule group of a service's objectives (none without `slo`).
    public static func groups(_ service: Service) -> [YAMLNode] {
        let objectives = objectives(service)
        guard let slo = service.slo, !objectives.isEmpty else { return [] }
        let recording: [YAMLNode] = objectives.flatMap { objective in
            windows.map { window in
                YAMLNode.map([
                    ("record", .string(ratioRecord(window))),
                    ("expr", .string(objective.ratio(window))),
                    ("labels", .sortedStrings(["service": service.name, "slo": objective.kind.rawValue])),
                ])
            }
        }
        let alerts: [YAMLNode] = objectives.flatMap { objective in
            tiers.map { tier in
                let rate = burnRate(tier, window: slo.window)
                let threshold = "(\(rate) * \(objective.budget))"
                let series = { (window: String) in
                    "\(ratioRecord(window)){service=\"\(service.name)\",slo=\"\(objective.kind.rawValue)\"}"
                }
                return YAMLNode.map([
                    ("alert", .string(alertName(service, objective.kind, tier))),
                    ("expr", .string("\(series(tier.long)) > \(threshold) and \(series(tier.short)) > \(threshold)")),
                    ("labels", .sortedStrings([
                        "severity": tier.severity, "service": service.name, "slo": objective.kind.rawValue,
                        "long_window": tier.long, "short_window": tier.short,
                    ])),
                    ("annotations", .sortedStrings([
                        "summary": "\(service.name) burns its \(objective.kind.rawValue) error budget \(rate)× as fast as its \(objective.percent)% objective over \(slo.window) allows",
                        "description": "At this rate \(tier.spentPercent)% of the \(slo.window) budget is gone in \(tier.long) (over \(tier.long) and \(tier.short) alike).",
                    ])),
                ])
            }
        }
        // One group: its rules are evaluated in order, so each alert reads the ratios
        // recorded in the same evaluation (groups run independently of each other).
        return [.map([("name", .string("\(service.name).slo")), ("rules", .sequence(recording + alerts))])]
    }
}
