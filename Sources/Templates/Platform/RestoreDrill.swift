import BlueprintModel
import Renderer

/// The restore drill: per PostgreSQL store of a cluster that takes backups, a CronJob
/// (`backup.restoreDrill`, weekly by default) that proves the latest backup restores.
///
/// In the store's own namespace (its network allowlists already let CloudNativePG's pods
/// reach the object storage, each other and the API, and the operator reach them), the
/// Job's init containers, in order:
/// 1. delete the previous drill's scratch cluster, if any;
/// 2. create a scratch CloudNativePG cluster bootstrapped by `recovery` from the store's
///    backups in the region's bucket (its own WAL is never archived: nothing is written
///    back), and wait until it is ready;
/// 3. run ``RestoreVerification``'s checks on it with `psql`: on the store holding the
///    platform's schema, tenant tables present, row-level security enabled and forced,
///    policies in place, rows per organization; on any other store, that it answers.
///
/// Then the Job's container deletes the scratch cluster. A failed step fails the Job (a
/// failed drill keeps its scratch cluster for inspection until the next run replaces it);
/// kube-state-metrics reports the Job and the CronJob's last success, which
/// ``PlatformAlerts`` alert on. The images need no shell: each step is one command.
public enum RestoreDrill {
    /// kubectl, from the Kubernetes project's registry (no shell in it).
    public static let kubectlImage = "registry.k8s.io/kubectl:v1.33.0"
    /// How long a drill may run, restore included.
    public static let deadlineSeconds = 4 * 3600

