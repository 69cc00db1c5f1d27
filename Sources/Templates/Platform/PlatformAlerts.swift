import BlueprintModel
import Renderer

/// Alerts on the platform itself, read from its exporters' metrics (``ExporterMetrics``):
/// each data store of the cluster (PostgreSQL replication, WAL archiving, backup age and
/// its restore drill;
/// Redis; MinIO), Velero's backups, the ingress certificates, Argo CD's applications and
/// Kyverno's policy results. One PrometheusRule in `monitoring`; each rule selects its
/// store by namespace (MinIO's cluster metrics by the chart's Probe job, the store's name).
/// CloudNativePG's cluster chart adds its own rules (instances, connections, disk) beside these.
public enum PlatformAlerts {
    public static let name = "platform-alerts"

    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        let groups = context.dataStores.map { storeGroup($0, context) } + [backupGroup(context), platformGroup()].compactMap { $0 }
        return [K8s.object("monitoring.coreos.com/v1", "PrometheusRule", name: name, namespace: ClusterNamespaces.monitoring,
                           labels: context.labels(name: name, component: "monitoring"), annotations: ServiceMonitoring.annotations(), [
            ("spec", .map([("groups", .sequence(groups))])),
        ])]
    }

    static func alert(_ name: String, _ expr: String, for duration: String, severity: String,
                      labels: [String: String] = [:], summary: String) -> YAMLNode {
        .map([
            ("alert", .string(name)),
            ("expr", .string(expr)),
            ("for", .string(duration)),
            ("labels", .sortedStrings(labels.merging(["severity": severity]) { first, _ in first })),
            ("annotations", .sortedStrings(["summary": summary])),
        ])
    }

    /// How old the newest backup may get: a day and a half for a daily schedule, else eight days.
    static func backupAgeLimit(_ context: ClusterContext) -> (seconds: Int, text: String) {
        runsDaily(context.blueprint.backup?.schedule) ? (36 * 3600, "36h") : (8 * 86400, "8 days")
    }

    /// Whether a cron schedule runs every day (day of month, month and weekday all `*`).
    static func runsDaily(_ schedule: String?) -> Bool {
        let fields = (schedule ?? "").split(separator: " ")
        return fields.count == 5 && fields[2] == "*" && fields[3] == "*" && fields[4] == "*"
    }

    /// How long since the last passing restore drill: two days for a daily drill, else fifteen
    /// (a weekly drill may fail once, be fixed and pass at the next run).
    static func drillAgeLimit(_ context: ClusterContext) -> (seconds: Int, text: String) {
        runsDaily(context.blueprint.backup?.restoreDrill) ? (2 * 86400, "2 days") : (15 * 86400, "15 days")
    }

    static func storeGroup(_ store: DataStore, _ context: ClusterContext) -> YAMLNode {
        let namespace = ClusterNamespaces.dataStore(store.name)
        let selector = "namespace=\"\(namespace)\""
        let labels = ["store": store.name]
        let replicas = DataStores.replicas(store, context)
        var rules: [YAMLNode] = []
        switch store.kind {
        case .postgresql:
            if replicas > 1 {
                rules.append(alert("PostgresReplicasMissing",
                                   "max(cnpg_pg_replication_streaming_replicas{\(selector)}) < \(replicas - 1)",
                                   for: "5m", severity: "critical", labels: labels,
                                   summary: "\(store.name): fewer than \(replicas - 1) replicas stream WAL from the primary"))
                rules.append(alert("PostgresReplicationLagging", "max(cnpg_pg_replication_lag{\(selector)}) > 30",
                                   for: "5m", severity: "warning", labels: labels,
                                   summary: "\(store.name): a replica is more than 30 s behind the primary"))
            }
            if BackupTarget.of(context) != nil {
                let limit = backupAgeLimit(context)
                rules.append(alert("PostgresWALArchiveFailing",
                                   "increase(cnpg_pg_stat_archiver_failed_count{\(selector)}[15m]) > 0",
                                   for: "15m", severity: "critical", labels: labels,
                                   summary: "\(store.name): WAL segments fail to reach the backup store (point-in-time recovery is at risk, and WAL piles up on disk)"))
                let drill = RestoreDrill.name(store)
                rules.append(alert("PostgresRestoreDrillFailed",
                                   "max by (job_name) (kube_job_failed{\(selector), job_name=~\"\(drill)-.+\", condition=\"true\"}) == 1",
                                   for: "1m", severity: "critical", labels: labels,
                                   summary: "\(store.name): the latest backup did not restore and verify in the restore drill (its Job's log says which step; its scratch cluster is kept for inspection)"))
                rules.append(alert("PostgresRestoreDrillMissing",
                                   "time() - max(kube_cronjob_status_last_successful_time{\(selector), cronjob=\"\(drill)\"}) > \(drillAgeLimit(context).seconds)",
                                   for: "1h", severity: "warning", labels: labels,
                                   summary: "\(store.name): no restore drill has passed in \(drillAgeLimit(context).text)"))
                rules.append(alert("PostgresBackupTooOld",
                                   "time() - max(cnpg_collector_last_available_backup_timestamp{\(selector)}) > \(limit.seconds)",
                                   for: "30m", severity: "warning", labels: labels,
                                   summary: "\(store.name): the newest base backup is older than \(limit.text) (or there is none)"))
            }
        case .redis:
            rules.append(alert("RedisDown", "max(redis_up{\(selector)}) == 0 or absent(redis_up{\(selector)})",
                               for: "5m", severity: "critical", labels: labels, summary: "\(store.name): no Redis instance answers"))
            if replicas > 1 {
                rules.append(alert("RedisInstanceDown", "min(redis_up{\(selector)}) == 0",
                                   for: "10m", severity: "warning", labels: labels, summary: "\(store.name): a Redis instance does not answer"))
            }
        case .minio:
            let job = "job=\"\(store.name)\""
            rules.append(alert("MinioNodesOffline", "max(minio_cluster_nodes_offline_total{\(job)}) > 0",
                               for: "5m", severity: "critical", labels: labels, summary: "\(store.name): MinIO nodes are offline"))
            rules.append(alert("MinioDrivesOffline", "max(minio_cluster_drive_offline_total{\(job)}) > 0",
                               for: "10m", severity: "warning", labels: labels, summary: "\(store.name): MinIO drives are offline"))
        }
        return .map([("name", .string("data-\(store.name)")), ("rules", .sequence(rules))])
    }

    /// Velero's scheduled backups, where the cluster has a backup store.
    static func backupGroup(_ context: ClusterContext) -> YAMLNode? {
        guard BackupTarget.of(context) != nil else { return nil }
        let schedule = "schedule=\"\(Backups.scheduleName(context))\""
        let limit = backupAgeLimit(context)
        return .map([("name", "backups"), ("rules", [
            alert("VeleroBackupFailed", "increase(velero_backup_failure_total{\(schedule)}[1d]) > 0",
                  for: "5m", severity: "warning", summary: "a scheduled Velero backup failed in the last day"),
            alert("VeleroBackupTooOld", "time() - max(velero_backup_last_successful_timestamp{\(schedule)}) > \(limit.seconds)",
                  for: "30m", severity: "warning", summary: "the newest successful Velero backup is older than \(limit.text)"),
        ])])
    }

    static func platformGroup() -> YAMLNode {
        .map([("name", "platform"), ("rules", [
            alert("CertificateExpiresSoon",
                  "min by (name) (certmanager_certificate_expiration_timestamp_seconds) - time() < 14 * 86400",
                  for: "1h", severity: "warning", summary: "a certificate expires within 14 days and has not been renewed"),
            alert("CertificateExpiresVerySoon",
                  "min by (name) (certmanager_certificate_expiration_timestamp_seconds) - time() < 3 * 86400",
                  for: "10m", severity: "critical", summary: "a certificate expires within 3 days"),
            alert("CertificateNotReady", "max by (name) (certmanager_certificate_ready_status{condition=\"False\"}) == 1",
                  for: "30m", severity: "warning", summary: "a certificate is not ready (issuance or renewal fails)"),
            alert("ArgoCDAppDegraded", "max by (name) (argocd_app_info{health_status=\"Degraded\"}) == 1",
                  for: "15m", severity: "critical", summary: "an Argo CD application is degraded"),
            alert("ArgoCDAppOutOfSync", "max by (name) (argocd_app_info{sync_status=\"OutOfSync\"}) == 1",
                  for: "30m", severity: "warning", summary: "an Argo CD application stays out of sync with the ops repository"),
            alert("KyvernoPolicyFailures",
                  "sum by (policy_name) (increase(kyverno_policy_results_total{rule_result=\"fail\"}[15m])) > 0",
                  for: "5m", severity: "warning", summary: "resources fail a Kyverno policy"),
        ])])
    }
}
