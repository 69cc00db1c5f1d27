import BlueprintModel
import Renderer

/// The data stores of a region, each an Argo CD Application (project `data`) of a
/// pinned chart in its own namespace `data-<store>`, with its credentials from the
/// secret store: PostgreSQL as a CloudNativePG cluster (WAL and base backups to the
/// region's own object store), Redis with Sentinel behind HAProxy, MinIO with a user
/// and a least-privilege policy per client (``ObjectStoreUsers``).
public enum DataStores {
    public static func chart(for kind: DataStore.Kind) -> ChartPin {
        switch kind {
        case .postgresql: ChartPin("https://cloudnative-pg.github.io/charts", "cluster", "0.3.1")
        case .redis: ChartPin("https://dandydeveloper.github.io/charts", "redis-ha", "4.33.7")
        case .minio: ChartPin("https://charts.min.io", "minio", "5.4.0")
        }
    }

    /// The Application (and Helm release) name of a store.
    public static func applicationName(_ store: DataStore) -> String { "data-\(store.name)" }

    /// The in-cluster host clients connect to.
    public static func host(_ store: DataStore) -> String {
        let service = switch store.kind {
        case .postgresql: "\(store.name)-rw"
        case .redis: "\(store.name)-haproxy"
        case .minio: store.name
        }
        return "\(service).\(ClusterNamespaces.dataStore(store.name)).svc.cluster.local"
    }

    /// The database every PostgreSQL store creates, owned by the migrator role.
    public static let databaseName = "scaffold"
    /// CloudNativePG's PostgreSQL image (the cluster chart's default, named here so the
    /// restore drill restores with the same major version and runs its `psql`).
    public static let postgresqlImage = "ghcr.io/cloudnative-pg/postgresql:16"
    public static let migratorRole = DatabaseMigrations.migratorRole
    /// The role every service connects as (NOBYPASSRLS; migration 0001 checks it).
    public static let applicationRole = DatabaseMigrations.applicationRole

    /// Secret names.
    public static func migratorSecret(_ store: DataStore) -> String { "\(store.name)-migrator" }
    public static func backupSecret(_ store: DataStore) -> String { "\(store.name)-backup-credentials" }
    public static func authSecret(_ store: DataStore) -> String { "\(store.name)-auth" }
    public static func rootSecret(_ store: DataStore) -> String { "\(store.name)-root-credentials" }
    public static func applicationSecret(_ store: DataStore) -> String { "\(store.name)-app" }
    public static func serverTLSSecret(_ store: DataStore) -> String { "\(store.name)-server-tls" }
    public static func serverCASecret(_ store: DataStore) -> String { "\(store.name)-server-ca" }
    /// HAProxy's certificate and key in one PEM file, when a Redis store has `tls`.
    public static func proxyTLSSecret(_ store: DataStore) -> String { "\(store.name)-haproxy-tls" }
    static let proxyPEM = "redis.pem"

    /// The migrator role's password (shared by the store and every migration Job).
    public static func migratorPasswordKey(_ context: ClusterContext, _ store: DataStore) -> SecretStoreKey {
        .platform(context, "data", store.name, "migrator-password", .random(bytes: 24))
    }

    /// The password of the user a client logs in as: PostgreSQL's application role (a
    /// CloudNativePG managed role), Redis' `requirepass`. One key per user, read by the
    /// server and by every client. (A MinIO client is a user of its own:
    /// ``ObjectStoreUsers/secretKey(_:_:_:)``.)
    public static func clientPasswordKey(_ context: ClusterContext, _ store: DataStore) -> SecretStoreKey {
        switch store.kind {
        case .postgresql: .platform(context, "data", store.name, "app-password", .random(bytes: 24))
        case .redis, .minio: .platform(context, "data", store.name, "password", .random(bytes: 24))
        }
    }

    /// The server certificate of a store (PostgreSQL; Redis with `tls`), its key, and the CA
    /// that issued it: clients verify ``host(_:)``, which the certificate names.
    public static func serverCertificateKeys(_ context: ClusterContext, _ store: DataStore)
        -> (certificate: SecretStoreKey, privateKey: SecretStoreKey, authority: SecretStoreKey) {
        let host = host(store)
        return (.platform(context, "data", store.name, "server-certificate", .certificate(host: host)),
                .platform(context, "data", store.name, "server-private-key", .privateKey(host: host)),
                .platform(context, "data", store.name, "server-ca-certificate", .certificateAuthority(host: host)))
    }