    public static func name(_ store: DataStore) -> String { "\(store.name)-restore-drill" }
    /// The scratch cluster the drill restores into.
    public static func scratchCluster(_ store: DataStore) -> String { "\(store.name)-drill" }
    static func superuserSecret(_ store: DataStore) -> String { "\(scratchCluster(store))-superuser" }
    /// The key of the superuser Secret holding `psql`'s connection service file, and the service's name.
    static let serviceFile = "pg_service.conf"
    static let serviceName = "drill"

    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        guard let target = BackupTarget.of(context), let backup = context.blueprint.backup else { return [] }
        return context.dataStores.filter { $0.kind == .postgresql }.flatMap { objects($0, target: target, schedule: backup.restoreDrill, context) }
    }

    static func objects(_ store: DataStore, target: BackupTarget, schedule: String, _ context: ClusterContext) -> [YAMLNode] {
        let namespace = ClusterNamespaces.dataStore(store.name)
        let name = name(store)
        let labels = context.labels(name: name, component: "restore-drill")
        let annotations = SyncWave.annotations(SyncWave.configuration)
        let account = K8s.object("v1", "ServiceAccount", name: name, namespace: namespace, labels: labels, annotations: annotations, [])
        let role = K8s.object("rbac.authorization.k8s.io/v1", "Role", name: name, namespace: namespace, labels: labels, annotations: annotations, [
            ("rules", [
                .map([("apiGroups", ["postgresql.cnpg.io"]), ("resources", ["clusters"]), ("verbs", ["create", "get", "list", "watch"])]),
                .map([("apiGroups", ["postgresql.cnpg.io"]), ("resources", ["clusters"]),
                      ("resourceNames", [.string(scratchCluster(store))]), ("verbs", ["delete", "patch"])]),
            ]),
        ])
        let binding = K8s.object("rbac.authorization.k8s.io/v1", "RoleBinding", name: name, namespace: namespace, labels: labels, annotations: annotations, [
            ("roleRef", .map([("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Role"), ("name", .string(name))])),
            ("subjects", [.map([("kind", "ServiceAccount"), ("name", .string(name)), ("namespace", .string(namespace))])]),
        ])
        // The scratch cluster's superuser (CloudNativePG reads `username` and `password`) and
        // the connection service file `psql` reads it from (libpq reads no password from
        // the environment then, and checks no file mode on a service file).
        let service = """
            [\(serviceName)]
            host=\(scratchCluster(store))-rw
            dbname=\(DataStores.databaseName)
            user=postgres
            password={{ .password }}
            sslmode=require

            """
        let superuser = ExternalSecrets.object(
            name: superuserSecret(store), namespace: namespace, context: context, component: "restore-drill",
            data: [("password", .platform(context, "data", store.name, "restore-drill-superuser-password", .random(bytes: 24)))],
            type: "kubernetes.io/basic-auth",
            template: ["username": "postgres", "password": "{{ .password }}", serviceFile: service], wave: SyncWave.secrets)
        let files = K8s.object("v1", "ConfigMap", name: name, namespace: namespace, labels: labels, annotations: annotations, [
            ("data", .map([
                ("cluster.yaml", .string(YAMLPrinter.print(scratchClusterObject(store, target: target, context)))),
                ("verify.sql", .string(verification(store, context))),
            ])),
        ])
        return [account, role, binding, superuser, files, cronJob(store, schedule: schedule, context)]
    }

    /// The checks for a store: tenant isolation where a service migrates the platform's
    /// schema into it, else that the restored database answers.
    public static func verification(_ store: DataStore, _ context: ClusterContext) -> String {
        let holdsPlatformSchema = context.services.contains { ServiceWorkloads.migrationStore($0, context)?.name == store.name }
        return holdsPlatformSchema ? RestoreVerification.script() : RestoreVerification.genericScript()
    }

    /// The scratch cluster: one instance, restored from the store's backups.
    static func scratchClusterObject(_ store: DataStore, target: BackupTarget, _ context: ClusterContext) -> YAMLNode {
        let name = scratchCluster(store)
        return K8s.object("postgresql.cnpg.io/v1", "Cluster", name: name, namespace: ClusterNamespaces.dataStore(store.name),
                          labels: context.labels(name: name, component: "restore-drill"), annotations: [:], [
            ("spec", .map([
                ("instances", 1),
                ("imageName", .string(DataStores.postgresqlImage)),
                ("enableSuperuserAccess", true),
                ("superuserSecret", .map([("name", .string(superuserSecret(store)))])),
                ("storage", .map([("size", .string(store.storage.text))])),
                ("resources", WorkloadSizing.resources(.dataStore, context, storage: store.storage)),
                ("affinity", .map([("nodeSelector", ComponentValues.nodeSelector(context))])),
                ("bootstrap", .map([("recovery", .map([("source", "origin")]))])),
                ("externalClusters", [.map([
                    ("name", "origin"),
                    ("barmanObjectStore", barmanObjectStore(store, target: target)),
                ])]),
            ])),
        ])
    }

    /// Where the store's backups are, read with the store's own backup credentials.
    static func barmanObjectStore(_ store: DataStore, target: BackupTarget) -> YAMLNode {
        let secret = DataStores.backupSecret(store)
        func ref(_ key: String) -> YAMLNode { .map([("name", .string(secret)), ("key", .string(key))]) }
        var fields: [(String, YAMLNode)] = [
            // The source cluster's own path and server name (its cluster name): barman keeps
            // `<destinationPath>/<serverName>/{base,wals}`.
            ("destinationPath", .string(target.destinationPath(.postgresql(store: store.name)))),
            ("serverName", .string(store.name)),
        ]
        switch target.provider {
        case .s3(let endpoint, _):
            fields.insert(("endpointURL", .string(endpoint)), at: 0)
            fields.append(("s3Credentials", .map([("accessKeyId", ref("ACCESS_KEY_ID")), ("secretAccessKey", ref("ACCESS_SECRET_KEY"))])))
        case .azure:
            fields.append(("azureCredentials", .map([("storageAccount", ref("AZURE_STORAGE_ACCOUNT")), ("storageSasToken", ref("AZURE_STORAGE_SAS_TOKEN"))])))
        case .google:
            fields.append(("googleCredentials", .map([("applicationCredentials", ref("APPLICATION_CREDENTIALS"))])))
        }
        fields.append(("wal", .map([("maxParallel", 4)])))
        return .map(fields)
    }

    static func cronJob(_ store: DataStore, schedule: String, _ context: ClusterContext) -> YAMLNode {
        let namespace = ClusterNamespaces.dataStore(store.name)
        let name = name(store)
        let scratch = scratchCluster(store)
        let labels = context.labels(name: name, component: "restore-drill")
        let small = WorkloadSizing.resources(.sidecar, context)
        let mounts: YAMLNode = [
            .map([("name", "drill"), ("mountPath", "/drill"), ("readOnly", true)]),
            .map([("name", "tmp"), ("mountPath", "/tmp")]),
        ]
        func kubectl(_ step: String, _ arguments: [String]) -> YAMLNode {
            .map([
                ("name", .string(step)),
                ("image", .string(kubectlImage)),
                ("imagePullPolicy", "Always"),
                ("args", .sequence((arguments + ["--namespace", namespace]).map { .string($0) })),
                // kubectl keeps its discovery cache under $HOME: a scratch folder (the root filesystem is read-only).
                ("env", [K8s.env("HOME", "/tmp")]),
                ("volumeMounts", mounts),
                ("resources", small),
                ("securityContext", ServiceWorkloads.containerSecurity),
            ])
        }
        let verify: YAMLNode = .map([
            ("name", "verify"),
            ("image", .string(DataStores.postgresqlImage)),
            ("imagePullPolicy", "Always"),
            ("command", ["psql", "--no-psqlrc", "--file", "/drill/verify.sql"]),
            ("env", [K8s.env("PGSERVICEFILE", "/connection/\(serviceFile)"), K8s.env("PGSERVICE", serviceName)]),
            ("volumeMounts", .sequence((mounts.items ?? []) + [.map([("name", "connection"), ("mountPath", "/connection"), ("readOnly", true)])])),
            ("resources", small),
            ("securityContext", ServiceWorkloads.containerSecurity),
        ])
        let pod: YAMLNode = .map([
            ("metadata", .map([("labels", .sortedStrings(labels))])),
            ("spec", .map([
                ("serviceAccountName", .string(name)),
                ("restartPolicy", "Never"),
                ("nodeSelector", ComponentValues.nodeSelector(context)),
                ("automountServiceAccountToken", true),
                // An unprivileged high user: psql takes its user from the service file, kubectl needs none.
                ("securityContext", ServiceWorkloads.podSecurity),
                ("initContainers", [
                    kubectl("remove-previous", ["delete", "cluster.postgresql.cnpg.io/\(scratch)", "--ignore-not-found", "--wait"]),
                    kubectl("restore", ["apply", "--filename", "/drill/cluster.yaml"]),
                    kubectl("wait-ready", ["wait", "cluster.postgresql.cnpg.io/\(scratch)", "--for=condition=Ready",
                                           "--timeout=\(deadlineSeconds - 600)s"]),
                    verify,
                ]),
                ("containers", [kubectl("clean-up", ["delete", "cluster.postgresql.cnpg.io/\(scratch)", "--wait=false"])]),
                ("volumes", [
                    .map([("name", "drill"), ("configMap", .map([("name", .string(name))]))]),
                    .map([("name", "tmp"), ("emptyDir", .map([("sizeLimit", "64Mi")]))]),
                    .map([("name", "connection"), ("secret", .map([
                        ("secretName", .string(superuserSecret(store))),
                        ("items", [.map([("key", .string(serviceFile)), ("path", .string(serviceFile))])]),
                        ("defaultMode", 0o440),
                    ]))]),
                ]),
            ])),
        ])
        var annotations = SyncWave.annotations(SyncWave.workloads)
        annotations["checkov.io/skip1"] = "CKV_K8S_43=upstream tools pinned by version in a data-store namespace (policy scope baseline), like the store's own chart images"
        annotations["checkov.io/skip2"] = "CKV_K8S_38=kubectl creates, watches and deletes the scratch cluster through the API (its Role allows only that)"
        return K8s.object("batch/v1", "CronJob", name: name, namespace: namespace, labels: labels,
                          annotations: annotations, [
            ("spec", .map([
                ("schedule", .string(schedule)),
                ("concurrencyPolicy", "Forbid"),
                ("startingDeadlineSeconds", 3600),
                ("successfulJobsHistoryLimit", 1),
                ("failedJobsHistoryLimit", 1),
                ("jobTemplate", .map([
                    ("metadata", .map([("labels", .sortedStrings(labels))])),
                    ("spec", .map([
                        ("backoffLimit", 0),
                        ("activeDeadlineSeconds", .int(deadlineSeconds)),
                        // A failed Job stays (and alerts) for six days, then goes before the next weekly run.
                        ("ttlSecondsAfterFinished", .int(6 * 86400)),
                        ("template", pod),
                    ])),
                ])),
            ])),
        ])
    }
}
