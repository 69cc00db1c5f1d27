import BlueprintModel
import Renderer

/// Alertmanager's configuration from the blueprint's `alerts:`: one receiver per declared
/// receiver the cluster's routes use, routes matching `severity` and `environment` in the
/// blueprint's order (first match wins), everything else to `null`.
///
/// Credentials never enter the configuration: each is a key of the secret store, brought
/// into Secret `alertmanager-receivers` by an ExternalSecret, mounted into Alertmanager
/// (`alertmanagerSpec.secrets`, at `/etc/alertmanager/secrets/<secret>/<key>`) and named
/// by file (`api_url_file`, `routing_key_file`, `url_file`, `auth_password_file`).
///
/// Local clusters send nothing out: a laptop pages nobody, and its in-cluster store would
/// otherwise need every receiver's credential. Their Alertmanager runs with `null` only
/// (its UI still lists the alerts).
public enum AlertRouting {
    public static let secretName = "alertmanager-receivers"
    /// Where the operator mounts `alertmanagerSpec.secrets`.
    public static let mountDirectory = "/etc/alertmanager/secrets/\(secretName)"
    static let null = "null"

    /// The blueprint's routes that alerts of this cluster can take.
    public static func routes(_ context: ClusterContext) -> [Alerting.Route] {
        guard !context.environment.isLocal, let alerts = context.blueprint.alerts else { return [] }
        return alerts.routes.filter { $0.applies(to: context.scope.environment) && alerts.receiver($0.receiver) != nil }
    }

    /// The receivers those routes use, in declaration order.
    public static func receivers(_ context: ClusterContext) -> [Alerting.Receiver] {
        let used = Set(routes(context).map(\.receiver))
        return (context.blueprint.alerts?.receivers ?? []).filter { used.contains($0.name) }
    }

    /// The entry of Secret `alertmanager-receivers` holding a receiver's credential.
    public static func secretEntry(_ receiver: Alerting.Receiver) -> String {
        switch receiver.channel {
        case .email: "\(receiver.name)-smtp-password"
        case .slack: "\(receiver.name)-slack-url"
        case .webhook: "\(receiver.name)-webhook-url"
        case .pagerduty: "\(receiver.name)-routing-key"
        }
    }

    /// The ExternalSecret bringing the receivers' credentials (none when no receiver has one).
    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        let data = receivers(context).compactMap { receiver in
            receiver.secret.map { (secretKey: secretEntry(receiver), key: SecretStoreKey($0, .supplied)) }
        }
        guard !data.isEmpty else { return [] }
        return [ExternalSecrets.object(name: secretName, namespace: ClusterNamespaces.monitoring, context: context,
                                       component: "monitoring", data: data, wave: SyncWave.secrets)]
    }

    /// `alertmanager:` values of kube-prometheus-stack: the configuration, and the Secret mounted.
    public static func values(_ context: ClusterContext, spec: [(String, YAMLNode)]) -> YAMLNode {
        let mounts = objects(context).isEmpty ? [] : [("secrets", YAMLNode.sequence([.string(secretName)]))]
        return .map([
            ("config", config(context)),
            ("alertmanagerSpec", .map(spec + mounts)),
        ])
    }

    public static func config(_ context: ClusterContext) -> YAMLNode {
        var routes: [YAMLNode] = [
            // kube-prometheus-stack's always-firing heartbeat and its inhibition helper.
            .map([("matchers", ["alertname=~\"Watchdog|InfoInhibitor\""]), ("receiver", .string(null))]),
        ]
        for route in self.routes(context) {
            var matchers: [YAMLNode] = []
            if let severity = route.severity { matchers.append(.string("severity=\"\(severity)\"")) }
            if let environment = route.environment { matchers.append(.string("environment=\"\(environment)\"")) }
            var pairs: [(String, YAMLNode)] = []
            if !matchers.isEmpty { pairs.append(("matchers", .sequence(matchers))) }
            pairs.append(("receiver", .string(route.receiver)))
            if route.severity == "critical" { pairs.append(("repeat_interval", "1h")) }
            routes.append(.map(pairs))
        }
        return .map([
            ("route", .map([
                ("receiver", .string(null)),
                ("group_by", ["alertname", "service", "store", "slo"]),
                ("group_wait", "30s"),
                ("group_interval", "5m"),
                ("repeat_interval", "12h"),
                ("routes", .sequence(routes)),
            ])),
            ("receivers", .sequence([.map([("name", .string(null))])] + receivers(context).map(receiver))),
            // A paging burn-rate alert silences the ticket of the same objective.
            ("inhibit_rules", [.map([
                ("source_matchers", ["severity=\"critical\"", "slo=~\".+\""]),
                ("target_matchers", ["severity=\"warning\"", "slo=~\".+\""]),
                ("equal", ["service", "slo"]),
            ])]),
        ])
    }

    static func receiver(_ receiver: Alerting.Receiver) -> YAMLNode {
        let file = receiver.secret.map { _ in YAMLNode.string("\(mountDirectory)/\(secretEntry(receiver))") }
        var config: [(String, YAMLNode)] = []
        let kind: String
        switch receiver.channel {
        case .email(let to, let from, let smarthost, let username):
            kind = "email_configs"
            config = [("to", .string(to)), ("from", .string(from)), ("smarthost", .string(smarthost))]
            if let username, let file { config += [("auth_username", .string(username)), ("auth_password_file", file)] }
            config.append(("require_tls", true))
        case .slack(let channel):
            kind = "slack_configs"
            config = [("channel", .string(channel))] + (file.map { [("api_url_file", $0)] } ?? [])
        case .webhook:
            kind = "webhook_configs"
            config = file.map { [("url_file", $0)] } ?? []
        case .pagerduty:
            kind = "pagerduty_configs"
            config = file.map { [("routing_key_file", $0)] } ?? []
        }
        config.append(("send_resolved", true))
        return .map([("name", .string(receiver.name)), (kind, .sequence([YAMLNode.map(config)]))])
    }
}
