/// `components:`: optional platform components a blueprint turns on. Each is off unless
/// its section is present.
public struct Components: Sendable, Equatable {
    /// `components.supabase`: self-hosted Supabase, per region, on the region's own stores.
    public var supabase: SupabaseSettings?

    public init(supabase: SupabaseSettings? = nil) {
        self.supabase = supabase
    }
}

/// Self-hosted Supabase (Auth, REST, Realtime, Storage behind its Kong gateway) in every
/// cluster whose region deploys `store`: its database is that region's PostgreSQL store,
/// its files one bucket of that region's MinIO store, so nothing crosses regions.
public struct SupabaseSettings: Sendable, Equatable {
    /// The PostgreSQL store Supabase owns (its admin role is a superuser there, so no
    /// service may share it).
    public var store: String
    /// The MinIO store holding Supabase Storage's files.
    public var objectStore: String
    /// The bucket of `objectStore` Supabase Storage writes to (its user may use no other).
    public var bucket: String
    /// The host label of the public API gateway (`<host>.<region>.<environment domain>`);
    /// nil: reachable inside the cluster only.
    public var host: String?
    /// Run Studio, the admin UI (never exposed: reached with `kubectl port-forward`).
    public var studio: Bool
    /// The environments Supabase runs in; nil: every environment.
    public var environments: [String]?
    public var location: SourceLocation
    public var fieldLocations: FieldLocations

    /// Whether Supabase runs in this environment.
    public func runs(in environment: String) -> Bool { environments?.contains(environment) ?? true }
}

extension BlueprintSchema {
    static let components = Schema.object(ObjectSchema("Optional platform components; each is off unless present.", [
        .optional("supabase", .object(ObjectSchema("Self-hosted Supabase (Auth, REST, Realtime, Storage, Kong) in each region that deploys `store`, on that region's own PostgreSQL and MinIO; its secrets come from the secret store.", [
            .required("store", reference("data store (postgresql) for Supabase alone")),
            .required("objectStore", reference("data store (minio)")),
            .required("bucket", name),
            .optional("host", .string(.dnsLabel, description: "Expose the API gateway at `<host>.<region>.<environment domain>` (local clusters: `<host>.<environment domain>`). Default: not exposed.")),
            .optional("studio", .boolean(description: "Run Supabase Studio (the admin UI); it is never exposed.", defaultValue: false)),
            .optional("environments", .array(items: reference("environment"), description: "The environments Supabase runs in. Default: all.", minItems: 1)),
        ]))),
    ]))
}

extension BlueprintDecoder {
    static func components(_ node: SourceNode?) -> Components {
        Components(supabase: node?["supabase"].map { node in
            SupabaseSettings(
                store: node["store"]?.string ?? "",
                objectStore: node["objectStore"]?.string ?? "",
                bucket: node["bucket"]?.string ?? "",
                host: node["host"]?.string,
                studio: node["studio"]?.bool ?? false,
                environments: node["environments"].map { $0.items.compactMap(\.string) },
                location: node.location,
                fieldLocations: fieldLocations(node))
        })
    }
}

extension BlueprintValidator {
    /// Supabase's references resolve, its stores are its own and sit together in every
    /// region it runs in (strict residency: nothing of it crosses regions).
    static func checkComponents(_ blueprint: Blueprint, into d: inout DiagnosticCollector) {
        guard let supabase = blueprint.components.supabase else { return }
        let at = { (key: String) in supabase.fieldLocations[key] ?? supabase.location }
        let storeNames = blueprint.dataStores.map(\.name)
        let environmentNames = blueprint.environments.map(\.name)
        let postgres = blueprint.dataStore(supabase.store)
        if let postgres {
            if postgres.kind != .postgresql {
                d.error("supabase.store `\(postgres.name)` is \(postgres.kind.rawValue), not postgresql", at: at("store"),
                        hint: Suggestion.hint(for: supabase.store, in: blueprint.dataStores.filter { $0.kind == .postgresql }.map(\.name), noun: "postgresql store"))
            }
            let users = blueprint.services.filter { $0.dependsOn.contains { $0.target == .dataStore(postgres.name) } }.map(\.name).sorted()
            if !users.isEmpty {
                d.error("supabase.store `\(postgres.name)` is also used by \(users.map { "`\($0)`" }.joined(separator: ", "))", at: at("store"),
                        hint: "give Supabase a PostgreSQL store of its own: its admin role is a superuser there")
            }
        } else {
            d.error("supabase.store `\(supabase.store)` is not a declared data store", at: at("store"),
                    hint: Suggestion.hint(for: supabase.store, in: storeNames, noun: "data store"))
        }
        if let objects = blueprint.dataStore(supabase.objectStore) {
            if objects.kind != .minio {
                d.error("supabase.objectStore `\(objects.name)` is \(objects.kind.rawValue), not minio", at: at("objectStore"), hint: "name a minio data store")
            } else if !objects.buckets.contains(supabase.bucket) {
                d.error("supabase.bucket `\(supabase.bucket)` is not declared in data store `\(objects.name)`", at: at("bucket"),
                        hint: Suggestion.hint(for: supabase.bucket, in: objects.buckets, noun: "bucket"))
            } else if let backup = blueprint.backup, backup.store == objects.name, backup.bucket == supabase.bucket {
                d.error("supabase.bucket `\(supabase.bucket)` is the backup bucket", at: at("bucket"),
                        hint: "add a bucket of its own to `\(objects.name)`'s `buckets`: the backup bucket is for the backup writers only")
            }
            if let postgres {
                let missing = postgres.regions.filter { !objects.regions.contains($0) }
                if !missing.isEmpty {
                    d.error("residency: Supabase runs in \(missing.map { "`\($0)`" }.joined(separator: ", ")) with `\(postgres.name)`, but `\(objects.name)` is not deployed there",
                            at: at("objectStore"), hint: "deploy `\(objects.name)` in every region of `\(postgres.name)`: Supabase's files stay in its region")
                }
            }
        } else {
            d.error("supabase.objectStore `\(supabase.objectStore)` is not a declared data store", at: at("objectStore"),
                    hint: Suggestion.hint(for: supabase.objectStore, in: storeNames, noun: "data store"))
        }
        for (index, environment) in (supabase.environments ?? []).enumerated() where !environmentNames.contains(environment) {
            d.error("supabase runs in unknown environment `\(environment)`", at: at("environments[\(index)]"),
                    hint: Suggestion.hint(for: environment, in: environmentNames, noun: "environment"))
        }
        if let host = supabase.host, let service = blueprint.services.first(where: { $0.expose?.host == host }) {
            d.error("supabase.host `\(host)` is already service `\(service.name)`'s host", at: at("host"), hint: "choose another host label")
        }
    }
}