    public static func valuesPath(_ store: DataStore, _ scope: ClusterScope) -> String {
        "\(ClusterArea.data.directory(scope))/values/\(applicationName(store)).yaml"
    }

    public static func files(_ context: ClusterContext) -> [RenderedFile] {
        let builder = context.builder
        let directory = ClusterArea.data.directory(context.scope)
        var files: [RenderedFile] = []
        for store in context.dataStores {
            files.append(builder.file(.ops, "\(directory)/\(applicationName(store)).yaml", objects(store, context)))
            files.append(builder.file(.ops, valuesPath(store, context.scope), [values(store, context)]))
        }
        return files
    }

    /// The Application and credentials of one store.
    public static func objects(_ store: DataStore, _ context: ClusterContext) -> [YAMLNode] {
        let namespace = ClusterNamespaces.dataStore(store.name)
        let application = ArgoCD.chartApplication(
            name: applicationName(store), project: ArgoCD.Project.data, chart: chart(for: store.kind), namespace: namespace,
            valuesPath: valuesPath(store, context.scope), context: context, wave: SyncWave.data, prunes: false, component: "data-store")
        var objects = [application]
        let key = { (item: String, bytes: Int) in SecretStoreKey.platform(context, "data", store.name, item, .random(bytes: bytes)) }
        switch store.kind {
        case .postgresql:
            objects.append(ExternalSecrets.object(
                name: migratorSecret(store), namespace: namespace, context: context, component: "data-store",
                data: [("password", migratorPasswordKey(context, store))], type: "kubernetes.io/basic-auth",
                template: ["username": migratorRole, "password": "{{ .password }}"], wave: SyncWave.secrets))
            objects.append(ExternalSecrets.object(
                name: applicationSecret(store), namespace: namespace, context: context, component: "data-store",
                data: [("password", clientPasswordKey(context, store))], type: "kubernetes.io/basic-auth",
                template: ["username": applicationRole, "password": "{{ .password }}"], wave: SyncWave.secrets))
            let certificate = serverCertificateKeys(context, store)
            objects.append(ExternalSecrets.object(
                name: serverTLSSecret(store), namespace: namespace, context: context, component: "data-store",
                data: [("certificate", certificate.certificate), ("privateKey", certificate.privateKey)],
                type: "kubernetes.io/tls", template: ["tls.crt": "{{ .certificate }}", "tls.key": "{{ .privateKey }}"], wave: SyncWave.secrets))
            objects.append(ExternalSecrets.object(
                name: serverCASecret(store), namespace: namespace, context: context, component: "data-store",
                data: [("authority", certificate.authority)], template: ["ca.crt": "{{ .authority }}"], wave: SyncWave.secrets))
            // The backup writer's own credential for the region's backup bucket.
            if let target = BackupTarget.of(context) {
                objects.append(Backups.credentials(target, .postgresql(store: store.name), name: backupSecret(store), namespace: namespace,
                                                   component: "data-store", context))
            }
            objects += Supabase.storeObjects(store, context)
        case .redis:
            objects.append(ExternalSecrets.object(
                name: authSecret(store), namespace: namespace, context: context, component: "data-store",
                data: [("password", clientPasswordKey(context, store))], wave: SyncWave.secrets))
            if store.tls {
                let certificate = serverCertificateKeys(context, store)
                objects.append(ExternalSecrets.object(
                    name: proxyTLSSecret(store), namespace: namespace, context: context, component: "data-store",
                    data: [("certificate", certificate.certificate), ("privateKey", certificate.privateKey)],
                    template: [proxyPEM: "{{ .certificate }}\n{{ .privateKey }}"], wave: SyncWave.secrets))
            }
        case .minio:
            objects.append(ExternalSecrets.object(
                name: rootSecret(store), namespace: namespace, context: context, component: "data-store",
                data: [("rootUser", key("root-user", 8)), ("rootPassword", key("root-password", 24))], wave: SyncWave.secrets))
            objects += ObjectStoreUsers.externalSecrets(store, context)
        }
        return objects
    }

