/// The metrics the platform's own exporters provide, which scaffold's alerts may read
/// besides the ones a service declares (`metrics:`). One table, each name with where it is
/// documented: a file of the chart that installs the exporter (its shipped rules, example
/// rules or dashboard; a test finds the name there in `../shared/charts`), or, for exporters
/// whose chart ships none, the exporter's own documentation.
public enum ExporterMetrics {
    public enum Source: Sendable, Equatable {
        /// A file of the pinned chart, relative to the charts folder (`<name>-<version>/…`).
        case chart(String)
        /// The exporter's documentation.
        case upstream(String)
    }

    public struct Entry: Sendable {
        public var exporter: String
        public var metric: String
        public var source: Source
    }

    static let kubePrometheusStack = "kube-prometheus-stack-75.15.1/templates/prometheus/rules-1.14"
    static let cnpgDashboard = "cloudnative-pg-0.25.0/charts/cluster/grafana-dashboard.json"

    public static let table: [Entry] = [
        Entry(exporter: "prometheus", metric: "up", source: .upstream("https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series")),
        Entry(exporter: "prometheus", metric: "ALERTS", source: .upstream("https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/#inspecting-alerts-during-runtime")),
        Entry(exporter: "kube-state-metrics", metric: "kube_resourcequota", source: .chart("\(kubePrometheusStack)/kubernetes-resources.yaml")),
        Entry(exporter: "kubelet (cAdvisor)", metric: "container_cpu_usage_seconds_total", source: .chart("\(kubePrometheusStack)/k8s.rules.container_cpu_usage_seconds_total.yaml")),
        Entry(exporter: "kubelet (cAdvisor)", metric: "container_memory_working_set_bytes", source: .chart("\(kubePrometheusStack)/k8s.rules.container_memory_working_set_bytes.yaml")),
        Entry(exporter: "ingress-nginx", metric: "nginx_ingress_controller_requests", source: .chart("ingress-nginx-4.13.0/values.yaml")),
        Entry(exporter: "ingress-nginx", metric: "nginx_ingress_controller_request_duration_seconds_bucket", source: .upstream("https://kubernetes.github.io/ingress-nginx/user-guide/monitoring/")),
        Entry(exporter: "kube-state-metrics", metric: "kube_deployment_status_replicas_available", source: .chart("\(kubePrometheusStack)/kubernetes-apps.yaml")),
        Entry(exporter: "kube-state-metrics", metric: "kube_pod_container_status_restarts_total", source: .upstream("https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/pod-metrics.md")),
        Entry(exporter: "kube-state-metrics", metric: "kube_job_failed", source: .chart("\(kubePrometheusStack)/kubernetes-apps.yaml")),
        Entry(exporter: "kube-state-metrics", metric: "kube_cronjob_status_last_successful_time", source: .upstream("https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/cronjob-metrics.md")),
        Entry(exporter: "cloudnative-pg", metric: "cnpg_pg_replication_streaming_replicas", source: .chart("cluster-0.3.1/prometheus_rules/cluster-ha-critical.yaml")),
        Entry(exporter: "cloudnative-pg", metric: "cnpg_pg_replication_lag", source: .chart("cluster-0.3.1/prometheus_rules/cluster-high_replication_lag.yaml")),
        Entry(exporter: "cloudnative-pg", metric: "cnpg_pg_stat_archiver_failed_count", source: .chart(cnpgDashboard)),
        Entry(exporter: "cloudnative-pg", metric: "cnpg_pg_stat_archiver_seconds_since_last_archival", source: .chart(cnpgDashboard)),
        Entry(exporter: "cloudnative-pg", metric: "cnpg_collector_last_available_backup_timestamp", source: .chart(cnpgDashboard)),
        Entry(exporter: "redis_exporter", metric: "redis_up", source: .chart("redis-ha-4.33.7/values.yaml")),
        Entry(exporter: "redis_exporter", metric: "redis_memory_used_bytes", source: .upstream("https://github.com/oliver006/redis_exporter#what-its-exporting")),
        Entry(exporter: "redis_exporter", metric: "redis_memory_max_bytes", source: .upstream("https://github.com/oliver006/redis_exporter#what-its-exporting")),
        Entry(exporter: "minio", metric: "minio_cluster_nodes_offline_total", source: .upstream("https://min.io/docs/minio/linux/operations/monitoring/metrics-and-alerts.html")),
        Entry(exporter: "minio", metric: "minio_cluster_drive_offline_total", source: .upstream("https://min.io/docs/minio/linux/operations/monitoring/metrics-and-alerts.html")),
        Entry(exporter: "velero", metric: "velero_backup_failure_total", source: .chart("velero-10.0.10/values.yaml")),
        Entry(exporter: "velero", metric: "velero_backup_attempt_total", source: .chart("velero-10.0.10/values.yaml")),
        Entry(exporter: "velero", metric: "velero_backup_last_successful_timestamp", source: .upstream("https://github.com/vmware-tanzu/velero/blob/main/pkg/metrics/metrics.go")),
        Entry(exporter: "cert-manager", metric: "certmanager_certificate_expiration_timestamp_seconds", source: .upstream("https://cert-manager.io/docs/devops-tips/prometheus-metrics/")),
        Entry(exporter: "cert-manager", metric: "certmanager_certificate_ready_status", source: .upstream("https://cert-manager.io/docs/devops-tips/prometheus-metrics/")),
        Entry(exporter: "argo-cd", metric: "argocd_app_info", source: .chart("argo-cd-8.1.3/values.yaml")),
        Entry(exporter: "kyverno", metric: "kyverno_policy_results_total", source: .chart("kyverno-3.4.4/charts/grafana/dashboard/kyverno-dashboard.json")),
    ]

    /// Every metric name in the table.
    public static let names: Set<String> = Set(table.map(\.metric))
}
