/// The credentials a service receives for the data stores it depends on: one owner of
/// their names, shared by the generator (which writes them), the validator (which refuses
/// a declared secret of the same name) and the documentation.
///
/// A service that uses exactly one store of a kind gets the conventional prefix
/// (`DATABASE_` for PostgreSQL, `REDIS_` for Redis, `S3_` for MinIO); otherwise the
/// store's name (`ANALYTICS_DB_PASSWORD`), as the connection settings in the ConfigMap are named.
public struct StoreCredential: Sendable, Equatable {
    public enum Item: Sendable, Equatable {
        /// The password of the user the store's server is configured with for this client.
        case password
        /// The CA certificate (PEM) that verifies the server's certificate.
        case certificateAuthority
        /// The secret access key of the MinIO user this client is (its access key id is
        /// the service's name, a setting, not a secret).
        case secretAccessKey
    }
    /// The secret's name: the file name, and the environment variable with `environment` delivery.
    public var name: String
    /// The store it opens.
    public var store: String
    public var item: Item
    /// The settings' prefix (`DATABASE`, `REDIS` or the store's name in capitals).
    public var prefix: String
}

extension Blueprint {
    /// `backend-api` → `BACKEND_API`: a name as an environment variable's.
    public static func environmentName(_ name: String) -> String {
        name.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    /// The prefix of a store's connection settings for one service.
    public func settingsPrefix(of store: DataStore, for service: Service) -> String {
        let sameKind = service.dependsOn.compactMap { dependency -> String? in
            if case .dataStore(let name) = dependency.target, dataStore(name)?.kind == store.kind { return name }
            return nil
        }
        guard Set(sameKind).count == 1 else { return Blueprint.environmentName(store.name) }
        switch store.kind {
        case .postgresql: return "DATABASE"
        case .redis: return "REDIS"
        case .minio: return "S3"
        }
    }

    /// The buckets of a MinIO store its application clients may use: all of them but the
    /// backup bucket, which only the backup writers reach, and Supabase's, which only
    /// Supabase Storage reaches. Sorted.
    public func applicationBuckets(of store: DataStore) -> [String] {
        let backupBucket = backup.flatMap { $0.store == store.name ? $0.bucket : nil }
        let supabaseBucket = components.supabase.flatMap { $0.objectStore == store.name ? $0.bucket : nil }
        return Set(store.buckets).subtracting([backupBucket, supabaseBucket].compactMap { $0 }).sorted()
    }

    /// What `service` receives for its data-store dependencies, sorted by name.
    public func storeCredentials(of service: Service) -> [StoreCredential] {
        var result: [String: StoreCredential] = [:]
        for dependency in service.dependsOn {
            guard case .dataStore(let name) = dependency.target, let store = dataStore(name) else { continue }
            let prefix = settingsPrefix(of: store, for: service)
            switch store.kind {
            case .postgresql:
                result["\(prefix)_PASSWORD"] = StoreCredential(name: "\(prefix)_PASSWORD", store: name, item: .password, prefix: prefix)
                result["\(prefix)_CA_CERT"] = StoreCredential(name: "\(prefix)_CA_CERT", store: name, item: .certificateAuthority, prefix: prefix)
            case .redis:
                result["\(prefix)_PASSWORD"] = StoreCredential(name: "\(prefix)_PASSWORD", store: name, item: .password, prefix: prefix)
                if store.tls {
                    result["\(prefix)_CA_CERT"] = StoreCredential(name: "\(prefix)_CA_CERT", store: name, item: .certificateAuthority, prefix: prefix)
                }
            case .minio:
                result["\(prefix)_SECRET_ACCESS_KEY"] = StoreCredential(name: "\(prefix)_SECRET_ACCESS_KEY", store: name, item: .secretAccessKey, prefix: prefix)
            }
        }
        return result.values.sorted { $0.name < $1.name }
    }
}
