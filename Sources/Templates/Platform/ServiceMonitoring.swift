import BlueprintModel
import Renderer

/// Prometheus Operator objects for the services: for a service declaring `metrics`, a
/// ServiceMonitor scraping its metrics port and path and an alert when no instance
/// answers scrapes; for every service, alerts (from kube-state-metrics) when it runs
/// below its minimum replicas or keeps restarting. A service without `metrics` is not
/// scraped: a `Down` alert on a scrape that never happens would fire forever. A service with
/// `slo:` also gets its burn-rate rules (``ServiceLevelObjectives``).
public enum ServiceMonitoring {
    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        context.services.flatMap { service in
            (service.declaresMetrics ? [serviceMonitor(service, context)] : []) + [rules(service, context)]
        }
    }

    static func annotations() -> [String: String] {
        SyncWave.annotations(SyncWave.monitoring, options: [SyncWave.skipDryRun])
    }

    public static func serviceMonitor(_ service: Service, _ context: ClusterContext) -> YAMLNode {
        K8s.object("monitoring.coreos.com/v1", "ServiceMonitor", name: service.name, namespace: ClusterNamespaces.apps,
                   labels: context.labels(name: service.name, component: "monitoring"), annotations: annotations(), [
            ("spec", .map([
                ("selector", K8s.matchLabels([Labels.name: service.name, Labels.instance: service.name])),
                ("endpoints", [.map([
                    ("port", service.metricsPort == service.port ? "http" : "metrics"),
                    ("path", .string(service.metricsPath)),
                    ("interval", "30s"),
                    ("scrapeTimeout", "10s"),
                ])]),
            ])),
        ])
    }

    /// `backend-api` → `BackendApi`.
    static func alertPrefix(_ name: String) -> String {
        name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    public static func rules(_ service: Service, _ context: ClusterContext) -> YAMLNode {
        let prefix = alertPrefix(service.name)
        let namespace = ClusterNamespaces.apps
        let up = "up{namespace=\"\(namespace)\",job=\"\(service.name)\"}"
        let minimum = context.replicas(of: service).min
        func alert(_ name: String, _ expr: String, for duration: String, severity: String, summary: String) -> YAMLNode {
            .map([
                ("alert", .string("\(prefix)\(name)")),
                ("expr", .string(expr)),
                ("for", .string(duration)),
                ("labels", .sortedStrings(["severity": severity, "service": service.name])),
                ("annotations", .sortedStrings(["summary": summary])),
            ])
        }
        return K8s.object("monitoring.coreos.com/v1", "PrometheusRule", name: service.name, namespace: namespace,
                          labels: context.labels(name: service.name, component: "monitoring"), annotations: annotations(), [
            ("spec", .map([("groups", .sequence([.map([
                ("name", .string("\(service.name).rules")),
                ("rules", .sequence((service.declaresMetrics ? [
                    alert("Down", "sum(\(up)) == 0 or absent(\(up))", for: "5m", severity: "critical",
                          summary: "\(service.name) has no instance answering scrapes"),
                ] : []) + [
                    alert("ReplicasUnavailable",
                          "kube_deployment_status_replicas_available{namespace=\"\(namespace)\",deployment=\"\(service.name)\"} < \(minimum)",
                          for: "10m", severity: "warning", summary: "\(service.name) runs fewer than \(minimum) available replicas"),
                    alert("Restarting",
                          "increase(kube_pod_container_status_restarts_total{namespace=\"\(namespace)\",container=\"\(service.name)\"}[15m]) > 3",
                          for: "5m", severity: "warning", summary: "\(service.name) containers restart repeatedly"),
                ])),
            ])] + ServiceLevelObjectives.groups(service)))])),
        ])
    }
}
