import BlueprintModel
import Renderer

extension ClusterContext {
    /// `components.supabase` when it runs in this cluster: its environment is listed (or
    /// none are) and this region deploys its PostgreSQL store.
    public var supabase: SupabaseSettings? {
        guard let settings = blueprint.components.supabase, settings.runs(in: scope.environment),
              dataStore(settings.store)?.kind == .postgresql, dataStore(settings.objectStore)?.kind == .minio else { return nil }
        return settings
    }
}

/// Self-hosted Supabase (`components.supabase`): the community chart
/// (``PlatformComponent/supabase``) in namespace `supabase`, with its own database and
/// MinIO stores off, wired to the region's own stores:
///
/// - PostgreSQL: the roles Supabase's services log in as are CloudNativePG managed roles of
///   the store (one password from the secret store), the schemas they migrate into and the
///   API roles are made by the cluster's `postInitSQL` on first bootstrap;
/// - MinIO: Storage is a MinIO user of its own (``ObjectStoreUsers``) limited to its bucket;
/// - every credential (JWT secret and API keys, database password, S3 keys, Realtime and
///   Meta keys, the dashboard's password, SMTP) is an ExternalSecret: the chart renders none.
///
/// The namespace is a workload namespace (default deny both ways, baseline Pod Security,
/// the host-access, isolation and residency rules): Supabase reaches its two stores and DNS,
/// the ingress controller reaches only its Kong gateway, Studio is never exposed.
public enum Supabase {
    public static let namespace = ClusterNamespaces.supabase
    /// The Helm release (the chart names its Kong Service `<release>-supabase-kong`).
    static let release = PlatformComponent.supabase.rawValue

    /// The roles Supabase's services log in as (one password, as the chart passes one).
    public static let loginRoles = ["authenticator", "supabase_admin", "supabase_auth_admin", "supabase_storage_admin"]
    /// The roles PostgREST switches to per request; `authenticator` may become each.
    public static let apiRoles = ["anon", "authenticated", "service_role"]
    /// The database the services use (the store's own `postgres` database: the store is Supabase's alone).
    static let database = "postgres"

    /// The chart's Kong port (its Service's `port`).
    public static let gatewayPort = PortProtocol(8000)

    /// The Secrets the chart reads (`secret.<name>.secretRef`), in the supabase namespace.
    static func secretName(_ name: String) -> String { "supabase-\(name)" }
    /// The Secret a login role's password lands in, in the store's namespace (CloudNativePG's `passwordSecret`).
    static func roleSecret(_ store: DataStore, _ role: String) -> String { "\(store.name)-\(role.replacingOccurrences(of: "_", with: "-"))" }

    static func key(_ context: ClusterContext, _ item: String, _ recipe: SecretRecipe) -> SecretStoreKey {
        .platform(context, "components", "supabase", item, recipe)
    }

    /// The password of every login role, read by the store and by Supabase.
    public static func databasePasswordKey(_ context: ClusterContext) -> SecretStoreKey { key(context, "db-password", .random(bytes: 24)) }

    /// The public hosts of the gateway, as an exposed service's (``ServiceWorkloads/hosts(_:_:)``).
    public static func hosts(_ context: ClusterContext) -> [String] {
        guard let host = context.supabase?.host else { return [] }
        if context.environment.isLocal { return ["\(host).\(context.environment.domain)".lowercased()] }
        return ["\(host).\(context.region.id).\(context.environment.domain)".lowercased()]
    }

    // MARK: Objects

