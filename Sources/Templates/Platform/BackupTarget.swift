import BlueprintModel
import Foundation
import Renderer

/// Where a cluster's backups go: the region's own object storage outside the cluster,
/// so they survive losing it. A cloud region writes to the backup bucket its Terraform
/// stack creates (same real name, versioned, expiring after the retention); an
/// on-premises region writes to its `backupEndpoint`. Local clusters take no backups.
///
/// One owner for "which bucket, which provider, which credential" used by CloudNativePG's
/// backups, Velero's location, the restore drill, the network graph and `scaffold secrets`.
public struct BackupTarget: Sendable, Equatable {
    public enum Provider: Sendable, Equatable {
        /// An S3-compatible store: DigitalOcean Spaces in the region, or the on-premises endpoint.
        case s3(endpoint: String, region: String)
        /// An Azure storage account (the stack's data account) with the bucket as a container.
        case azure(account: String, resourceGroup: String)
        /// Google Cloud Storage (regional bucket).
        case google
    }

    /// Who writes into the bucket: each writer has its own credential and prefix.
    public enum Writer: Sendable, Hashable {
        /// CloudNativePG's base backups and WAL archive of one PostgreSQL store.
        case postgresql(store: String)
        /// Velero's backups of the cluster.
        case velero

        /// The writer's folder in the bucket.
        public var prefix: String {
            switch self {
            case .postgresql(let store): "postgresql/\(store)"
            case .velero: "velero"
            }
        }

        var name: String {
            switch self {
            case .postgresql(let store): "postgresql-\(store)"
            case .velero: "velero"
            }
        }
    }

    public var provider: Provider
    /// The real bucket name (Azure: the container in the stack's storage account).
    public var bucket: String
    /// The region the bucket is in (the cloud's location; on premises, the region id).
    public var region: String

    /// The cluster's backup target, or nil when it takes no backups.
    public static func of(_ context: ClusterContext) -> BackupTarget? {
        guard let backup = context.blueprint.backup, !context.environment.isLocal,
              let store = context.dataStore(backup.store), store.kind == .minio,
              let cloud = TerraformCloud(region: context.region.cloud) else { return nil }
        let names = TerraformNames(platform: context.blueprint.platform, region: context.region)
        let environment = context.scope.environment
        let location = context.region.cloudLocation ?? context.region.id
        switch cloud {
        case .digitalocean:
            return BackupTarget(provider: .s3(endpoint: "https://\(location).digitaloceanspaces.com", region: location),
                                bucket: names.bucket(backup.bucket, environment: environment), region: location)
        case .gcp:
            return BackupTarget(provider: .google, bucket: names.bucket(backup.bucket, environment: environment), region: location)
        case .azure:
            return BackupTarget(provider: .azure(account: names.azureDataAccount(environment), resourceGroup: names.prefix(environment)),
                                bucket: backup.bucket.lowercased(), region: location)
        case .onprem:
            guard let endpoint = context.region.backupEndpoint else { return nil }
            return BackupTarget(provider: .s3(endpoint: endpoint, region: context.region.id),
                                bucket: names.bucket(backup.bucket, environment: environment), region: context.region.id)
        }
    }

    /// The URL a writer's objects live under (CloudNativePG's `destinationPath`).
    public func destinationPath(_ writer: Writer) -> String {
        switch provider {
        case .s3: "s3://\(bucket)/\(writer.prefix)"
        case .azure(let account, _): "https://\(account).blob.core.windows.net/\(bucket)/\(writer.prefix)"
        case .google: "gs://\(bucket)/\(writer.prefix)"
        }
    }

    /// The endpoint clients connect to (for the network graph and the audit).
    public var endpoint: String {
        switch provider {
        case .s3(let endpoint, _): endpoint
        case .azure(let account, _): "https://\(account).blob.core.windows.net"
        case .google: "https://storage.googleapis.com"
        }
    }

    /// The port the endpoint listens on (443 unless the on-premises URL says otherwise).
    public var port: Int {
        URLComponents(string: endpoint)?.port ?? 443
    }

    /// The secret-store keys of a writer's credential, by the field External Secrets reads
    /// each into: an access key pair (S3); a shared access signature limited to the bucket
    /// (CloudNativePG on Azure) or the storage account's key (Velero on Azure); a service
    /// account key (Google). Values only the cloud account's owner has: whoever issues
    /// them limits each writer to its prefix of this bucket.
    public func credentialKeys(_ writer: Writer, _ context: ClusterContext) -> [(field: String, key: SecretStoreKey)] {
        func key(_ item: String) -> SecretStoreKey { .platform(context, "cloud", "backup/\(writer.name)", item, .supplied) }
        switch (provider, writer) {
        case (.s3, _): return [("accessKeyId", key("access-key-id")), ("secretAccessKey", key("secret-access-key"))]
        case (.azure, .postgresql): return [("sasToken", key("storage-sas-token"))]
        case (.azure, .velero): return [("storageKey", key("storage-account-key"))]
        case (.google, _): return [("serviceAccountKey", key("service-account-key"))]
        }
    }
}
