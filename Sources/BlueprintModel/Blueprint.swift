/// A validated blueprint for one environment view: the base blueprint with that
/// environment's overlay merged in, and the pins file.
///
/// Every entity keeps where it was declared (`location`) and where each of its
/// fields came from (`fieldLocations`, keyed by dotted path such as `quotas.cpu`),
/// so later stages (plan, diff, audit) can point at the line that caused a change.
public struct Blueprint: Sendable, Equatable {
    public var platform: Platform
    public var repositories: Repositories
    public var environments: [Environment]
    public var regions: [Region]
    public var organizations: [Organization]
    public var services: [Service]
    public var dataStores: [DataStore]
    public var observability: Observability
    public var backup: Backup?
    public var policy: Policy
    /// `promotion:`, when the blueprint orders promotions itself.
    public var promotion: Promotion?
    /// `ci:`: the pipelines scaffold writes for the repositories; nil writes none.
    public var ci: ContinuousIntegration?
    public var pins: Pins
    /// `alerts:`, where Alertmanager sends alerts (nil: nowhere outside the cluster).
    public var alerts: Alerting? = nil
    /// `components:`, optional platform components (all off when absent).
    public var components: Components = Components()

    /// The order `scaffold promote` moves digests in: `promotion:`, else the environments
    /// in the order they are declared (dev-local → staging → production).
    public var promotionOrder: [String] { promotion?.order ?? environments.map(\.name) }

    public func environment(_ name: String) -> Environment? { environments.first { $0.name == name } }
    public func region(_ id: String) -> Region? { regions.first { $0.id == id } }
    public func service(_ name: String) -> Service? { services.first { $0.name == name } }
    public func dataStore(_ name: String) -> DataStore? { dataStores.first { $0.name == name } }
    public func organization(_ id: String) -> Organization? { organizations.first { $0.id == id } }

    /// The regions an environment runs in, in declaration order.
    public func regions(running environment: String) -> [Region] {
        regions.filter { $0.environments.contains(environment) }
    }

    /// The secret manager a cluster reads its credentials from: the in-cluster store on
    /// local clusters, else the region's own, else the platform's (the in-cluster store
    /// when the blueprint names none).
    public func secretStoreProvider(environment: Environment, region: Region) -> SecretStoreProvider {
        if environment.isLocal { return .kubernetes }
        return region.secretStore ?? platform.secretStore.provider ?? .kubernetes
    }

    /// The data stores deployed in a region.
    public func dataStores(in region: String) -> [DataStore] {
        dataStores.filter { $0.regions.contains(region) }
    }
}

public typealias FieldLocations = [String: SourceLocation]

public struct Platform: Sendable, Equatable {
    public var name: String
    public var domain: String
    public var secretStore: SecretStore
    public var certificates: CertificateSettings = CertificateSettings()
    public var location: SourceLocation
}

/// `ci:`: the CI pipelines scaffold writes beside its output (opt-in: a blueprint without
/// it gets none, so adding scaffold to a repository never changes its CI unasked).
/// GitHub Actions is the one provider today. The ops and infra workflows are generated
/// files of those repositories; the blueprint repository's (validate/verify/diff, and
/// platform-api's image recipe and release) come from `scaffold ci` and `scaffold init`.
public struct ContinuousIntegration: Sendable, Equatable {
    public static let defaultFolder = ".github/workflows"
    public static let defaultRunner = "ubuntu-24.04"
    /// `github`.
    public var provider: String
    /// Where workflow files go inside each repository.
    public var folder: String
    /// The runner label every job runs on.
    public var runner: String
    /// The blueprint repository on GitHub, `owner/name`: the ops workflow checks it out, and
    /// the release workflow signs from it (its keyless identity must match `policy.cosign.subject`).
    public var repository: String
    /// Where CI fetches scaffold's source (built at `v<generator version>`, so CI renders
    /// exactly what generated the output, and platform-api's image is built from it).
    public var scaffoldSource: String
    /// The blueprint's path inside its repository (default `blueprints/<platform name>.yaml`).
    public var blueprintPath: String?
    public var location: SourceLocation
    public var fieldLocations: FieldLocations