    /// The ExternalSecrets the chart reads, in the supabase namespace (before the chart).
    static func objects(_ context: ClusterContext) -> [YAMLNode] {
        guard let settings = context.supabase, let objectStore = context.dataStore(settings.objectStore),
              let user = ObjectStoreUsers.user(.supabase, on: objectStore, context) else { return [] }
        func secret(_ name: String, _ data: [(secretKey: String, key: SecretStoreKey)], template: [String: String] = [:]) -> YAMLNode {
            ExternalSecrets.object(name: secretName(name), namespace: namespace, context: context, component: "supabase",
                                   data: data, template: template, wave: SyncWave.secrets)
        }
        let passthrough = { (fields: [String]) in Dictionary(uniqueKeysWithValues: fields.map { ($0, "{{ .\($0) }}") }) }
        return [
            // The anon and service_role API keys are JWTs signed with `secret`: made by the operator.
            secret("jwt", [("secret", key(context, "jwt-secret", .random(bytes: 32))),
                           ("anonKey", key(context, "anon-key", .supplied)),
                           ("serviceKey", key(context, "service-role-key", .supplied))]),
            secret("db", [("password", databasePasswordKey(context))]),
            secret("realtime", [("secretKeyBase", key(context, "realtime-secret-key-base", .random(bytes: 48))),
                                // Exactly 16 characters.
                                ("dbEncKey", key(context, "realtime-db-enc-key", .random(bytes: 8)))]),
            secret("meta", [("cryptoKey", key(context, "meta-crypto-key", .random(bytes: 32)))]),
            // Logflare's tokens: Studio reads them even with analytics off; without this Secret
            // the chart would render its own with its well-known defaults.
            secret("analytics", [("publicAccessToken", key(context, "analytics-public-token", .random(bytes: 32))),
                                 ("privateAccessToken", key(context, "analytics-private-token", .random(bytes: 32)))]),
            secret("dashboard", [("password", key(context, "dashboard-password", .random(bytes: 24)))],
                   template: ["username": "supabase", "password": "{{ .password }}"]),
            secret("smtp", [("username", key(context, "smtp-username", .supplied)), ("password", key(context, "smtp-password", .supplied))]),
            // Supabase Storage's own S3 endpoint: the keys its S3 clients sign with.
            secret("s3", [("keyId", key(context, "s3-key-id", .random(bytes: 16))), ("accessKey", key(context, "s3-access-key", .random(bytes: 32)))],
                   template: passthrough(["keyId", "accessKey"])),
            // Storage's MinIO user: its name and the secret key the object store creates it with.
            secret("object-store", [(ObjectStoreUsers.secretKeyField, ObjectStoreUsers.secretKey(context, objectStore, .supabase))],
                   template: ["user": user.accessKey, "password": "{{ .\(ObjectStoreUsers.secretKeyField) }}"]),
        ]
    }

    /// The login roles' password Secrets in the store's namespace (CloudNativePG sets each role's password from one).
    static func storeObjects(_ store: DataStore, _ context: ClusterContext) -> [YAMLNode] {
        guard context.supabase?.store == store.name else { return [] }
        return loginRoles.map { role in
            ExternalSecrets.object(name: roleSecret(store, role), namespace: ClusterNamespaces.dataStore(store.name), context: context,
                                   component: "data-store", data: [("password", databasePasswordKey(context))], type: "kubernetes.io/basic-auth",
                                   template: ["username": role, "password": "{{ .password }}"], wave: SyncWave.secrets)
        }
    }

    /// CloudNativePG managed roles for Supabase on its store: the login roles with their
    /// password, the API roles without login.
    static func managedRoles(_ store: DataStore, _ context: ClusterContext) -> [YAMLNode] {
        guard context.supabase?.store == store.name else { return [] }
        func role(_ name: String, login: Bool, superuser: Bool = false, createrole: Bool = false, bypassrls: Bool = false,
                  inherit: Bool = true, inRoles: [String] = []) -> YAMLNode {
            var pairs: [(String, YAMLNode)] = [
                ("name", .string(name)), ("ensure", "present"), ("comment", "supabase"),
                ("login", .bool(login)), ("inherit", .bool(inherit)), ("superuser", .bool(superuser)), ("createdb", .bool(superuser)),
                ("createrole", .bool(createrole || superuser)), ("replication", .bool(superuser)), ("bypassrls", .bool(bypassrls || superuser)),
            ]
            if !inRoles.isEmpty { pairs.append(("inRoles", .sequence(inRoles.map { .string($0) }))) }
            if login { pairs.append(("passwordSecret", .map([("name", .string(roleSecret(store, name)))]))) }
            return .map(pairs)
        }
        return [
            role("anon", login: false), role("authenticated", login: false), role("service_role", login: false, bypassrls: true),
            role("authenticator", login: true, inherit: false, inRoles: apiRoles),
            // Realtime and Meta run as the admin: replication slots, publications, any DDL.
            role("supabase_admin", login: true, superuser: true),
            role("supabase_auth_admin", login: true, createrole: true, inherit: false),
            role("supabase_storage_admin", login: true, createrole: true, inherit: false),
        ]
    }

