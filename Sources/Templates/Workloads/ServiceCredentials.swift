import BlueprintModel
import Renderer

/// Everything secret one service's pods receive, in one Secret (`<service>-secrets`): the
/// blueprint's own `secrets`, and for every data store it depends on the credential that
/// store's server is configured with (the same secret-store key on both sides, so a
/// client's user always exists on the server it calls).
///
/// The Secret is mounted read-only at ``directory``; each entry is a file and, with
/// `secretDelivery: files`, `<NAME>_FILE` names it. The connection settings that are not
/// secret (user or access key id, TLS mode, where the CA file is, endpoint, bucket) go to
/// the ConfigMap.
public enum ServiceCredentials {
    /// Where the service's Secret is mounted.
    public static let directory = "/var/run/secrets/scaffold"

    /// One entry of the service's Secret.
    public struct Entry: Sendable {
        /// The file name (and the environment variable with `environment` delivery).
        public var name: String
        public var key: SecretStoreKey
        /// A file that is only ever read as a file (a CA certificate): no `_FILE` or
        /// environment variable.
        public var isFileOnly: Bool
    }

    /// The entries, sorted by name.
    public static func entries(_ service: Service, _ context: ClusterContext) -> [Entry] {
        var entries = service.secrets.map { secret in
            Entry(name: secret.name, key: SecretStoreKey(secret.key, secret.generate.map { .random(bytes: $0) } ?? .supplied), isFileOnly: false)
        }
        for credential in context.blueprint.storeCredentials(of: service) {
            guard let store = context.dataStore(credential.store) else { continue }
            switch credential.item {
            case .password:
                entries.append(Entry(name: credential.name, key: DataStores.clientPasswordKey(context, store), isFileOnly: false))
            case .certificateAuthority:
                entries.append(Entry(name: credential.name, key: DataStores.serverCertificateKeys(context, store).authority, isFileOnly: true))
            case .secretAccessKey:
                entries.append(Entry(name: credential.name, key: ObjectStoreUsers.secretKey(context, store, .service(service.name)), isFileOnly: false))
            }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The path of an entry's file.
    public static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// The non-secret connection settings of the service's data stores, for its ConfigMap:
    /// `<PREFIX>_USER`, `<PREFIX>_SSLMODE` and `<PREFIX>_SSLROOTCERT` for PostgreSQL (libpq's
    /// names); `<PREFIX>_TLS` and `<PREFIX>_CACERT` for a Redis store with `tls` (redis-cli's);
    /// `<PREFIX>_ENDPOINT`, `<PREFIX>_REGION`, `<PREFIX>_ACCESS_KEY_ID` and the service's
    /// bucket, `<PREFIX>_BUCKET` (or `<PREFIX>_BUCKETS`, comma-separated, when it has several)
    /// for MinIO.
    public static func settings(_ service: Service, _ context: ClusterContext) -> [String: String] {
        var settings: [String: String] = [:]
        for credential in context.blueprint.storeCredentials(of: service) {
            guard let store = context.dataStore(credential.store) else { continue }
            let prefix = credential.prefix
            switch (store.kind, credential.item) {
            case (.postgresql, .certificateAuthority):
                settings["\(prefix)_USER"] = DataStores.applicationRole
                settings["\(prefix)_SSLMODE"] = "verify-full"
                settings["\(prefix)_SSLROOTCERT"] = path(credential.name)
            case (.redis, .certificateAuthority):
                settings["\(prefix)_TLS"] = "true"
                settings["\(prefix)_CACERT"] = path(credential.name)
            case (.minio, .secretAccessKey):
                guard let user = ObjectStoreUsers.user(.service(service.name), on: store, context) else { continue }
                let buckets = user.grants.map(\.bucket)
                settings["\(prefix)_ENDPOINT"] = ObjectStoreUsers.endpoint(store)
                settings["\(prefix)_REGION"] = ObjectStoreUsers.region
                settings["\(prefix)_ACCESS_KEY_ID"] = user.accessKey
                settings[buckets.count == 1 ? "\(prefix)_BUCKET" : "\(prefix)_BUCKETS"] = buckets.joined(separator: ",")
            default:
                continue
            }
        }
        return settings
    }

    /// The container's environment variables for its secrets: `<NAME>_FILE` paths, or with
    /// `environment` delivery the values themselves from the Secret.
    static func environment(_ service: Service, _ context: ClusterContext, secretName: String) -> [YAMLNode] {
        entries(service, context).compactMap { entry -> YAMLNode? in
            guard !entry.isFileOnly else { return nil }
            switch service.secretDelivery {
            case .files:
                return .map([("name", .string("\(entry.name)_FILE")), ("value", .string(path(entry.name)))])
            case .environment:
                return .map([
                    ("name", .string(entry.name)),
                    ("valueFrom", .map([("secretKeyRef", .map([("name", .string(secretName)), ("key", .string(entry.name))]))])),
                ])
            }
        }
    }
}