    public init(provider: String = "github", folder: String = ContinuousIntegration.defaultFolder,
                runner: String = ContinuousIntegration.defaultRunner, repository: String, scaffoldSource: String,
                blueprintPath: String? = nil, location: SourceLocation, fieldLocations: FieldLocations = [:]) {
        self.blueprintPath = blueprintPath
        self.provider = provider
        self.folder = folder
        self.runner = runner
        self.repository = repository
        self.scaffoldSource = scaffoldSource
        self.location = location
        self.fieldLocations = fieldLocations
    }

    /// The repository's owner (a GitHub organisation or user).
    public var owner: String { String(repository.split(separator: "/").first ?? "") }
}

/// The order images are promoted between environments (`promotion:`).
public struct Promotion: Sendable, Equatable {
    public var order: [String]
    /// Where each entry is written.
    public var locations: [SourceLocation]
}

/// How the clusters' ingress certificates are issued (cert-manager): an ACME account on
/// `acmeServer`, proving control of each name over HTTP-01 through the ingress controller.
public struct CertificateSettings: Sendable, Equatable {
    public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
    public var acmeServer: String
    /// The account's contact address; nil registers without one.
    public var acmeEmail: String?

    public init(acmeServer: String = CertificateSettings.letsEncrypt, acmeEmail: String? = nil) {
        self.acmeServer = acmeServer
        self.acmeEmail = acmeEmail
    }
}

/// Where the platform's credentials live: one External Secrets ClusterSecretStore per
/// cluster, named `name`, backed by `provider` (a region may use its own provider, and
/// local clusters always use the in-cluster store).
public struct SecretStore: Sendable, Equatable {
    public static let defaultName = "platform-secrets"
    public var name: String
    /// nil: the in-cluster store (``SecretStoreProvider/kubernetes``) everywhere.
    public var provider: SecretStoreProvider?
    public var location: SourceLocation

    public init(name: String = SecretStore.defaultName, provider: SecretStoreProvider? = nil, location: SourceLocation) {
        self.name = name
        self.provider = provider
        self.location = location
    }
}

/// A secret manager External Secrets reads from.
public enum SecretStoreProvider: Sendable, Equatable {
    /// HashiCorp Vault, KV version 2 at `path`, Kubernetes auth at `authPath` with `role`.
    case vault(server: String, path: String, role: String, authPath: String)
    /// AWS Secrets Manager in `region`; `roleARN` is the IAM role of External Secrets' service account (IRSA).
    case aws(region: String, roleARN: String?)
    /// Azure Key Vault at `vaultURL`, Workload Identity with the managed identity's `clientID`.
    case azure(vaultURL: String, clientID: String, tenantID: String?)
    /// GCP Secret Manager in `project`, Workload Identity as `serviceAccount` (a Google service account e-mail).
    case gcp(project: String, serviceAccount: String?)
    /// Secrets in a namespace of the cluster itself, read with External Secrets' Kubernetes
    /// provider: needs no outside service (dev-local, and blueprints that name no provider).
    case kubernetes

    public var kind: String {
        switch self {
        case .vault: "vault"
        case .aws: "aws"
        case .azure: "azure"
        case .gcp: "gcp"
        case .kubernetes: "kubernetes"
        }
    }
}

public struct Repositories: Sendable, Equatable {
    public var ops: GitRepository
    public var infra: GitRepository
}

public struct GitRepository: Sendable, Equatable {
    public var url: String
    public var branch: String
    public var location: SourceLocation
}

public struct CPUMemory: Sendable, Equatable {
    public var cpu: Quantity
    public var memory: Quantity

    public init(cpu: Quantity, memory: Quantity) {
        self.cpu = cpu
        self.memory = memory
    }
}

public struct Resources: Sendable, Equatable {
    public var requests: CPUMemory
    public var limits: CPUMemory

    public init(requests: CPUMemory, limits: CPUMemory) {
        self.requests = requests
        self.limits = limits
    }
}

public struct ReplicaRange: Sendable, Equatable {
    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }
}

public struct Environment: Sendable, Equatable {
    public enum PolicyMode: String, Sendable { case enforce = "Enforce", audit = "Audit" }
    public var name: String
    public var domain: String
    /// A local cluster (`k3d`) that replaces the region's cloud for this environment.
    public var localCluster: String?
    public var policyMode: PolicyMode
    public var replicas: ReplicaRange?
    public var resources: Resources?
    public var location: SourceLocation
    public var fieldLocations: FieldLocations

