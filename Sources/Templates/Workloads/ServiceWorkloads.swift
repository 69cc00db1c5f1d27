import BlueprintModel
import Renderer

/// The Kubernetes objects of one service in one cluster (namespace `apps`):
/// ServiceAccount, ConfigMap, ExternalSecrets, Service, the migration Job when the
/// service runs migrations, Deployment (image pinned by digest, hardened, probed,
/// spread), HorizontalPodAutoscaler, PodDisruptionBudget and, when exposed, an
/// Ingress (class nginx, TLS).
public enum ServiceWorkloads {
    public static let namespace = ClusterNamespaces.apps
    /// The unprivileged user and group the containers run as.
    public static let runAsUser = 65532

    public static func files(_ context: ClusterContext) -> [RenderedFile] {
        let directory = ClusterArea.apps.directory(context.scope)
        return context.services.map { service in
            context.builder.file(.ops, "\(directory)/\(service.name).yaml", objects(service, context))
        }
    }

    /// Every object of a service, in apply order.
    public static func objects(_ service: Service, _ context: ClusterContext) -> [YAMLNode] {
        let labels = context.labels(name: service.name, component: "server")
        let configuration = configuration(service, context)
        var objects: [YAMLNode] = [
            K8s.object("v1", "ServiceAccount", name: service.name, namespace: namespace, labels: labels,
                       annotations: SyncWave.annotations(SyncWave.configuration), [
                ("automountServiceAccountToken", .bool(service.serviceAccountToken)),
            ]),
            K8s.object("v1", "ConfigMap", name: configMapName(service), namespace: namespace, labels: labels,
                       annotations: SyncWave.annotations(SyncWave.configuration), [
                ("data", .sortedStrings(configuration)),
            ]),
        ]
        let credentials = ServiceCredentials.entries(service, context)
        if !credentials.isEmpty {
            objects.append(ExternalSecrets.object(
                name: secretName(service), namespace: namespace, context: context, component: "server",
                data: credentials.map { ($0.name, $0.key) }))
        }
        let migrationStore = migrationStore(service, context)
        if let store = migrationStore {
            objects.append(ExternalSecrets.object(
                name: migratorSecretName(service), namespace: namespace, context: context, component: "migration",
                data: [("password", DataStores.migratorPasswordKey(context, store)),
                       ("ca.crt", DataStores.serverCertificateKeys(context, store).authority)]))
        }
        objects.append(serviceObject(service, context, labels))
        if let store = migrationStore { objects.append(migrationJob(service, store, context, configuration)) }
        objects.append(deployment(service, context, labels, configuration))
        objects.append(autoscaler(service, context, labels))
        objects.append(disruptionBudget(service, labels))
        let hosts = hosts(service, context)
        if !hosts.isEmpty { objects.append(ingress(service, hosts: hosts, labels)) }
        return objects
    }

    static func configMapName(_ service: Service) -> String { "\(service.name)-config" }
    static func secretName(_ service: Service) -> String { "\(service.name)-secrets" }
    static func migratorSecretName(_ service: Service) -> String { "\(service.name)-migrator" }

    /// The public hosts of an exposed service in a cluster: `<host>.<region>.<environment
    /// domain>`, the name in the region's DNS zone (Terraform's `zone` and `hosts`), then
    /// with `global` the environment-wide `<host>.<environment domain>`. Local clusters have
    /// no regional zone: `<host>.<environment domain>` only.
    public static func hosts(_ service: Service, _ context: ClusterContext) -> [String] {
        guard let expose = service.expose else { return [] }
        let global = "\(expose.host).\(context.environment.domain)".lowercased()
        if context.environment.isLocal { return [global] }
        let regional = "\(expose.host).\(context.region.id).\(context.environment.domain)".lowercased()
        return expose.global ? [regional, global] : [regional]
    }

    /// The pods of a service's Deployment (the migration Job's pods share the name,
    /// and so the network policy, but not the Service).
    static func selector(_ service: Service) -> [String: String] {
        [Labels.name: service.name, Labels.instance: service.name, Labels.component: "server"]
    }

    /// The in-cluster URL of a service.
    public static func url(_ service: Service, port: Int? = nil) -> String {
        "http://\(service.name).\(namespace).svc.cluster.local:\(port ?? service.port)"
    }

