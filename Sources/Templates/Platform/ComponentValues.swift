import BlueprintModel
import Renderer

/// Helm values of the platform components for one cluster. Values never hold a
/// secret: charts read credentials from Secrets that External Secrets creates.
public enum ComponentValues {
    /// Replicas of highly available controllers: 1 on a local cluster, 2 in staging, 3 in production.
    /// The ingress controller's Service: a cloud load balancer adopting the one Terraform made
    /// (``IngressAdoption``), keeping the clients' addresses (`Local`).
    static func ingressService(_ context: ClusterContext) -> [(String, YAMLNode)] {
        var service: [(String, YAMLNode)] = [("type", "LoadBalancer"), ("externalTrafficPolicy", "Local")]
        let annotations = IngressAdoption.annotations(context)
        if !annotations.isEmpty { service.append(("annotations", .sortedStrings(annotations))) }
        return service
    }

    /// The service account annotations and pod labels the secret store's workload identity needs.
    static func externalSecretsIdentity(_ context: ClusterContext) -> [(String, YAMLNode)] {
        let identity = SecretStores.controllerIdentity(context)
        var entries: [(String, YAMLNode)] = []
        if !identity.annotations.isEmpty {
            entries.append(("serviceAccount", .map([("annotations", .sortedStrings(identity.annotations))])))
        }
        if !identity.podLabels.isEmpty { entries.append(("podLabels", .sortedStrings(identity.podLabels))) }
        return entries
    }

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
        let size = { (role: WorkloadSizing.Role) in WorkloadSizing.resources(role, context) }
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
                // `argocd_app_info` (health and sync of each Application) for ``PlatformAlerts``. The chart
                // renders the ServiceMonitor only once the cluster serves its API (not at bootstrap).
                ("controller", .map([("replicas", 1), ("resources", size(.server)),
                                     ("metrics", .map([("enabled", true), ("serviceMonitor", .map([("enabled", true)]))]))])),
                ("server", .map([("replicas", .int(replicas)), ("resources", size(.agent))])),
                // Renders every chart and kustomization: the largest working set after the controller.
                ("repoServer", .map([("replicas", .int(replicas)), ("resources", size(.server))])),
                ("applicationSet", .map([("replicas", .int(min(replicas, 2))), ("resources", size(.agent))])),
                ("notifications", .map([("resources", size(.agent))])),
                ("redisSecretInit", .map([("resources", size(.sidecar))])),
                ("redis", .map([("resources", size(.agent))])),
                ("redis-ha", .map([
                    ("enabled", .bool(replicas > 1)),
                    ("redis", .map([("resources", size(.agent))])),
                    ("sentinel", .map([("resources", size(.sidecar))])),
                    ("haproxy", .map([("resources", size(.agent)), ("init", .map([("resources", size(.sidecar))]))])),
                    ("init", .map([("resources", size(.sidecar))])),
                    ("splitBrainDetection", .map([("resources", size(.sidecar))])),
                ])),
                ("dex", .map([("enabled", false)])),
            ])
        case .ingressNginx:
            return .map([
                ("controller", .map([
                    ("replicaCount", .int(replicas)),
                    ("ingressClass", "nginx"),
                    ("ingressClassResource", .map([("name", "nginx"), ("enabled", true), ("default", true)])),
                ] + (IngressCertificates.defaultCertificate(context).map {
                    // The cluster's certificate (``IngressCertificates``) for every Ingress `tls` host.
                    [("extraArgs", .map([("default-ssl-certificate", .string($0))]))]
                } ?? []) + [
                    ("config", .sortedStrings(["hsts": "true", "server-tokens": "false", "ssl-redirect": "true", "use-forwarded-headers": "false"])),
                    ("service", .map(ingressService(context))),
                    ("metrics", .map([("enabled", true), ("serviceMonitor", .map([("enabled", true)]))])),
                    // The chart renders the controller's PodDisruptionBudget itself whenever it runs more than one replica.
                    ("minAvailable", 1),
                    ("resources", size(.server)),
                    ("admissionWebhooks", .map([
                        ("enabled", true),
                        ("createSecretJob", .map([("resources", size(.sidecar))])),
                        ("patchWebhookJob", .map([("resources", size(.sidecar))])),
                    ])),
                ])),
            ])
        case .certManager:
            return .map([
                ("crds", .map([("enabled", true), ("keep", true)])),
                // Its leases stay in its own namespace (the chart's default is kube-system).
                ("global", .map([("leaderElection", .map([("namespace", .string(ClusterNamespaces.certManager))]))])),
                ("replicaCount", .int(min(replicas, 2))),
                ("podDisruptionBudget", .map([("enabled", .bool(min(replicas, 2) > 1))])),
                ("resources", size(.agent)),
                ("prometheus", .map([("enabled", true), ("servicemonitor", .map([("enabled", true)]))])),
                ("webhook", .map([("replicaCount", .int(min(replicas, 2))), ("resources", size(.agent))])),
                ("cainjector", .map([("replicaCount", .int(min(replicas, 2))), ("resources", size(.agent))])),
                ("startupapicheck", .map([("resources", size(.sidecar))])),
            ])
        case .externalSecrets:
            return .map([
                ("installCRDs", true),
                ("replicaCount", .int(min(replicas, 2))),
            ] + externalSecretsIdentity(context) + [
                // Two controllers reconciling the same ExternalSecrets would race each other.
                ("leaderElect", .bool(min(replicas, 2) > 1)),
                ("serviceMonitor", .map([("enabled", true)])),
                ("resources", size(.agent)),
                ("webhook", .map([("replicaCount", .int(min(replicas, 2))), ("resources", size(.agent))])),
                ("certController", .map([("resources", size(.agent))])),
            ])
        case .kyverno:
            return .map([
                // Both controllers report `kyverno_policy_results_total` (admission and background scans).
                ("admissionController", .map([("replicas", .int(replicas)), ("serviceMonitor", .map([("enabled", true)]))])),
                ("backgroundController", .map([("replicas", .int(min(replicas, 2))), ("serviceMonitor", .map([("enabled", true)]))])),
                ("reportsController", .map([("replicas", .int(min(replicas, 2)))])),
                ("cleanupController", .map([("replicas", .int(min(replicas, 2)))])),
                ("config", .map([("excludeGroups", ["system:nodes"])])),
            ])
        case .prometheusOperatorCRDs:
            return prometheusOperatorCRDsValues
        case .kubePrometheusStack:
            return .map([
                // `prometheus-operator-crds` installed them a wave earlier.
                ("crds", .map([("enabled", false)])),
                // Managed clusters expose none of these, and their Services would go to kube-system.
                ("kubeControllerManager", .map([("enabled", false)])),
                ("kubeScheduler", .map([("enabled", false)])),
                ("kubeProxy", .map([("enabled", false)])),
                ("kubeEtcd", .map([("enabled", false)])),
                ("coreDns", .map([("enabled", false)])),
                ("prometheusOperator", .map([
                    ("resources", size(.agent)),
                    ("prometheusConfigReloader", .map([("resources", size(.sidecar))])),
                    ("admissionWebhooks", .map([("patch", .map([("resources", size(.sidecar))]))])),
                ])),
                ("prometheus", .map([("prometheusSpec", .map([
                    ("retention", .string(context.blueprint.observability.metricsRetention)),
                    ("externalLabels", externalLabels(context)),
                    ("serviceMonitorSelectorNilUsesHelmValues", false),
                    ("podMonitorSelectorNilUsesHelmValues", false),
                    ("ruleSelectorNilUsesHelmValues", false),
                    // MinIO's cluster metrics come through its chart's Probe.
                    ("probeSelectorNilUsesHelmValues", false),
                    ("replicas", .int(min(replicas, 2))),
                    ("resources", size(.server)),
                    ("storageSpec", .map([("volumeClaimTemplate", .map([("spec", .map([
                        ("accessModes", ["ReadWriteOnce"]),
                        ("resources", .map([("requests", .map([("storage", context.environment.isLocal ? "10Gi" : "50Gi")]))])),
                    ]))]))])),
                ]))])),
                // Receivers and routes from the blueprint's `alerts:` (``AlertRouting``).
                ("alertmanager", AlertRouting.values(context, spec: [("replicas", .int(min(replicas, 2))), ("resources", size(.agent))])),
                ("kube-state-metrics", .map([("resources", size(.agent))])),
                ("prometheus-node-exporter", .map([("resources", size(.agent))])),
                ("grafana", .map([
                    ("resources", size(.server)),
                    ("sidecar", .map([("resources", size(.sidecar))])),
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
                ("singleBinary", .map([
                    ("replicas", 1),
                    ("persistence", .map([("size", context.environment.isLocal ? "10Gi" : "50Gi")])),
                    ("resources", size(.server)),
                ])),
                ("sidecar", .map([("resources", size(.sidecar))])),
                // Alloy pushes to the single binary directly; the canary only feeds the chart's Helm test.
                ("gateway", .map([("enabled", false)])),
                ("lokiCanary", .map([("enabled", false)])),
                ("test", .map([("enabled", false)])),
                ("read", .map([("replicas", 0)])),
                ("write", .map([("replicas", 0)])),
                ("backend", .map([("replicas", 0)])),
                ("chunksCache", .map([("enabled", false)])),
                ("resultsCache", .map([("enabled", false)])),
            ])
        case .tempo:
            return .map([
                ("tempo", .map([
                    ("resources", size(.server)),
                    ("retention", .string(Durations.go(context.blueprint.observability.tracesRetention))),
                    ("receivers", .map([("otlp", .map([("protocols", .map([
                        ("grpc", .map([("endpoint", "0.0.0.0:4317")])),
                        ("http", .map([("endpoint", "0.0.0.0:4318")])),
                    ]))]))])),
                ])),
                ("persistence", .map([("enabled", true), ("size", context.environment.isLocal ? "5Gi" : "20Gi")])),
                // scaffold renders Tempo's ServiceMonitor itself (GitOpsTree.componentObjects).
                ("serviceMonitor", .map([("enabled", false)])),
            ])
        case .alloy:
            return .map([
                ("controller", .map([("type", "daemonset")])),
                ("alloy", .map([
                    ("configMap", .map([("create", true), ("content", .string(alloyConfig(context)))])),
                    // Each pod reads its own node's container logs from /var/log/pods.
                    ("mounts", .map([("varlog", true)])),
                    ("resources", size(.agent)),
                ])),
                ("configReloader", .map([("resources", size(.sidecar))])),
            ])
        case .velero:
            // scaffold renders the BackupStorageLocation and Schedule itself (cluster/ops/…/backups.yaml).
            // Installed only with a backup target (``PlatformComponent/installed(in:)``).
            let plugin = Backups.veleroPlugin(BackupTarget.of(context)?.provider)
            return .map([
                ("initContainers", [.map([
                    ("name", .string(plugin.name)),
                    ("image", .string(plugin.image)),
                    ("volumeMounts", [.map([("mountPath", "/target"), ("name", "plugins")])]),
                    ("resources", size(.sidecar)),
                ])]),
                ("resources", size(.server)),
                ("nodeAgent", .map([("resources", size(.agent))])),
                // The CRD upgrade hook: its kubectl container, then its velero container.
                ("kubectl", .map([("resources", size(.sidecar))])),
                ("upgradeJobResources", size(.sidecar)),
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
                ("resources", size(.agent)),
            ])
        case .supabase:
            return Supabase.values(context)
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

    /// Kube-prometheus-stack rendering only the Prometheus Operator CRDs: every
    /// component, rule and ServiceMonitor of the chart off.
    static let prometheusOperatorCRDsValues: YAMLNode = .map([
        ("crds", .map([("enabled", true)])),
        ("defaultRules", .map([("create", false)])),
        ("windowsMonitoring", .map([("enabled", false)])),
        ("alertmanager", .map([("enabled", false)])),
        ("grafana", .map([("enabled", false)])),
        ("kubernetesServiceMonitors", .map([("enabled", false)])),
        ("kubeApiServer", .map([("enabled", false)])),
        ("kubelet", .map([("enabled", false)])),
        ("kubeControllerManager", .map([("enabled", false)])),
        ("coreDns", .map([("enabled", false)])),
        ("kubeDns", .map([("enabled", false)])),
        ("kubeEtcd", .map([("enabled", false)])),
        ("kubeScheduler", .map([("enabled", false)])),
        ("kubeProxy", .map([("enabled", false)])),
        ("kubeStateMetrics", .map([("enabled", false)])),
        ("nodeExporter", .map([("enabled", false)])),
        ("prometheusOperator", .map([("enabled", false)])),
        ("prometheus", .map([("enabled", false)])),
        ("thanosRuler", .map([("enabled", false)])),
    ])

    /// Grafana Alloy, one pod per node: the container logs of that node's pods only,
    /// read from the node's /var/log/pods (not tailed through the API server), labelled
    /// with their tenant (the organization of a `tenant-*` namespace), personal data masked
    /// (``LogMasking``), to the region's own Loki.
    static func alloyConfig(_ context: ClusterContext) -> String {
        """
        discovery.kubernetes "pods" {
          role = "pod"
          selectors {
            role  = "pod"
            field = "spec.nodeName=" + sys.env("HOSTNAME")
          }
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
          rule {
            source_labels = ["__meta_kubernetes_namespace"]
            regex         = "\(TenantNamespaces.namespace(of: "(.+)"))"
            target_label  = "tenant"
          }
          rule {
            source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
            separator     = "/"
            replacement   = "/var/log/pods/*$1/*.log"
            target_label  = "__path__"
          }
        }

        local.file_match "pods" {
          path_targets = discovery.relabel.pods.output
        }

        loki.source.file "pods" {
          targets    = local.file_match.pods.targets
          forward_to = [loki.process.pods.receiver]
        }

        loki.process "pods" {
          stage.cri {}
        \(LogMasking.alloyStages(context))  forward_to = [loki.write.regional.receiver]
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
