import BlueprintModel
import Renderer

/// Helm values of the platform components for one cluster. Values never hold a
/// secret: charts read credentials from Secrets that External Secrets creates.
public enum ComponentValues {
    /// Replicas of highly available controllers: 1 on a local cluster, 2 in staging, 3 in production.
    static func highAvailability(_ context: ClusterContext) -> Int {
        if context.environment.isLocal { return 1 }
        return context.scope.environment == "production" ? 3 : 2
    }

    /// Labels every metric, log line and trace leaving a cluster carries.
    static func externalLabels(_ context: ClusterContext) -> YAMLNode {
        .sortedStrings(["environment": context.scope.environment, "platform": context.platform, "region": context.scope.region])
    }

    static func nodeSelector(_ context: ClusterContext) -> YAMLNode {
        .sortedStrings([Residency.nodeLabel: context.scope.region])
    }

    /// The values file of a component.
    public static func values(_ component: PlatformComponent, _ context: ClusterContext) -> YAMLNode {
        let replicas = highAvailability(context)
        switch component {
        case .argoCD:
            return .map([
                ("global", .map([("domain", .string("argocd.\(context.environment.domain)"))])),
                ("configs", .map([
                    ("cm", .map([
                        // Argo CD stopped assessing Applications' health: without this check an
                        // app-of-apps would not wait for a wave's Applications to be healthy.
                        ("resource.customizations.health.argoproj.io_Application", .string(applicationHealthCheck)),
                        ("timeout.reconciliation", "180s"),
                    ])),
                ])),
                ("controller", .map([("replicas", 1)])),
                ("server", .map([("replicas", .int(replicas))])),
                ("repoServer", .map([("replicas", .int(replicas))])),
                ("applicationSet", .map([("replicas", .int(min(replicas, 2)))])),
                ("redis-ha", .map([("enabled", .bool(replicas > 1))])),
                ("dex", .map([("enabled", false)])),
            ])
        case .ingressNginx:
            return .map([
                ("controller", .map([
                    ("replicaCount", .int(replicas)),
                    ("ingressClass", "nginx"),
                    ("ingressClassResource", .map([("name", "nginx"), ("enabled", true), ("default", true)])),
                    ("config", .sortedStrings(["hsts": "true", "server-tokens": "false", "ssl-redirect": "true", "use-forwarded-headers": "false"])),
                    ("service", .map([("type", "LoadBalancer"), ("externalTrafficPolicy", "Local")])),
                    ("metrics", .map([("enabled", true), ("serviceMonitor", .map([("enabled", true)]))])),
                    ("podDisruptionBudget", .map([("enabled", .bool(replicas > 1)), ("minAvailable", 1)])),
                    ("admissionWebhooks", .map([("enabled", true)])),
                ])),
            ])
        case .externalSecrets:
            return .map([
                ("installCRDs", true),
                ("replicaCount", .int(min(replicas, 2))),
                ("serviceMonitor", .map([("enabled", true)])),
                ("webhook", .map([("replicaCount", .int(min(replicas, 2)))])),
            ])
        case .kyverno:
            return .map([
                ("admissionController", .map([("replicas", .int(replicas))])),
                ("backgroundController", .map([("replicas", .int(min(replicas, 2)))])),
                ("reportsController", .map([("replicas", .int(min(replicas, 2)))])),
                ("cleanupController", .map([("replicas", .int(min(replicas, 2)))])),
                ("config", .map([("excludeGroups", ["system:nodes"])])),
            ])
        case .kubePrometheusStack:
            return .map([
                ("prometheus", .map([("prometheusSpec", .map([
                    ("retention", .string(context.blueprint.observability.metricsRetention)),
                    ("externalLabels", externalLabels(context)),
                    ("serviceMonitorSelectorNilUsesHelmValues", false),
                    ("podMonitorSelectorNilUsesHelmValues", false),
                    ("ruleSelectorNilUsesHelmValues", false),
                    ("replicas", .int(min(replicas, 2))),
                    ("storageSpec", .map([("volumeClaimTemplate", .map([("spec", .map([
                        ("accessModes", ["ReadWriteOnce"]),
                        ("resources", .map([("requests", .map([("storage", context.environment.isLocal ? "10Gi" : "50Gi")]))])),
                    ]))]))])),
                ]))])),
                ("alertmanager", .map([("alertmanagerSpec", .map([("replicas", .int(min(replicas, 2)))]))])),
                ("grafana", .map([
                    ("admin", .map([("existingSecret", "grafana-admin"), ("userKey", "admin-user"), ("passwordKey", "admin-password")])),
                    ("additionalDataSources", [
                        .map([("name", "Loki"), ("type", "loki"), ("url", "http://loki.monitoring.svc.cluster.local:3100")]),
                        .map([("name", "Tempo"), ("type", "tempo"), ("url", "http://tempo.monitoring.svc.cluster.local:3100")]),
                    ]),
                ])),
            ])
        case .loki:
            // Logs stay on a volume of the region's own cluster.
            return .map([
                ("deploymentMode", "SingleBinary"),
                ("loki", .map([
                    ("auth_enabled", false),
                    ("commonConfig", .map([("replication_factor", 1)])),
                    ("storage", .map([("type", "filesystem")])),
                    ("schemaConfig", .map([("configs", [.map([
                        ("from", "2025-01-01"), ("store", "tsdb"), ("object_store", "filesystem"), ("schema", "v13"),
                        ("index", .map([("prefix", "index_"), ("period", "24h")])),
                    ])])])),
                    ("limits_config", .map([("retention_period", .string(context.blueprint.observability.logsRetention))])),
                    ("compactor", .map([("retention_enabled", true), ("delete_request_store", "filesystem")])),
                ])),
                ("singleBinary", .map([("replicas", 1), ("persistence", .map([("size", context.environment.isLocal ? "10Gi" : "50Gi")]))])),
                ("read", .map([("replicas", 0)])),
                ("write", .map([("replicas", 0)])),
                ("backend", .map([("replicas", 0)])),
                ("chunksCache", .map([("enabled", false)])),
                ("resultsCache", .map([("enabled", false)])),
            ])
        case .tempo:
            return .map([
                ("tempo", .map([
                    ("retention", .string(Durations.go(context.blueprint.observability.tracesRetention))),
                    ("receivers", .map([("otlp", .map([("protocols", .map([
                        ("grpc", .map([("endpoint", "0.0.0.0:4317")])),
                        ("http", .map([("endpoint", "0.0.0.0:4318")])),
                    ]))]))])),
                ])),
                ("persistence", .map([("enabled", true), ("size", context.environment.isLocal ? "5Gi" : "20Gi")])),
                ("serviceMonitor", .map([("enabled", true)])),
            ])
        case .alloy:
            return .map([
                ("controller", .map([("type", "daemonset")])),
                ("alloy", .map([("configMap", .map([("create", true), ("content", .string(alloyConfig(context)))]))])),
            ])
        case .velero:
            // scaffold renders the BackupStorageLocation and Schedule itself (cluster/ops/…/backups.yaml).
            return .map([
                ("initContainers", [.map([
                    ("name", "velero-plugin-for-aws"),
                    ("image", "velero/velero-plugin-for-aws:v1.12.1"),
                    ("volumeMounts", [.map([("mountPath", "/target"), ("name", "plugins")])]),
                ])]),
                ("configuration", .map([
                    ("backupStorageLocation", []),
                    ("volumeSnapshotLocation", []),
                    ("defaultVolumesToFsBackup", true),
                ])),
                ("credentials", .map([("useSecret", true), ("existingSecret", .string(Backups.credentialsSecret))])),
                ("snapshotsEnabled", false),
                ("deployNodeAgent", true),
                ("metrics", .map([("serviceMonitor", .map([("enabled", true)]))])),
            ])
        case .cloudnativePG:
            return .map([
                ("replicaCount", .int(min(replicas, 2))),
                ("config", .map([("clusterWide", true)])),
                ("monitoring", .map([("podMonitorEnabled", true)])),
                ("crds", .map([("create", true)])),
            ])
        }
    }