    /// Replicas of a store: one on a local cluster, three in production, two elsewhere
    /// (three for Redis outside a local cluster: Sentinel needs a quorum).
    static func replicas(_ store: DataStore, _ context: ClusterContext) -> Int {
        if context.environment.isLocal { return 1 }
        if store.kind == .redis { return 3 }
        return ComponentValues.highAvailability(context)
    }

    /// Helm values of one store.
    public static func values(_ store: DataStore, _ context: ClusterContext) -> YAMLNode {
        let replicas = replicas(store, context)
        let nodeSelector = ComponentValues.nodeSelector(context)
        let size = { (role: WorkloadSizing.Role) in WorkloadSizing.resources(role, context, storage: store.storage) }
        switch store.kind {
        case .postgresql:
            var backups: [(String, YAMLNode)] = [("enabled", .bool(BackupTarget.of(context) != nil))]
            if let target = BackupTarget.of(context), let backup = context.blueprint.backup {
                backups += Backups.postgresqlValues(target, store: store)
                backups += [
                    ("secret", .map([("create", false), ("name", .string(backupSecret(store)))])),
                    ("wal", .map([("compression", "gzip")])),
                    ("data", .map([("compression", "gzip")])),
                    ("scheduledBackups", [.map([
                        ("name", "scheduled"),
                        // CloudNativePG schedules have a leading seconds field.
                        ("schedule", .string("0 \(backup.schedule)")),
                        ("backupOwnerReference", "self"),
                        ("method", "barmanObjectStore"),
                    ])]),
                    ("retentionPolicy", .string(retentionDays(backup.retention))),
                ]
            }
            return .map([
                ("fullnameOverride", .string(store.name)),
                ("type", "postgresql"),
                ("mode", "standalone"),
                ("cluster", .map([
                    ("instances", .int(replicas)),
                    ("imageName", .string(postgresqlImage)),
                    ("storage", .map([("size", .string(store.storage.text))])),
                    // The operator gives its initdb and join Jobs the instances' resources and affinity too.
                    ("resources", size(.dataStore)),
                    ("affinity", .map([("nodeSelector", nodeSelector), ("topologyKey", "kubernetes.io/hostname")])),
                    ("monitoring", .map([("enabled", true), ("podMonitor", .map([("enabled", true)]))])),
                    ("initdb", .map([
                        ("database", .string(databaseName)),
                        ("owner", .string(migratorRole)),
                        ("secret", .map([("name", .string(migratorSecret(store)))])),
                    ] + (Supabase.postInitSQL(store, context).isEmpty ? [] : [
                        ("postInitSQL", .sequence(Supabase.postInitSQL(store, context).map { .string($0) })),
                    ]))),
                    // Server certificate from the secret store, so clients verify the host
                    // (`sslmode=verify-full`) against a CA they receive from the same store.
                    ("certificates", .map([
                        ("serverCASecret", .string(serverCASecret(store))),
                        ("serverTLSSecret", .string(serverTLSSecret(store))),
                    ])),
                    ("roles", .sequence(managedRoles(store) + Supabase.managedRoles(store, context))),
                ])),
                ("backups", .map(backups)),
            ])
        case .redis:
            return .map([
                ("fullnameOverride", .string(store.name)),
                ("replicas", .int(replicas)),
                ("auth", true),
                ("existingSecret", .string(authSecret(store))),
                ("authKey", "password"),
                // The chart's Roles only let the pods read Endpoints, which nothing in them does
                // (Sentinel and HAProxy find each other through the announce Services' DNS),
                // and the `data` project admits no RBAC: no Roles, no API tokens.
                ("rbac", .map([("create", false)])),
                ("serviceAccount", .map([("automountToken", false)])),
                ("redis", .map([
                    // A lone primary has no replica to acknowledge writes.
                    ("config", .map([("min-replicas-to-write", .int(replicas > 1 ? 1 : 0))])),
                    ("resources", size(.dataStore)),
                ])),
                ("sentinel", .map([("quorum", .int(sentinelQuorum(replicas))), ("resources", size(.agent))])),
                ("init", .map([("resources", size(.sidecar))])),
                ("splitBrainDetection", .map([("resources", size(.sidecar))])),
                ("haproxy", .map([
                    ("enabled", true),
                ] + (store.tls ? [
                    // Clients' TLS ends here, with the certificate of the host they dial.
                    ("tls", .map([("enabled", true), ("secretName", .string(proxyTLSSecret(store))), ("keyName", .string(proxyPEM)),
                                  ("certMountPath", "/etc/haproxy-tls/")])),
                ] : []) + [
                    ("replicas", .int(min(replicas, 2))),
                    ("nodeSelector", nodeSelector),
                    ("serviceAccount", .map([("automountToken", false)])),
                    ("resources", size(.agent)),
                    ("init", .map([("resources", size(.sidecar))])),
                ])),
                ("persistentVolume", .map([("enabled", true), ("size", .string(store.storage.text))])),
                ("nodeSelector", nodeSelector),
                ("exporter", .map([("enabled", true), ("serviceMonitor", .map([("enabled", true)])), ("resources", size(.sidecar))])),
            ])
        case .minio:
            let distributed = replicas > 1
            let users = ObjectStoreUsers.values(store, context)
            var pairs: [(String, YAMLNode)] = [
                ("fullnameOverride", .string(store.name)),
                ("mode", distributed ? "distributed" : "standalone"),
            ]
            if distributed { pairs.append(("replicas", 4)) }
            pairs += [
                ("existingSecret", .string(rootSecret(store))),
                ("persistence", .map([("enabled", true), ("size", .string(store.storage.text))])),
                // Backups never go into the cluster's own MinIO (``BackupTarget``): no backup bucket here.
                ("buckets", .sequence(context.blueprint.applicationBuckets(of: store).sorted().map { bucket in
                    .map([("name", .string(bucket)), ("policy", "none"), ("purge", false), ("versioning", true)])
                })),
                ("nodeSelector", nodeSelector),
                ("resources", size(.dataStore)),
                // One user per client, each with its own least-privilege policy; no built-in
                // `console` user with the chart's well-known password.
                ("users", users.users),
                ("policies", users.policies),
                // The post-install Job creating the buckets: region nodes, sized, like the server.
                ("postJob", .map([("nodeSelector", nodeSelector)])),
            ]
            for job in ["makeBucketJob", "makeUserJob", "makePolicyJob", "makeServiceAccountJob", "customCommandJob"] {
                pairs.append((job, .map([("resources", size(.sidecar))])))
            }
            pairs += [
                ("metrics", .map([("serviceMonitor", .map([("enabled", true)]))])),
            ]
            return .map(pairs)
        }
    }

