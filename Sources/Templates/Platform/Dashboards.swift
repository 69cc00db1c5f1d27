import BlueprintModel
import Renderer

/// Grafana dashboards as code: one per service (the golden signals from the metrics it
/// declares, its ingress traffic if exposed, its saturation from kube-state-metrics and the
/// kubelet) and a platform overview (tenants, their quota use, residency, firing alerts),
/// each a ConfigMap labelled `grafana_dashboard: "1"` that kube-prometheus-stack's Grafana
/// sidecar loads. Queries read only metrics that exist: the service's declared ones, the
/// exporters' table (``ExporterMetrics``) and the recorded SLO ratios. JSON is printed with
/// sorted keys, so the output is deterministic.
public enum Dashboards {
    /// The label (and value) the Grafana sidecar looks for.
    public static let label = "grafana_dashboard"
    /// The Prometheus data source kube-prometheus-stack provisions.
    static let datasource: JSONValue = ["type": "prometheus", "uid": "prometheus"]

    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        var dashboards = [(name: "platform-overview", json: json(overview(context)))]
        dashboards += context.services.map { (name: "service-\($0.name)", json: json(service($0, context))) }
        return dashboards.map { dashboard in
            var labels = context.labels(name: dashboard.name, component: "monitoring")
            labels[label] = "1"
            return K8s.object("v1", "ConfigMap", name: "dashboard-\(dashboard.name)", namespace: ClusterNamespaces.monitoring,
                              labels: labels, [("data", .map([("\(dashboard.name).json", .string(dashboard.json))]))])
        }
    }

    static func json(_ dashboard: JSONValue) -> String {
        JSONPrinter.print(dashboard) + "\n"
    }

    /// A panel builder placing panels two to a row.
    struct Layout {
        var panels: [JSONValue] = []

        mutating func row(_ title: String) {
            let y = nextY
            panels.append(["id": .int(panels.count + 1), "type": "row", "title": .string(title), "collapsed": false,
                           "gridPos": ["h": 1, "w": 24, "x": 0, "y": .int(y)], "panels": []])
        }

        mutating func timeseries(_ title: String, unit: String, _ queries: [(legend: String, expr: String)]) {
            add(["type": "timeseries", "title": .string(title),
                 "fieldConfig": ["defaults": ["unit": .string(unit)], "overrides": []],
                 "targets": .array(targets(queries))])
        }

        mutating func stat(_ title: String, unit: String, _ expr: String) {
            add(["type": "stat", "title": .string(title), "fieldConfig": ["defaults": ["unit": .string(unit)], "overrides": []],
                 "targets": .array(targets([(legend: title, expr: expr)]))])
        }

        mutating func table(_ title: String, _ expr: String) {
            add(["type": "table", "title": .string(title), "targets": [["refId": "A", "datasource": Dashboards.datasource, "expr": .string(expr),
                                                                          "format": "table", "instant": true]]])
        }

        mutating func text(_ title: String, _ markdown: String) {
            add(["type": "text", "title": .string(title), "options": ["mode": "markdown", "content": .string(markdown)]])
        }

        func targets(_ queries: [(legend: String, expr: String)]) -> [JSONValue] {
            queries.enumerated().map { index, query in
                ["refId": .string(String(UnicodeScalar(UInt8(65 + index)))), "datasource": Dashboards.datasource,
                 "expr": .string(query.expr), "legendFormat": .string(query.legend)]
            }
        }

        /// The first free line below every panel.
        var nextY: Int {
            panels.map { panel in (panel["gridPos"]?["y"]?.int ?? 0) + (panel["gridPos"]?["h"]?.int ?? 0) }.max() ?? 0
        }

        mutating func add(_ panel: [String: JSONValue]) {
            var panel = panel
            let last = panels.last?["gridPos"]
            let besideLast = last.map { $0["w"]?.int == 12 && $0["x"]?.int == 0 } ?? false
            let y = besideLast ? last?["y"]?.int ?? 0 : nextY
            panel["id"] = .int(panels.count + 1)
            panel["datasource"] = Dashboards.datasource
            panel["gridPos"] = ["h": 8, "w": 12, "x": .int(besideLast ? 12 : 0), "y": .int(y)]
            panels.append(.object(panel))
        }
    }

    static func dashboard(uid: String, title: String, tags: [String], _ layout: Layout) -> JSONValue {
        [
            "uid": .string(uid), "title": .string(title), "tags": .array(tags.map { .string($0) }), "editable": false,
            "schemaVersion": 39, "version": 1, "timezone": "utc", "refresh": "1m", "time": ["from": "now-6h", "to": "now"],
            "panels": .array(layout.panels), "templating": ["list": []], "annotations": ["list": []],
        ]
    }

    static func service(_ service: Service, _ context: ClusterContext) -> JSONValue {
        let namespace = ClusterNamespaces.apps
        let selector = "namespace=\"\(namespace)\",job=\"\(service.name)\""
        var layout = Layout()
        let metrics = service.requestMetrics
        if service.declaresMetrics, metrics.requests != nil || metrics.duration != nil {
            layout.row("Golden signals (the service's own metrics)")
            if let requests = metrics.requests {
                let all = "sum(rate(\(requests){\(selector)}[5m]))"
                layout.timeseries("Traffic", unit: "reqps", [(legend: "requests/s", expr: all)])
                layout.timeseries("Errors (5xx share)", unit: "percentunit", [
                    (legend: "5xx", expr: "sum(rate(\(requests){\(selector),\(metrics.statusLabel)=~\"5..\"}[5m])) / \(all)"),
                ])
            }
            if let duration = metrics.duration {
                layout.timeseries("Latency", unit: "s", [0.5, 0.95, 0.99].map { quantile in
                    (legend: "p\(Int(quantile * 100))", expr: "histogram_quantile(\(quantile), sum by (le) (rate(\(duration)_bucket{\(selector)}[5m])))")
                })
            }
            let objectives = ServiceLevelObjectives.objectives(service)
            if !objectives.isEmpty {
                layout.timeseries("Error budget burn rate (1h)", unit: "none", objectives.map { objective in
                    (legend: objective.kind.rawValue,
                     expr: "\(ServiceLevelObjectives.ratioRecord("1h")){service=\"\(service.name)\",slo=\"\(objective.kind.rawValue)\"} / \(objective.budget)")
                })
            }
        }
        if service.expose != nil {
            layout.row("Ingress")
            let ingress = "ingress=\"\(service.name)\""
            let requests = "sum(rate(nginx_ingress_controller_requests{\(ingress)}[5m]))"
            layout.timeseries("Ingress traffic and errors", unit: "reqps", [
                (legend: "requests/s", expr: requests),
                (legend: "5xx/s", expr: "sum(rate(nginx_ingress_controller_requests{\(ingress),status=~\"5..\"}[5m]))"),
            ])
            layout.timeseries("Ingress latency", unit: "s", [0.5, 0.99].map { quantile in
                (legend: "p\(Int(quantile * 100))",
                 expr: "histogram_quantile(\(quantile), sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{\(ingress)}[5m])))")
            })
        }
        layout.row("Saturation")
        let container = "namespace=\"\(namespace)\",container=\"\(service.name)\""
        layout.timeseries("CPU", unit: "short", [(legend: "cores", expr: "sum(rate(container_cpu_usage_seconds_total{\(container)}[5m]))")])
        layout.timeseries("Memory", unit: "bytes", [(legend: "working set", expr: "sum(container_memory_working_set_bytes{\(container)})")])
        layout.timeseries("Replicas and restarts", unit: "short", [
            (legend: "available", expr: "kube_deployment_status_replicas_available{namespace=\"\(namespace)\",deployment=\"\(service.name)\"}"),
            (legend: "restarts (1h)", expr: "sum(increase(kube_pod_container_status_restarts_total{\(container)}[1h]))"),
        ])
        return dashboard(uid: "scaffold-\(service.name)", title: "\(service.name) (\(context.scope.name))",
                         tags: ["scaffold", context.platform, "service"], layout)
    }

    static func overview(_ context: ClusterContext) -> JSONValue {
        let region = context.region
        var layout = Layout()
        let tenants = context.organizations.map { organization in
            "| `\(organization.id)` | \(organization.displayName) | \(organization.homeRegion) |"
        }
        layout.text("Residency", """
            **\(context.platform)** \(context.scope.environment) in region **\(region.id)** (\(region.country), \(region.cloud)\(region.cloudLocation.map { " \($0)" } ?? "")): \
            residency **\(region.residency.rawValue)**\(region.residency == .strict ? ": tenant data, logs, metrics and backups stay in the region" : "").

            | tenant | name | home region |
            | --- | --- | --- |
            \(tenants.joined(separator: "\n"))
            """)
        let quota = "kube_resourcequota{namespace=~\"tenant-.*\""
        layout.stat("Tenant namespaces", unit: "none", "count(count by (namespace) (\(quota)}))")
        layout.table("Quota use by tenant (share of the hard limit)",
                     "max by (namespace, resource) (\(quota),type=\"used\"}) / max by (namespace, resource) (\(quota),type=\"hard\"} > 0)")
        layout.timeseries("Tenant CPU and memory requests", unit: "short", [
            (legend: "{{namespace}} cpu", expr: "max by (namespace) (\(quota),type=\"used\",resource=\"requests.cpu\"})"),
        ])
        layout.table("Firing alerts", "sum by (alertname, severity) (ALERTS{alertstate=\"firing\"})")
        let objectives = context.services.filter { !ServiceLevelObjectives.objectives($0).isEmpty }
        if !objectives.isEmpty {
            layout.timeseries("Service error ratios (1h)", unit: "percentunit", [
                (legend: "{{service}} {{slo}}", expr: ServiceLevelObjectives.ratioRecord("1h")),
            ])
        }
        return dashboard(uid: "scaffold-platform", title: "\(context.platform) platform (\(context.scope.name))",
                         tags: ["scaffold", context.platform, "platform"], layout)
    }
}