    public var isLocal: Bool { localCluster != nil }
}

public struct Region: Sendable, Equatable {
    public enum Residency: String, Sendable { case strict, relaxed }
    public var id: String
    public var country: String
    public var cloud: String
    public var cloudLocation: String?
    public var residency: Residency
    public var environments: [String]
    /// The region's own secret manager, instead of the platform's.
    public var secretStore: SecretStoreProvider?
    /// The networks (IPv4 CIDR) allowed to reach the Kubernetes API server of the
    /// region's clusters (Azure, GCP); empty: any network, with credentials.
    public var apiAuthorizedNetworks: [String] = []
    /// On premises: the S3-compatible object store in the region, outside its clusters,
    /// that backups go to (a cloud region backs up to the bucket its Terraform stack creates).
    public var backupEndpoint: String?
    public var location: SourceLocation
    public var fieldLocations: FieldLocations
}

public struct Organization: Sendable, Equatable {
    public struct Quotas: Sendable, Equatable {
        public var cpu: Quantity
        public var memory: Quantity
        public var storage: Quantity
    }
    public struct Project: Sendable, Equatable {
        public var id: String
        public var displayName: String
        public var location: SourceLocation
    }
    public struct DataPlacement: Sendable, Equatable {
        public var store: String
        public var region: String
        public var location: SourceLocation
    }
    public var id: String
    public var displayName: String
    public var homeRegion: String
    public var quotas: Quotas
    public var admins: [String]
    public var projects: [Project]
    public var data: [DataPlacement]
    public var backupRegion: String
    public var location: SourceLocation
    public var fieldLocations: FieldLocations
}

public struct Service: Sendable, Equatable {
    public struct Dependency: Sendable, Equatable {
        public enum Target: Sendable, Equatable {
            case service(String)
            case dataStore(String)
        }
        public var target: Target
        /// The port, when given; otherwise the target's own port.
        public var port: Int?
        public var location: SourceLocation
    }
    public struct Exposure: Sendable, Equatable {
        /// The host label: `<host>.<region>.<environment domain>` in each cluster.
        public var host: String
        public var path: String
        /// Also served as `<host>.<environment domain>`.
        public var global: Bool = false
    }
    public struct SecretReference: Sendable, Equatable {
        public var name: String
        public var key: String
        /// Random bytes of this length make the value (`scaffold secrets` says how);
        /// nil: a value only its owner has (an API key of an outside service).
        public var generate: Int?
        /// Where the entry is written (nil for references made in code).
        public var location: SourceLocation?

        public init(name: String, key: String, generate: Int? = nil, location: SourceLocation? = nil) {
            self.name = name
            self.key = key
            self.generate = generate
            self.location = location
        }
    }
    /// How the service's pods receive their secrets.
    public enum SecretDelivery: String, Sendable, CaseIterable {
        /// Each secret a read-only file, `<NAME>_FILE` naming it (the `_FILE` convention).
        case files
        /// Each secret also an environment variable (visible to anything that can read the
        /// process environment; checkov's CKV_K8S_35 is skipped with the reason).
        case environment
    }
    public var name: String
    public var image: String
    public var port: Int
    public var metricsPort: Int
    public var metricsPath: String
    /// Whether the blueprint declares `metrics`: only then is the service scraped and
    /// alerted on its own metrics (`metricsPort`/`metricsPath` otherwise hold the defaults).
    public var declaresMetrics: Bool = false
    /// The request metrics `metrics` names (what SLO alerts are computed from).
    public var requestMetrics: RequestMetrics = RequestMetrics()
    /// `slo:`; only a service declaring the metrics it needs has one.
    public var slo: ServiceLevelObjective?
    public var replicas: ReplicaRange
    public var resources: Resources
    public var liveness: String
    public var readiness: String
    public var startup: String
    public var dependsOn: [Dependency]
    public var expose: Exposure?
    /// Non-secret configuration, sorted by name.
    public var config: [(name: String, value: String)]
    public var secrets: [SecretReference]
    public var serviceAccountToken: Bool
    public var runsMigrations: Bool
    public var location: SourceLocation
    public var fieldLocations: FieldLocations
    /// `secretDelivery`: files unless the blueprint asks for environment variables.
    public var secretDelivery: SecretDelivery = .files