    /// SQL the store runs once, right after its first `initdb` (as the superuser, in `postgres`):
    /// the roles exist (without login; the managed roles add it), and the schemas Auth, Storage
    /// and Realtime migrate into belong to their admins. Their own migrations do the rest.
    public static func postInitSQL(_ store: DataStore, _ context: ClusterContext) -> [String] {
        guard context.supabase?.store == store.name else { return [] }
        let roles = (apiRoles + loginRoles).sorted()
        return roles.map { "DO $$ BEGIN CREATE ROLE \($0) NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;" } + [
            "CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_auth_admin;",
            "CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_storage_admin;",
            "CREATE SCHEMA IF NOT EXISTS _realtime AUTHORIZATION supabase_admin;",
            "CREATE SCHEMA IF NOT EXISTS extensions AUTHORIZATION supabase_admin;",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;",
            "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA extensions;",
            "GRANT USAGE ON SCHEMA public, extensions TO anon, authenticated, service_role;",
            "GRANT USAGE ON SCHEMA extensions TO supabase_auth_admin, supabase_storage_admin;",
            "GRANT CREATE ON DATABASE postgres TO supabase_auth_admin, supabase_storage_admin;",
            "ALTER ROLE supabase_auth_admin SET search_path = auth, extensions;",
            "ALTER ROLE supabase_storage_admin SET search_path = storage, extensions;",
        ]
    }

    // MARK: Values

    /// The chart's components scaffold runs (the rest are off): Kong, Auth, REST, Realtime,
    /// Storage, and with `studio` Studio and Meta (the database UI's backend).
    static func components(_ settings: SupabaseSettings) -> [String] {
        ["auth", "kong", "realtime", "rest", "storage"] + (settings.studio ? ["meta", "studio"] : [])
    }
    static let offComponents = ["analytics", "db", "functions", "imgproxy", "minio", "vector"]
    /// The components the chart gives a database-wait init container.
    static let waitsForDatabase: Set<String> = ["auth", "realtime", "rest", "storage"]

    /// Helm values of the chart.
    static func values(_ context: ClusterContext) -> YAMLNode {
        guard let settings = context.supabase, let postgres = context.dataStore(settings.store),
              let objectStore = context.dataStore(settings.objectStore) else { return .map([]) }
        let on = components(settings)
        let publicURL = hosts(context).first.map { "https://\($0)" } ?? "http://\(release)-supabase-kong.\(namespace).svc.cluster.local:\(gatewayPort.port)"
        var deployment: [(String, YAMLNode)] = []
        for name in (on + offComponents + (settings.studio ? [] : ["meta", "studio"])).sorted() {
            guard on.contains(name) else { deployment.append((name, .map([("enabled", false)]))); continue }
            var entries: [(String, YAMLNode)] = [
                ("enabled", true),
                ("replicaCount", 1),
                // None of them calls the Kubernetes API.
                ("automountServiceAccountToken", false),
                ("nodeSelector", ComponentValues.nodeSelector(context)),
                ("podSecurityContext", .map([("seccompProfile", .map([("type", "RuntimeDefault")]))])),
                ("securityContext", .map([("allowPrivilegeEscalation", false), ("capabilities", .map([("drop", ["ALL"])]))])),
                ("resources", WorkloadSizing.resources(.agent, context)),
            ]
            // The chart's unsized `pg_isready` init container: the Application already waits
            // for its stores' wave, and the services retry their connection.
            if waitsForDatabase.contains(name) { entries.append(("initDb", false)) }
            deployment.append((name, .map(entries)))
        }
        var secrets: [(String, YAMLNode)] = []
        for name in ["analytics", "dashboard", "jwt", "meta", "realtime", "s3", "smtp"] {
            secrets.append((name, .map([("secretRef", .string(secretName(name)))])))
        }
        secrets += [
            ("db", .map([
                ("secretRef", .string(secretName("db"))),
                ("secretRefKey", .map([("password", "password")])),
                ("database", .string(database)),
                ("host", .string(DataStores.host(postgres))),
                ("port", .string(String(postgres.port))),
            ])),
            // Storage's MinIO credentials (`user`, `password`), read with `s3.secretRef` set.
            ("minio", .map([("secretRef", .string(secretName("object-store")))])),
        ]
        var pairs: [(String, YAMLNode)] = [
            ("secret", .map(secrets.sorted { $0.0 < $1.0 })),
            ("deployment", .map(deployment)),
            // No volumes: Storage keeps its files in MinIO, the rest are off.
            ("persistence", .map(["deno", "functions", "imgproxy", "minio", "snippets", "storage", "db", "pgsodium"].sorted().map {
                ($0, .map([("enabled", false)]))
            })),
            ("environment", .map([
                ("auth", .sequence(authEnvironment(publicURL))),
                ("storage", .sequence(storageEnvironment(settings, objectStore, context))),
                ("studio", .sequence(environment([
                    ("HOSTNAME", "::"), ("STUDIO_PORT", "3000"), ("SUPABASE_PUBLIC_URL", publicURL),
                    ("DEFAULT_ORGANIZATION_NAME", context.platform), ("DEFAULT_PROJECT_NAME", "\(context.platform)-\(context.scope.name)"),
                    ("NEXT_ANALYTICS_BACKEND_PROVIDER", "postgres"),
                ]))),
            ])),
        ]
        let hosts = hosts(context)
        if hosts.isEmpty {
            pairs.append(("ingress", .map([("enabled", false)])))
        } else {
            pairs.append(("ingress", .map([
                ("enabled", true),
                ("className", "nginx"),
                // The chart's rewrite would send every path to `/`; the cluster's certificate covers the host.
                ("annotations", .map([("nginx.ingress.kubernetes.io/rewrite-target", .null), ("nginx.ingress.kubernetes.io/ssl-redirect", "true")])),
                ("tls", [.map([("hosts", .sequence(hosts.map { .string($0) }))])]),
                ("hosts", .sequence(hosts.map { host in
                    .map([("host", .string(host)), ("paths", [.map([("path", "/"), ("pathType", "Prefix")])])])
                })),
            ])))
        }
        return .map(pairs)
    }

