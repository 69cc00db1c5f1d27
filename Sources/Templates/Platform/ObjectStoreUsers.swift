import BlueprintModel
import Renderer

/// The users of a MinIO store, one per client, each with one policy granting exactly what
/// that client needs: every service that depends on the store, on its application buckets
/// (never the backup bucket: backups leave the cluster, see ``BackupTarget``). Never an
/// admin policy, never another bucket.
///
/// A user's secret key is one secret-store key, read by the store (the chart's post-install
/// Job creates the user from a Secret in the store's namespace) and by the client's own
/// Secret: a client's access key always names a user its server has.
public enum ObjectStoreUsers {
    /// Who a user is for.
    public enum Client: Sendable, Hashable {
        /// A service of the blueprint.
        case service(String)
        /// Supabase Storage (``Supabase``), on its one bucket.
        case supabase
    }

    /// What a policy grants on one bucket: the objects below `prefix` (the whole bucket
    /// when empty), and listing the bucket.
    public struct Grant: Sendable, Equatable {
        public var bucket: String
        public var prefix: String
    }

    /// One user of a store.
    public struct User: Sendable {
        public var client: Client
        /// The access key id, not secret: the service's name.
        public var accessKey: String
        public var grants: [Grant]
        /// The user's policy: `<access key>.access` (never one of MinIO's built-in names).
        public var policy: String { "\(accessKey).access" }
    }

    /// The S3 region services sign with: MinIO's default. The chart configures no region,
    /// so MinIO accepts any.
    public static let region = "us-east-1"
    /// What an application may do with objects.
    public static let objectActions = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"]
    /// What it may do with the bucket itself: find and list it, nothing else.
    public static let bucketActions = ["s3:GetBucketLocation", "s3:ListBucket"]
    /// The key of a user's Secret in the store's namespace (the chart's `existingSecretKey`),
    /// and of the secret-store value in every ExternalSecret that reads it.
    public static let secretKeyField = "secretKey"

    /// The in-cluster URL clients reach a store at (the chart's Service, no TLS).
    public static func endpoint(_ store: DataStore) -> String {
        "http://\(DataStores.host(store)):\(store.port)"
    }

    /// The client's user name on the store (see ``User/accessKey``).
    public static func accessKey(_ client: Client) -> String {
        switch client {
        case .service(let name): name
        case .supabase: "component.supabase"
        }
    }

    /// The secret-store key of a user's secret key: `<platform>/data/<store>/users/<service>/…`.
    /// 20 random bytes: 40 hex characters, the longest secret key MinIO generates itself.
    public static func secretKey(_ context: ClusterContext, _ store: DataStore, _ client: Client) -> SecretStoreKey {
        let folder = switch client {
        case .service(let name): "users/\(name)"
        case .supabase: "component-users/supabase"
        }
        return .platform(context, "data", store.name, "\(folder)/secret-access-key", .random(bytes: 20))
    }

    /// The Secret in the store's namespace the chart creates a user from.
    public static func secretName(_ store: DataStore, _ user: User) -> String { "\(store.name)-user-\(user.accessKey)" }

    /// The users of a MinIO store in this cluster, sorted by access key.
    public static func users(_ store: DataStore, _ context: ClusterContext) -> [User] {
        guard store.kind == .minio else { return [] }
        var users: [User] = []
        let buckets = context.blueprint.applicationBuckets(of: store)
        for service in context.services where service.dependsOn.contains(where: { $0.target == .dataStore(store.name) }) {
            users.append(User(client: .service(service.name), accessKey: accessKey(.service(service.name)),
                              grants: buckets.map { Grant(bucket: $0, prefix: "") }))
        }
        if let supabase = context.supabase, supabase.objectStore == store.name {
            users.append(User(client: .supabase, accessKey: accessKey(.supabase), grants: [Grant(bucket: supabase.bucket, prefix: "")]))
        }
        return users.sorted { $0.accessKey < $1.accessKey }
    }

    /// The user of `client` on `store`, when it has one here.
    public static func user(_ client: Client, on store: DataStore, _ context: ClusterContext) -> User? {
        users(store, context).first { $0.client == client }
    }

    /// The chart's `users` (each from its Secret, with its policy) and `policies`.
    static func values(_ store: DataStore, _ context: ClusterContext) -> (users: YAMLNode, policies: YAMLNode) {
        let users = users(store, context)
        return (.sequence(users.map { user in
            .map([
                ("accessKey", .string(user.accessKey)),
                ("existingSecret", .string(secretName(store, user))),
                ("existingSecretKey", .string(secretKeyField)),
                ("policy", .string(user.policy)),
            ])
        }), .sequence(users.map { user in
            .map([("name", .string(user.policy)), ("statements", .sequence(statements(user.grants)))])
        }))
    }

    /// The policy's statements: the objects below each grant's prefix, then listing its
    /// bucket (names only: the objects of another prefix stay unreadable).
    static func statements(_ grants: [Grant]) -> [YAMLNode] {
        let objects = grants.map { "arn:aws:s3:::\($0.bucket)/\($0.prefix.isEmpty ? "" : "\($0.prefix)/")*" }
        let buckets = Array(Set(grants.map { "arn:aws:s3:::\($0.bucket)" })).sorted()
        return [
            .map([("effect", "Allow"), ("actions", .sequence(objectActions.map { .string($0) })), ("resources", .sequence(objects.sorted().map { .string($0) }))]),
            .map([("effect", "Allow"), ("actions", .sequence(bucketActions.map { .string($0) })), ("resources", .sequence(buckets.map { .string($0) }))]),
        ]
    }

    /// The Secrets the chart's Job creates the users from, in the store's namespace.
    static func externalSecrets(_ store: DataStore, _ context: ClusterContext) -> [YAMLNode] {
        users(store, context).map { user in
            ExternalSecrets.object(
                name: secretName(store, user), namespace: ClusterNamespaces.dataStore(store.name), context: context, component: "data-store",
                data: [(secretKeyField, secretKey(context, store, user.client))], wave: SyncWave.secrets)
        }
    }
}
