import BlueprintModel
import Renderer

/// Backups of a cluster into the region's own object storage outside it
/// (``BackupTarget``): CloudNativePG archives each PostgreSQL store's WAL and base
/// backups (values in ``DataStores``); Velero keeps cluster state and the volumes that
/// are not databases — the services', the tenants' and MinIO's (object data), never
/// PostgreSQL's (its own backups cover it) nor Redis's (a cache). Each writer has its own
/// credential from the secret store, and its own prefix of the bucket. Nothing is
/// copied out of the region; local clusters take no backups.
public enum Backups {
    public static let credentialsSecret = "velero-cloud-credentials"
    public static let locationName = "regional"

    /// The Velero Schedule's name (its backups carry it in the `schedule` metric label).
    public static func scheduleName(_ context: ClusterContext) -> String { "\(context.platform)-scheduled" }

    /// The namespaces Velero backs up: workloads, tenants and object stores (their volumes
    /// file by file); PostgreSQL and Redis namespaces are left to their own backups.
    public static func namespaces(_ context: ClusterContext) -> [String] {
        let stores = context.dataStores.filter { $0.kind == .minio }.map { ClusterNamespaces.dataStore($0.name) }
        let apps = context.services.isEmpty ? [] : [ClusterNamespaces.apps]
        return (apps + stores + context.organizations.map { TenantNamespaces.namespace(of: $0.id) }).sorted()
    }

    /// The Velero plugin that talks to the provider (S3's when there is none).
    public static func veleroPlugin(_ provider: BackupTarget.Provider?) -> (name: String, image: String) {
        switch provider {
        case .s3, nil: ("velero-plugin-for-aws", "velero/velero-plugin-for-aws:v1.12.1")
        case .azure: ("velero-plugin-for-microsoft-azure", "velero/velero-plugin-for-microsoft-azure:v1.12.1")
        case .google: ("velero-plugin-for-gcp", "velero/velero-plugin-for-gcp:v1.12.1")
        }
    }

    /// A writer's credential Secret, from the secret store: the keys CloudNativePG's
    /// `barmanObjectStore` reads, or Velero's `cloud` credentials file.
    static func credentials(_ target: BackupTarget, _ writer: BackupTarget.Writer, name: String, namespace: String,
                            component: String, _ context: ClusterContext) -> YAMLNode {
        let keys = target.credentialKeys(writer, context)
        let template: [String: String]
        switch (target.provider, writer) {
        case (.s3, .postgresql):
            template = ["ACCESS_KEY_ID": "{{ .accessKeyId }}", "ACCESS_SECRET_KEY": "{{ .secretAccessKey }}"]
        case (.s3, .velero):
            template = ["cloud": "[default]\naws_access_key_id={{ .accessKeyId }}\naws_secret_access_key={{ .secretAccessKey }}\n"]
        case (.azure(let account, _), .postgresql):
            template = ["AZURE_STORAGE_ACCOUNT": account, "AZURE_STORAGE_SAS_TOKEN": "{{ .sasToken }}"]
        case (.azure, .velero):
            template = ["cloud": "AZURE_STORAGE_ACCOUNT_ACCESS_KEY={{ .storageKey }}\nAZURE_CLOUD_NAME=AzurePublicCloud\n"]
        case (.google, .postgresql):
            template = ["APPLICATION_CREDENTIALS": "{{ .serviceAccountKey }}"]
        case (.google, .velero):
            template = ["cloud": "{{ .serviceAccountKey }}"]
        }
        return ExternalSecrets.object(name: name, namespace: namespace, context: context, component: component,
                                      data: keys.map { ($0.field, $0.key) }, template: template, wave: SyncWave.secrets)
    }

    /// The `backups` values of the CloudNativePG `cluster` chart naming where a store's
    /// WAL and base backups go (the credentials Secret and schedule are the caller's).
    static func postgresqlValues(_ target: BackupTarget, store: DataStore) -> [(String, YAMLNode)] {
        let writer = BackupTarget.Writer.postgresql(store: store.name)
        let path = "/\(writer.prefix)"
        switch target.provider {
        case .s3(let endpoint, let region):
            return [("endpointURL", .string(endpoint)), ("provider", "s3"),
                    ("s3", .map([("region", .string(region)), ("bucket", .string(target.bucket)), ("path", .string(path))]))]
        case .azure(let account, _):
            return [("provider", "azure"),
                    ("azure", .map([("storageAccount", .string(account)), ("containerName", .string(target.bucket)), ("path", .string(path))]))]
        case .google:
            return [("provider", "google"), ("google", .map([("bucket", .string(target.bucket)), ("path", .string(path))]))]
        }
    }

    /// Velero's BackupStorageLocation `spec` for the target.
    static func location(_ target: BackupTarget) -> YAMLNode {
        let (provider, config): (String, [String: String]) = switch target.provider {
        case .s3(let endpoint, let region): ("aws", ["region": region, "s3ForcePathStyle": "true", "s3Url": endpoint])
        case .azure(let account, let group): ("azure", ["resourceGroup": group, "storageAccount": account,
                                                        "storageAccountKeyEnvVar": "AZURE_STORAGE_ACCOUNT_ACCESS_KEY"])
        case .google: ("gcp", [:])
        }
        var spec: [(String, YAMLNode)] = [
            ("provider", .string(provider)),
            ("default", true),
            ("accessMode", "ReadWrite"),
            ("objectStorage", .map([("bucket", .string(target.bucket)), ("prefix", .string(BackupTarget.Writer.velero.prefix))])),
        ]
        if !config.isEmpty { spec.append(("config", .sortedStrings(config))) }
        spec.append(("credential", .map([("name", .string(credentialsSecret)), ("key", "cloud")])))
        return .map(spec)
    }

    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        guard let target = BackupTarget.of(context), let backup = context.blueprint.backup else { return [] }
        let namespace = ClusterNamespaces.velero
        let credentials = credentials(target, .velero, name: credentialsSecret, namespace: namespace, component: "backup", context)
        let location = K8s.object("velero.io/v1", "BackupStorageLocation", name: locationName, namespace: namespace,
                                  labels: context.labels(name: locationName, component: "backup"),
                                  annotations: SyncWave.annotations(SyncWave.data, options: [SyncWave.skipDryRun, SyncWave.noPrune]),
                                  [("spec", location(target))])
        let scheduleName = Self.scheduleName(context)
        let schedule = K8s.object("velero.io/v1", "Schedule", name: scheduleName, namespace: namespace,
                                  labels: context.labels(name: scheduleName, component: "backup"),
                                  annotations: SyncWave.annotations(SyncWave.data, options: [SyncWave.skipDryRun]), [
            ("spec", .map([
                ("schedule", .string(backup.schedule)),
                ("useOwnerReferencesInBackup", false),
                ("template", .map([
                    ("includedNamespaces", .sequence(namespaces(context).map { .string($0) })),
                    ("storageLocation", .string(locationName)),
                    ("ttl", .string(Durations.go(backup.retention))),
                    ("snapshotVolumes", false),
                    ("defaultVolumesToFsBackup", true),
                ])),
            ])),
        ])
        return [credentials, location, schedule]
    }
}

/// Duration strings for Go programs (`time.ParseDuration` knows no days or weeks).
public enum Durations {
    /// `30d` → `720h`, `1w` → `168h`; anything else unchanged.
    public static func go(_ text: String) -> String {
        for (suffix, hours) in [("d", 24), ("w", 168)] where text.hasSuffix(suffix) {
            if let count = Int(text.dropLast()) { return "\(count * hours)h" }
        }
        return text
    }
}