    /// CloudNativePG's managed roles: the migrator gets what the migrations need
    /// (CREATEROLE, to create the application role's grants), the application role logs in
    /// with its generated password and can neither bypass row-level security nor inherit.
    static func managedRoles(_ store: DataStore) -> [YAMLNode] {
        [
            .map([
                ("name", .string(applicationRole)),
                ("ensure", "present"),
                ("comment", "platform services: row-level security applies"),
                ("login", true),
                ("inherit", false),
                ("superuser", false),
                ("createdb", false),
                ("createrole", false),
                ("replication", false),
                ("bypassrls", false),
                ("passwordSecret", .map([("name", .string(applicationSecret(store)))])),
            ]),
            .map([
                ("name", .string(migratorRole)),
                ("ensure", "present"),
                ("comment", "runs the migrations, owns the schema"),
                ("login", true),
                ("superuser", false),
                ("createdb", false),
                ("createrole", true),
                ("replication", false),
                ("bypassrls", false),
                ("passwordSecret", .map([("name", .string(migratorSecret(store)))])),
            ]),
        ]
    }

    /// Sentinels that must agree a primary is down: a majority of them (one per replica).
    static func sentinelQuorum(_ replicas: Int) -> Int { replicas / 2 + 1 }

    /// A retention such as `720h` or `30d` as CloudNativePG days (`30d`), rounded up.
    static func retentionDays(_ retention: String) -> String {
        if retention.hasSuffix("d"), Int(retention.dropLast()) != nil { return retention }
        if retention.hasSuffix("h"), let hours = Int(retention.dropLast()) { return "\(max(1, (hours + 23) / 24))d" }
        if retention.hasSuffix("m"), let minutes = Int(retention.dropLast()) { return "\(max(1, (minutes + 1439) / 1440))d" }
        return "30d"
    }
}