    static let applicationHealthCheck = """
        hs = {}
        hs.status = "Progressing"
        hs.message = ""
        if obj.status ~= nil then
          if obj.status.health ~= nil then
            hs.status = obj.status.health.status
            if obj.status.health.message ~= nil then
              hs.message = obj.status.health.message
            end
          end
        end
        return hs

        """

    /// Grafana Alloy: every pod's log lines to the region's own Loki.
    static func alloyConfig(_ context: ClusterContext) -> String {
        """
        discovery.kubernetes "pods" {
          role = "pod"
        }

        discovery.relabel "pods" {
          targets = discovery.kubernetes.pods.targets
          rule {
            source_labels = ["__meta_kubernetes_namespace"]
            target_label  = "namespace"
          }
          rule {
            source_labels = ["__meta_kubernetes_pod_name"]
            target_label  = "pod"
          }
          rule {
            source_labels = ["__meta_kubernetes_pod_container_name"]
            target_label  = "container"
          }
        }

        loki.source.kubernetes "pods" {
          targets    = discovery.relabel.pods.output
          forward_to = [loki.write.regional.receiver]
        }

        loki.write "regional" {
          endpoint {
            url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"
          }
          external_labels = {
            environment = "\(context.scope.environment)",
            platform    = "\(context.platform)",
            region      = "\(context.scope.region)",
          }
        }

        """
    }
}

/// Data residency: where a region's pods may run.
public enum Residency {
    /// The node label naming the blueprint region a node belongs to. Node pools
    /// (Terraform) and local clusters (k3d) set it; workloads select it.
    public static let nodeLabel = nodeLabelPrefix + "region"
    /// The prefix of every node label scaffold sets (one per stack tag).
    public static let nodeLabelPrefix = "scaffold.dev/"
}