    public static func == (lhs: Service, rhs: Service) -> Bool {
        lhs.name == rhs.name && lhs.image == rhs.image && lhs.port == rhs.port && lhs.metricsPort == rhs.metricsPort
            && lhs.metricsPath == rhs.metricsPath && lhs.declaresMetrics == rhs.declaresMetrics && lhs.replicas == rhs.replicas && lhs.resources == rhs.resources
            && lhs.liveness == rhs.liveness && lhs.readiness == rhs.readiness && lhs.startup == rhs.startup
            && lhs.dependsOn == rhs.dependsOn && lhs.expose == rhs.expose
            && lhs.config.map(\.name) == rhs.config.map(\.name) && lhs.config.map(\.value) == rhs.config.map(\.value)
            && lhs.secrets == rhs.secrets && lhs.serviceAccountToken == rhs.serviceAccountToken
            && lhs.runsMigrations == rhs.runsMigrations && lhs.location == rhs.location && lhs.fieldLocations == rhs.fieldLocations
            && lhs.secretDelivery == rhs.secretDelivery && lhs.requestMetrics == rhs.requestMetrics && lhs.slo == rhs.slo
    }
}

public struct DataStore: Sendable, Equatable {
    public enum Kind: String, Sendable { case postgresql, redis, minio }
    public var name: String
    public var kind: Kind
    public var regions: [String]
    public var storage: Quantity
    public var buckets: [String]
    public var location: SourceLocation
    public var fieldLocations: FieldLocations
    /// `tls`: clients reach a Redis store over TLS (PostgreSQL always uses TLS).
    public var tls: Bool = false

    /// The port clients use.
    public var port: Int {
        switch kind {
        case .postgresql: 5432
        case .redis: 6379
        case .minio: 9000
        }
    }
}

public struct Observability: Sendable, Equatable {
    public var metricsRetention: String
    public var logsRetention: String
    public var tracesRetention: String
    /// Personal data masked in every log line before it leaves the node (`logMasking`).
    public var logMasking: [LogMask]

    /// A kind of personal data the log collector masks.
    public enum LogMask: String, Sendable, Equatable, CaseIterable {
        case email
        case phone
        /// The national identity number of the region's country, where scaffold knows its shape.
        case nationalId
    }
}

public struct Backup: Sendable, Equatable {
    public var schedule: String
    public var retention: String
    public var store: String
    public var bucket: String
    public var offRegionCopies: [String]
    /// When each cluster's restore drill runs (cron).
    public var restoreDrill: String
    public var location: SourceLocation
    public var fieldLocations: FieldLocations
}

public struct Policy: Sendable, Equatable {
    public enum Signing: Sendable, Equatable {
        case keyless(issuer: String, subject: String)
        case publicKey(String)
    }
    public var signing: Signing?
    public var requiredLabels: [String]
    public var maxApplicationDeletions: Int
    public var location: SourceLocation
}

/// Image digests by service, environment and optionally region.
public struct Pins: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public var service: String
        public var environment: String
        public var region: String?

        public init(service: String, environment: String, region: String? = nil) {
            self.service = service
            self.environment = environment
            self.region = region
        }

        /// The key in the pins file: `environment` or `environment/region`.
        public var entryName: String { region.map { "\(environment)/\($0)" } ?? environment }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.service, lhs.environment, lhs.region ?? "") < (rhs.service, rhs.environment, rhs.region ?? "")
        }
    }
    public var digests: [Key: String]
    public var locations: [Key: SourceLocation]
    public var file: String

    public init(digests: [Key: String] = [:], locations: [Key: SourceLocation] = [:], file: String = "") {
        self.digests = digests
        self.locations = locations
        self.file = file
    }

    /// The digest deployed for a service in an environment and region: the region's
    /// own pin when there is one, else the environment's.
    public func digest(service: String, environment: String, region: String) -> String? {
        digests[Key(service: service, environment: environment, region: region)]
            ?? digests[Key(service: service, environment: environment)]
    }
}
