import BlueprintModel
import Renderer

/// One region and environment: what its live stack at `live/<region>/<environment>/`
/// is built from. All values come from the blueprint view of that environment.
struct LiveStack: Sendable {
    /// An object-storage bucket the stack creates.
    struct Bucket: Sendable, Equatable {
        /// The name in the blueprint (`uploads`), the key in Terraform maps.
        var logicalName: String
        /// The real, globally unique name.
        var name: String
        var versioning: Bool
        var expirationDays: Int?
    }

    var blueprint: Blueprint
    var region: Region
    var environment: Environment
    var cloud: TerraformCloud
    var names: TerraformNames
    var sizing: ClusterSizing
    /// The nodes' network: `10.<16 + region index>.<16 × environment index>.0/20`,
    /// distinct for every region and environment so networks can be peered later.
    var cidr: String
    var zone: String
    var hosts: [String]
    var buckets: [Bucket]

    /// Pods and services use carrier-grade NAT space, away from every node network.
    static let podsCIDR = "100.64.0.0/14"
    static let servicesCIDR = "100.68.0.0/20"
    /// The Kubernetes minor version new clusters start on.
    static let kubernetesVersion = "1.33"

    var path: String { "live/\(region.id)/\(environment.name)" }
    var prefix: String { names.prefix(environment.name) }
    /// The cloud's own region name; on premises, the site (the region id when not given).
    var location: String { region.cloudLocation ?? region.id }

    init(loaded: LoadedBlueprint, region: Region, regionIndex: Int, environment: Environment, environmentIndex: Int, cloud: TerraformCloud) {
        let view = loaded.view(environment.name)
        blueprint = view
        self.region = region
        self.environment = environment
        self.cloud = cloud
        names = TerraformNames(platform: view.platform, region: region)
        let production = view.environments.last?.name == environment.name
        sizing = ClusterSizing(blueprint: view, region: region.id, highAvailability: production, node: cloud.nodeShape)
        cidr = "10.\((16 + regionIndex) % 256).\((environmentIndex % 16) * 16).0/20"
        zone = "\(region.id).\(environment.domain)".lowercased()
        // Supabase's gateway host too, where it runs (its store is in this region).
        let supabaseHost = view.components.supabase.flatMap { supabase in
            supabase.runs(in: environment.name) && view.dataStore(supabase.store)?.regions.contains(region.id) == true ? supabase.host?.lowercased() : nil
        }
        hosts = Array(Set(view.services.compactMap { $0.expose?.host.lowercased() } + [supabaseHost].compactMap { $0 })).sorted()

        let retentionDays = view.backup.map { Self.days($0.retention) }
        var buckets: [Bucket] = []
        for store in view.dataStores(in: region.id) where store.kind == .minio {
            for bucket in store.buckets {
                let isBackup = view.backup.map { $0.store == store.name && $0.bucket == bucket } ?? false
                // Azure buckets are containers inside the stack's own storage account: their
                // names need not be globally unique.
                let name = cloud == .azure ? bucket.lowercased() : names.bucket(bucket, environment: environment.name)
                buckets.append(Bucket(logicalName: bucket, name: name,
                                      versioning: true, expirationDays: isBackup ? retentionDays : nil))
            }
        }
        // Two stores may name the same bucket; keep the first (the names would clash anyway).
        var seen = Set<String>()
        self.buckets = buckets.filter { seen.insert($0.logicalName).inserted }.sorted { $0.logicalName < $1.logicalName }
    }

    /// Whole days in a blueprint duration (`720h`, `30d`, `90m`), rounded up, at least one.
    static func days(_ duration: String) -> Int {
        guard let unit = duration.last, let value = Int(duration.dropLast()) else { return 1 }
        let seconds: Int
        switch unit {
        case "s": seconds = value
        case "m": seconds = value * 60
        case "h": seconds = value * 3600
        case "d": seconds = value * 86400
        default: return 1
        }
        return max(1, (seconds + 86399) / 86400)
    }

    /// The `buckets` variable's value.
    var bucketsValue: HCLExpression {
        .object(buckets.map { bucket in
            var fields: [HCLExpression.ObjectItem] = [.init("name", .string(bucket.name)), .init("versioning", .bool(bucket.versioning))]
            if let days = bucket.expirationDays { fields.append(.init("expiration_days", .int(days))) }
            return .init(bucket.logicalName, .object(fields))
        })
    }
}