    static func environment(_ pairs: [(String, String)]) -> [YAMLNode] {
        pairs.map { K8s.env($0.0, $0.1) }
    }

    /// GoTrue: the chart's defaults with the platform's public URL. E-mail is confirmed
    /// automatically until an SMTP server is configured (`supabase-smtp` holds its login).
    static func authEnvironment(_ publicURL: String) -> [YAMLNode] {
        environment([
            ("API_EXTERNAL_URL", publicURL), ("GOTRUE_API_HOST", "0.0.0.0"), ("GOTRUE_API_PORT", "9999"),
            ("GOTRUE_SITE_URL", publicURL), ("GOTRUE_URI_ALLOW_LIST", publicURL), ("GOTRUE_DISABLE_SIGNUP", "false"),
            ("GOTRUE_JWT_DEFAULT_GROUP_NAME", "authenticated"), ("GOTRUE_JWT_ADMIN_ROLES", "service_role"),
            ("GOTRUE_JWT_AUD", "authenticated"), ("GOTRUE_JWT_EXP", "3600"), ("GOTRUE_EXTERNAL_EMAIL_ENABLED", "true"),
            ("GOTRUE_MAILER_AUTOCONFIRM", "true"), ("GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED", "false"),
            ("GOTRUE_EXTERNAL_PHONE_ENABLED", "false"), ("GOTRUE_SMS_AUTOCONFIRM", "false"),
            ("GOTRUE_MAILER_URLPATHS_INVITE", "/auth/v1/verify"), ("GOTRUE_MAILER_URLPATHS_CONFIRMATION", "/auth/v1/verify"),
            ("GOTRUE_MAILER_URLPATHS_RECOVERY", "/auth/v1/verify"), ("GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE", "/auth/v1/verify"),
        ])
    }

    /// Storage API on S3: the region's MinIO store, its one bucket. The chart sets
    /// `STORAGE_BACKEND=file` whenever its own MinIO is off; this later entry wins in the
    /// container (the kubelet keeps the last of two same-named variables), which is why the
    /// Application applies client-side (server-side apply refuses duplicate list keys).
    static func storageEnvironment(_ settings: SupabaseSettings, _ store: DataStore, _ context: ClusterContext) -> [YAMLNode] {
        environment([
            ("STORAGE_BACKEND", "s3"),
            ("GLOBAL_S3_BUCKET", settings.bucket),
            ("GLOBAL_S3_ENDPOINT", ObjectStoreUsers.endpoint(store)),
            ("GLOBAL_S3_PROTOCOL", "http"),
            ("GLOBAL_S3_FORCE_PATH_STYLE", "true"),
            ("REGION", ObjectStoreUsers.region),
            ("TENANT_ID", context.platform),
            ("REQUEST_ALLOW_X_FORWARDED_PATH", "true"),
            ("FILE_SIZE_LIMIT", "52428800"),
            ("ENABLE_IMAGE_TRANSFORMATION", "false"),
        ])
    }
}