    /// The ConfigMap's data: where dependencies are, where traces go, then the
    /// blueprint's own configuration (which wins on a clash). Never a secret.
    public static func configuration(_ service: Service, _ context: ClusterContext) -> [String: String] {
        var data: [String: String] = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://tempo.\(ClusterNamespaces.monitoring).svc.cluster.local:4318",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=\(context.scope.environment),cloud.region=\(context.scope.region)",
            "OTEL_SERVICE_NAME": service.name,
            // Where this instance runs, for services that keep data per region (platform-api
            // accepts organizations homed here only).
            "SCAFFOLD_ENVIRONMENT": context.scope.environment,
            "SCAFFOLD_REGION": context.scope.region,
        ]
        var storesByKind: [DataStore.Kind: [(DataStore, Int)]] = [:]
        for dependency in service.dependsOn {
            switch dependency.target {
            case .service(let name):
                guard let target = context.blueprint.service(name) else { continue }
                data["\(Blueprint.environmentName(name))_URL"] = url(target, port: dependency.port)
            case .dataStore(let name):
                guard let store = context.dataStore(name) else { continue }
                let port = dependency.port ?? store.port
                data["\(Blueprint.environmentName(name))_HOST"] = DataStores.host(store)
                data["\(Blueprint.environmentName(name))_PORT"] = String(port)
                storesByKind[store.kind, default: []].append((store, port))
            }
        }
        // The conventional names, when a service uses exactly one store of a kind.
        if let only = storesByKind[.postgresql], only.count == 1 {
            data["DATABASE_HOST"] = DataStores.host(only[0].0)
            data["DATABASE_PORT"] = String(only[0].1)
            data["DATABASE_NAME"] = DataStores.databaseName
        }
        if let only = storesByKind[.redis], only.count == 1 {
            data["REDIS_HOST"] = DataStores.host(only[0].0)
            data["REDIS_PORT"] = String(only[0].1)
        }
        data.merge(ServiceCredentials.settings(service, context)) { _, credential in credential }
        for (name, value) in service.config { data[name] = value }
        return data
    }

    /// The PostgreSQL store a migrating service migrates: its first PostgreSQL dependency here.
    static func migrationStore(_ service: Service, _ context: ClusterContext) -> DataStore? {
        guard service.runsMigrations else { return nil }
        for dependency in service.dependsOn {
            if case .dataStore(let name) = dependency.target, let store = context.dataStore(name), store.kind == .postgresql { return store }
        }
        return nil
    }

    static func serviceObject(_ service: Service, _ context: ClusterContext, _ labels: [String: String]) -> YAMLNode {
        var ports: [YAMLNode] = [.map([("name", "http"), ("port", .int(service.port)), ("targetPort", "http"), ("protocol", "TCP")])]
        if service.metricsPort != service.port {
            ports.append(.map([("name", "metrics"), ("port", .int(service.metricsPort)), ("targetPort", "metrics"), ("protocol", "TCP")]))
        }
        return K8s.object("v1", "Service", name: service.name, namespace: namespace, labels: labels,
                          annotations: SyncWave.annotations(SyncWave.configuration), [
            ("spec", .map([("type", "ClusterIP"), ("selector", .sortedStrings(selector(service))), ("ports", .sequence(ports))])),
        ])
    }

    /// The hardened container security context.
    static let containerSecurity: YAMLNode = .map([
        ("allowPrivilegeEscalation", false),
        ("privileged", false),
        ("readOnlyRootFilesystem", true),
        ("runAsNonRoot", true),
        ("capabilities", .map([("drop", ["ALL"])])),
        ("seccompProfile", .map([("type", "RuntimeDefault")])),
    ])

    static let podSecurity: YAMLNode = .map([
        ("runAsNonRoot", true),
        ("runAsUser", .int(runAsUser)),
        ("runAsGroup", .int(runAsUser)),
        ("fsGroup", .int(runAsUser)),
        ("seccompProfile", .map([("type", "RuntimeDefault")])),
    ])

    static func resources(_ resources: Resources) -> YAMLNode {
        .map([
            ("requests", .map([("cpu", .string(resources.requests.cpu.text)), ("memory", .string(resources.requests.memory.text))])),
            ("limits", .map([("cpu", .string(resources.limits.cpu.text)), ("memory", .string(resources.limits.memory.text))])),
        ])
    }

    static func image(_ service: Service, _ context: ClusterContext) -> String { "\(service.image)@\(context.digest(of: service))" }

    /// `app.kubernetes.io/version`: the digest's first 12 hex digits (a label value cannot hold `sha256:`).
    static func version(_ service: Service, _ context: ClusterContext) -> String {
        let digest = context.digest(of: service)
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return String(hex.prefix(12))
    }

    static func probe(_ path: String, period: Int, failures: Int) -> YAMLNode {
        .map([
            ("httpGet", .map([("path", .string(path)), ("port", "http")])),
            ("periodSeconds", .int(period)),
            ("timeoutSeconds", 2),
            ("failureThreshold", .int(failures)),
        ])
    }

    /// The pod template's shared parts: identity, security, residency.
    static func podSpec(_ service: Service, _ context: ClusterContext, containers: [YAMLNode], extra: [(String, YAMLNode)],
                        secret: String? = nil) -> YAMLNode {
        var volumes: [YAMLNode] = [.map([("name", "tmp"), ("emptyDir", .map([("sizeLimit", "64Mi")]))])]
        if let secret {
            // Readable by the pod's group only (fsGroup), never written.
            volumes.append(.map([("name", "secrets"), ("secret", .map([("secretName", .string(secret)), ("defaultMode", .int(0o440))]))]))
        }
        return
        .map([
            ("serviceAccountName", .string(service.name)),
            ("automountServiceAccountToken", .bool(service.serviceAccountToken)),
            ("enableServiceLinks", false),
            // Residency: the region's own nodes only (Kyverno enforces it too).
            ("nodeSelector", .sortedStrings([Residency.nodeLabel: context.scope.region])),
            ("securityContext", podSecurity),
        ] + extra + [
            ("containers", .sequence(containers)),
            ("volumes", .sequence(volumes)),
        ])
    }

    /// `/tmp`, and the mounted Secret when there is one.
    static func volumeMounts(secrets: Bool) -> YAMLNode {
        var mounts: [YAMLNode] = [.map([("name", "tmp"), ("mountPath", "/tmp")])]
        if secrets { mounts.append(.map([("name", "secrets"), ("mountPath", .string(ServiceCredentials.directory)), ("readOnly", true)])) }
        return .sequence(mounts)
    }

    static func deployment(_ service: Service, _ context: ClusterContext, _ labels: [String: String], _ configuration: [String: String]) -> YAMLNode {
        var podLabels = labels
        podLabels[Labels.version] = version(service, context)
        var ports: [YAMLNode] = [.map([("name", "http"), ("containerPort", .int(service.port)), ("protocol", "TCP")])]
        if service.metricsPort != service.port {
            ports.append(.map([("name", "metrics"), ("containerPort", .int(service.metricsPort)), ("protocol", "TCP")]))
        }
        var container: [(String, YAMLNode)] = [
            ("name", .string(service.name)),
            ("image", .string(image(service, context))),
            ("imagePullPolicy", "IfNotPresent"),
            ("ports", .sequence(ports)),
            ("envFrom", [.map([("configMapRef", .map([("name", .string(configMapName(service)))]))])]),
        ]
        let hasSecrets = !ServiceCredentials.entries(service, context).isEmpty
        let secrets = ServiceCredentials.environment(service, context, secretName: secretName(service))
        if !secrets.isEmpty { container.append(("env", .sequence(secrets))) }
        container += [
            ("resources", resources(service.resources)),
            ("startupProbe", probe(service.startup, period: 5, failures: 30)),
            ("livenessProbe", probe(service.liveness, period: 10, failures: 3)),
            ("readinessProbe", probe(service.readiness, period: 5, failures: 3)),
            ("securityContext", containerSecurity),
            ("volumeMounts", volumeMounts(secrets: hasSecrets)),
        ]
        let selector = selector(service)
        let spread: YAMLNode = .sequence([
            ("topology.kubernetes.io/zone", "ScheduleAnyway"),
            ("kubernetes.io/hostname", "DoNotSchedule"),
        ].map { key, action in
            .map([
                ("maxSkew", 1),
                ("topologyKey", .string(key)),
                ("whenUnsatisfiable", .string(action)),
                ("labelSelector", K8s.matchLabels(selector)),
            ])
        })
        let configHash = ContentHash.sha256(configuration.keys.sorted().map { "\($0)=\(configuration[$0]!)\n" }.joined())
        var annotations = SyncWave.annotations(SyncWave.workloads)
        if service.secretDelivery == .environment && hasSecrets {
            annotations["checkov.io/skip1"] = "CKV_K8S_35=secretDelivery: environment in the blueprint (the service reads its secrets from environment variables)"
        }
        return K8s.object("apps/v1", "Deployment", name: service.name, namespace: namespace, labels: labels,
                          annotations: annotations, [
            ("spec", .map([
                // No `replicas`: the HorizontalPodAutoscaler owns the count.
                ("revisionHistoryLimit", 5),
                ("selector", K8s.matchLabels(selector)),
                ("strategy", .map([("type", "RollingUpdate"), ("rollingUpdate", .map([("maxSurge", "25%"), ("maxUnavailable", 0)]))])),
                ("template", .map([
                    ("metadata", .map([
                        ("labels", .sortedStrings(podLabels)),
                        ("annotations", .sortedStrings(["scaffold.dev/config-hash": String(configHash.prefix(16))])),
                    ])),
                    ("spec", podSpec(service, context, containers: [.map(container)], extra: [
                        ("terminationGracePeriodSeconds", 30),
                        ("topologySpreadConstraints", spread),
                    ], secret: hasSecrets ? secretName(service) : nil)),
                ])),
            ])),
        ])
    }

    /// `platform-api migrate` as an Argo CD Sync hook in the wave before the
    /// Deployment: the schema is current before new pods start.
    static func migrationJob(_ service: Service, _ store: DataStore, _ context: ClusterContext, _ configuration: [String: String]) -> YAMLNode {
        var labels = context.labels(name: service.name, component: "migration")
        labels[Labels.version] = version(service, context)
        let url = "postgres://\(DataStores.migratorRole)@\(DataStores.host(store)):\(store.port)/\(DataStores.databaseName)"
            + "?sslmode=verify-full&sslrootcert=\(ServiceCredentials.path("ca.crt"))"
        let container: YAMLNode = .map([
            ("name", "migrate"),
            ("image", .string(image(service, context))),
            ("imagePullPolicy", "IfNotPresent"),
            ("args", ["migrate"]),
            ("env", [
                .map([("name", "MIGRATION_DATABASE_URL"), ("value", .string(url))]),
                .map([("name", "PGPASSWORD_FILE"), ("value", .string(ServiceCredentials.path("password")))]),
                // Where the image carries them (PlatformAPIImage), not the working directory's guess.
                .map([("name", "PLATFORM_API_MIGRATIONS_DIR"), ("value", .string(PlatformAPIImage.migrationsDirectory))]),
            ]),
            ("resources", resources(service.resources)),
            ("securityContext", containerSecurity),
            ("volumeMounts", volumeMounts(secrets: true)),
        ])
        var annotations = SyncWave.annotations(SyncWave.migrations)
        annotations["argocd.argoproj.io/hook"] = "Sync"
        annotations["argocd.argoproj.io/hook-delete-policy"] = "BeforeHookCreation"
        return K8s.object("batch/v1", "Job", name: "\(service.name)-migrate", namespace: namespace, labels: labels, annotations: annotations, [
            ("spec", .map([
                ("backoffLimit", 3),
                ("activeDeadlineSeconds", 900),
                ("ttlSecondsAfterFinished", 86400),
                ("template", .map([
                    ("metadata", .map([("labels", .sortedStrings(labels))])),
                    ("spec", podSpec(service, context, containers: [container], extra: [("restartPolicy", "Never")],
                                     secret: migratorSecretName(service))),
                ])),
            ])),
        ])
    }

    static func autoscaler(_ service: Service, _ context: ClusterContext, _ labels: [String: String]) -> YAMLNode {
        let replicas = context.replicas(of: service)
        return K8s.object("autoscaling/v2", "HorizontalPodAutoscaler", name: service.name, namespace: namespace, labels: labels,
                          annotations: SyncWave.annotations(SyncWave.workloads), [
            ("spec", .map([
                ("scaleTargetRef", .map([("apiVersion", "apps/v1"), ("kind", "Deployment"), ("name", .string(service.name))])),
                ("minReplicas", .int(replicas.min)),
                ("maxReplicas", .int(max(replicas.min, replicas.max))),
                ("metrics", [.map([
                    ("type", "Resource"),
                    ("resource", .map([("name", "cpu"), ("target", .map([("type", "Utilization"), ("averageUtilization", 70)]))])),
                ])]),
            ])),
        ])
    }

    static func disruptionBudget(_ service: Service, _ labels: [String: String]) -> YAMLNode {
        K8s.object("policy/v1", "PodDisruptionBudget", name: service.name, namespace: namespace, labels: labels,
                   annotations: SyncWave.annotations(SyncWave.workloads), [
            ("spec", .map([
                ("maxUnavailable", 1),
                ("unhealthyPodEvictionPolicy", "AlwaysAllow"),
                ("selector", K8s.matchLabels(selector(service))),
            ])),
        ])
    }

    /// The service's Ingress: its hosts under `tls` without a secret of their own, served
    /// with the cluster's certificate (``IngressCertificates``).
    static func ingress(_ service: Service, hosts: [String], _ labels: [String: String]) -> YAMLNode {
        let path = service.expose?.path ?? "/"
        return K8s.object("networking.k8s.io/v1", "Ingress", name: service.name, namespace: namespace, labels: labels,
                          annotations: SyncWave.annotations(SyncWave.workloads).merging(["nginx.ingress.kubernetes.io/ssl-redirect": "true"]) { $1 }, [
            ("spec", .map([
                ("ingressClassName", "nginx"),
                ("tls", [.map([("hosts", .sequence(hosts.map { .string($0) }))])]),
                ("rules", .sequence(hosts.map { host in
                    .map([
                        ("host", .string(host)),
                        ("http", .map([("paths", [.map([
                            ("path", .string(path)),
                            ("pathType", "Prefix"),
                            ("backend", .map([("service", .map([("name", .string(service.name)), ("port", .map([("name", "http")]))]))])),
                        ])])])),
                    ])
                })),
            ])),
        ])
    }
}
