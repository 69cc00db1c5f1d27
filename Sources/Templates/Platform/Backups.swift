import BlueprintModel
import Renderer

/// Velero backups of a cluster into the region's own object store: one
/// BackupStorageLocation (the backup store's bucket, in-cluster endpoint) and one
/// Schedule covering the workload and tenant namespaces, volumes included
/// (file-system backup). Nothing is copied out of the region.
///
/// Each backup writer is a MinIO user of its own, limited to its prefix of the backup
/// bucket (``ObjectStoreUsers``): Velero below ``veleroPrefix``, CloudNativePG below
/// ``postgresqlPrefix(_:)`` for each PostgreSQL store.
public enum Backups {
    public static let credentialsSecret = "velero-object-store-credentials"
    public static let locationName = "regional"
    /// Where Velero writes in the backup bucket.
    public static let veleroPrefix = "velero"

    /// Where CloudNativePG writes a PostgreSQL store's base backups and WAL in the backup bucket.
    public static func postgresqlPrefix(_ store: DataStore) -> String { "postgresql/\(store.name)" }

    /// The Velero Schedule's name (its backups carry it in the `schedule` metric label).
    public static func scheduleName(_ context: ClusterContext) -> String { "\(context.platform)-scheduled" }

    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        guard let store = context.backupStore, let backup = context.blueprint.backup,
              let user = ObjectStoreUsers.user(.velero, on: store, context) else { return [] }
        let namespace = ClusterNamespaces.velero
        let field = ObjectStoreUsers.secretKeyField
        let credentials = ExternalSecrets.object(
            name: credentialsSecret, namespace: namespace, context: context, component: "backup",
            data: [(field, ObjectStoreUsers.secretKey(context, store, .velero))],
            template: ["cloud": "[default]\naws_access_key_id=\(user.accessKey)\naws_secret_access_key={{ .\(field) }}\n"],
            wave: SyncWave.secrets)
        let location = K8s.object("velero.io/v1", "BackupStorageLocation", name: locationName, namespace: namespace,
                                  labels: context.labels(name: locationName, component: "backup"),
                                  annotations: SyncWave.annotations(SyncWave.data, options: [SyncWave.skipDryRun, SyncWave.noPrune]), [
            ("spec", .map([
                ("provider", "aws"),
                ("default", true),
                ("accessMode", "ReadWrite"),
                ("objectStorage", .map([("bucket", .string(backup.bucket)), ("prefix", .string(veleroPrefix))])),
                ("config", .sortedStrings([
                    "region": context.scope.region,
                    "s3ForcePathStyle": "true",
                    "s3Url": ObjectStoreUsers.endpoint(store),
                ])),
                ("credential", .map([("name", .string(credentialsSecret)), ("key", "cloud")])),
            ])),
        ])
        let namespaces = ClusterNamespaces.workloads(context) + context.organizations.map { TenantNamespaces.namespace(of: $0.id) }
        let scheduleName = Self.scheduleName(context)
        let schedule = K8s.object("velero.io/v1", "Schedule", name: scheduleName, namespace: namespace,
                                  labels: context.labels(name: scheduleName, component: "backup"),
                                  annotations: SyncWave.annotations(SyncWave.data, options: [SyncWave.skipDryRun]), [
            ("spec", .map([
                ("schedule", .string(backup.schedule)),
                ("useOwnerReferencesInBackup", false),
                ("template", .map([
                    ("includedNamespaces", .sequence(namespaces.sorted().map { .string($0) })),
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
