/// The blueprint format v1, declared once: checked by ``SchemaChecker`` and
/// printed by `scaffold schema`. `docs/blueprint.md` explains each part.
public enum BlueprintSchema {
    public static let apiVersion = "scaffold.dev/v1"
    public static let environmentNames = ["dev-local", "staging", "production"]
    public static let clouds = ["digitalocean", "azure", "gcp", "onprem", "k3d"]

    static let name = Schema.string(.dnsLabel, description: "A DNS-1123 label.")

    static func reference(_ what: String) -> Schema {
        .string(.dnsLabel, description: "The name of a declared \(what).")
    }

    static let cpuMemory = Schema.object(ObjectSchema("CPU and memory.", [
        .required("cpu", .string(.quantity, description: "CPU, e.g. `250m` or `2`.")),
        .required("memory", .string(.quantity, description: "Memory, e.g. `256Mi`.")),
    ]))

    static let resources = Schema.object(ObjectSchema("Container requests and limits.", [
        .required("requests", cpuMemory),
        .required("limits", cpuMemory),
    ]))

    static let replicas = Schema.object(ObjectSchema("Replica range (the HorizontalPodAutoscaler's bounds).", [
        .required("min", .integer(description: "Minimum replicas.", minimum: 1, maximum: 1000)),
        .required("max", .integer(description: "Maximum replicas.", minimum: 1, maximum: 1000)),
    ]))

    static let repository = Schema.object(ObjectSchema("A git repository.", [
        .required("url", .string(.repositoryURL, description: "A git URL or a local path (a bare repository works).")),
        .optional("branch", .string(.branch, description: "The branch scaffold commits to.", defaultValue: "main")),
    ]))

    static let environment = Schema.object(ObjectSchema("An environment.", [
        .required("name", .string(.dnsLabel, description: "The environment.", enumValues: environmentNames)),
        .required("domain", .string(.dnsSubdomain, description: "The environment's base domain; ingress hosts are `<host>.<domain>`.")),
        .optional("cluster", .string(.any, description: "Run this environment on a local cluster instead of the region's cloud.", enumValues: ["k3d"])),
        .optional("policyMode", .string(.any, description: "Kyverno validation failure action. Default: Audit in dev-local, Enforce elsewhere.", enumValues: ["Enforce", "Audit"])),
        .optional("replicas", replicas),
        .optional("resources", resources),
    ]))

    /// The providers a secret store can name; exactly one per store.
    static let secretStoreProviders: [Property] = [
        .optional("vault", .object(ObjectSchema("HashiCorp Vault (KV version 2), Kubernetes auth.", [
            .required("server", .string(.httpsURL, description: "Vault's address, e.g. `https://vault.example.com:8200`.")),
            .optional("path", .string(.dnsLabel, description: "The KV v2 mount.", defaultValue: "secret")),
            .optional("role", .string(.any, description: "The Kubernetes auth role External Secrets logs in as.", defaultValue: "external-secrets")),
            .optional("authPath", .string(.any, description: "Where the Kubernetes auth method is mounted.", defaultValue: "kubernetes")),
        ]))),
        .optional("aws", .object(ObjectSchema("AWS Secrets Manager, with IAM roles for service accounts.", [
            .required("region", .string(.dnsLabel, description: "The AWS region, e.g. `eu-central-1`.")),
            .optional("roleArn", .string(.any, description: "The IAM role External Secrets' service account assumes.")),
        ]))),
        .optional("azure", .object(ObjectSchema("Azure Key Vault, with Workload Identity.", [
            .required("vaultUrl", .string(.httpsURL, description: "The vault, e.g. `https://galaxy-es.vault.azure.net`.")),
            .required("clientId", .string(.any, description: "The client id of the managed identity External Secrets uses.")),
            .optional("tenantId", .string(.any, description: "The Entra tenant (default: the cluster's).")),
        ]))),
        .optional("gcp", .object(ObjectSchema("GCP Secret Manager, with GKE Workload Identity.", [
            .required("project", .string(.any, description: "The project holding the secrets.")),
            .optional("serviceAccount", .string(.any, description: "The Google service account External Secrets acts as.")),
        ]))),
        .optional("kubernetes", .object(ObjectSchema("Secrets in the cluster's own `secret-store` namespace: no outside service (always used on local clusters).", []))),
    ]

    static let secretStore = Schema.object(ObjectSchema(
        "Where the platform's credentials live: one External Secrets ClusterSecretStore per cluster. Keys are scoped `<environment>/<region>/…`.",
        exactlyOneOf: [secretStoreProviders.map(\.name)],
        [.optional("name", .string(.dnsLabel, description: "The ClusterSecretStore's name.", defaultValue: SecretStore.defaultName))]
            + secretStoreProviders))

    static let certificates = Schema.object(ObjectSchema(
        "How the ingress certificates are issued: cert-manager with an ACME issuer (HTTP-01 through the ingress controller). Local clusters use a self-signed issuer.", [
            .optional("acme", .object(ObjectSchema("The ACME certificate authority.", [
                .optional("server", .string(.httpsURL, description: "The ACME directory.", defaultValue: CertificateSettings.letsEncrypt)),
                .optional("email", .string(.any, description: "The account's contact address (expiry and policy notices).")),
            ]))),
        ]))

    static let regionSecretStore = Schema.object(ObjectSchema(
        "The region's own secret manager, instead of the platform's.",
        exactlyOneOf: [secretStoreProviders.map(\.name)], secretStoreProviders))

    static let region = Schema.object(ObjectSchema("A region: one cluster per environment, with its own data, logs and backups.", [
        .required("id", name),
        .required("country", .string(.countryCode, description: "ISO 3166-1 alpha-2 country code where the region's data lives.")),
        .required("cloud", .string(.dnsLabel, description: "Where the region's clusters run.", enumValues: clouds)),
        .optional("location", .string(.any, description: "The cloud's own region name (e.g. `fra1`, `spaincentral`, `europe-west1`).")),
        .required("residency", .string(.dnsLabel, description: "`strict`: tenant data and backups never leave the region.", enumValues: ["strict", "relaxed"])),
        .required("environments", .array(items: reference("environment"), description: "The environments that run in this region.", minItems: 1)),
        .optional("secretStore", regionSecretStore),
        .optional("apiAuthorizedNetworks", .array(
            items: .string(.ipv4CIDR, description: "A network allowed to reach the Kubernetes API server."),
            description: "Azure and GCP: the only networks (operators, CI) that may reach the clusters' Kubernetes API server. Default: any network, with credentials.",
            minItems: 1)),
        .optional("backupEndpoint", .string(.httpsURL, description: "On premises (required there when `backup` is set): the S3-compatible object store in the region, outside its clusters, that PostgreSQL and Velero back up to. Cloud regions back up to the bucket their Terraform stack creates.")),
    ]))

    static let organization = Schema.object(ObjectSchema("A tenant: an organization that owns projects.", [
        .required("id", name),
        .required("displayName", .string(.any, description: "A human-readable name.")),
        .required("homeRegion", reference("region")),
        .required("quotas", .object(ObjectSchema("The organization's ResourceQuota in each environment.", [
            .required("cpu", .string(.quantity, description: "Total CPU requests.")),
            .required("memory", .string(.quantity, description: "Total memory requests.")),
            .required("storage", .string(.quantity, description: "Total persistent storage requests.")),
        ]))),
        .optional("admins", .array(items: .string(.any, description: "A group name from the cluster's identity provider."),
                                   description: "Groups bound to the organization's admin Role. Default: `<id>-admins`.")),
        .optional("projects", .array(items: .object(ObjectSchema("A project of the organization.", [
            .required("id", name),
            .optional("displayName", .string(.any, description: "A human-readable name.")),
        ])), description: "The organization's projects.", uniqueBy: "id")),
        .optional("data", .array(items: .object(ObjectSchema("Where this tenant's data lives.", [
            .required("store", reference("data store")),
            .optional("region", reference("region")),
        ])), description: "The data stores holding this tenant's data. Default: the home region.")),
        .optional("backup", .object(ObjectSchema("Where this tenant's backups go.", [
            .optional("region", reference("region")),
        ]))),
    ]))

    static let dependency = Schema.object(ObjectSchema("A dependency: another service or a data store.", exactlyOneOf: [["service", "dataStore"]], [
        .optional("service", reference("service")),
        .optional("dataStore", reference("data store")),
        .optional("port", .integer(description: "The port used. Default: the target's port.", minimum: 1, maximum: 65535)),
    ]))

    static let service = Schema.object(ObjectSchema("A service of the platform.", [
        .required("name", name),
        .required("image", .string(.imageRepository, description: "The image repository, without tag or digest: digests are pinned in the pins file.")),
        .required("port", .integer(description: "The container's HTTP port.", minimum: 1, maximum: 65535)),
        .optional("metrics", .object(ObjectSchema("Prometheus scraping, and the request metrics the service exports.", [
            .optional("port", .integer(description: "Metrics port. Default: the service port.", minimum: 1, maximum: 65535)),
            .optional("path", .string(.httpPath, description: "Metrics path.", defaultValue: "/metrics")),
            .optional("requests", .string(.metricName, description: "A counter of handled requests labelled with the HTTP status (`statusLabel`); `slo.availability` needs it.")),
            .optional("statusLabel", .string(.labelName, description: "The label of `requests` holding the HTTP status code.", defaultValue: "status")),
            .optional("duration", .string(.metricName, description: "A histogram of request durations in seconds (without `_bucket`); `slo.latency` needs it.")),
        ]))),
        .optional("slo", slo),
        .required("replicas", replicas),
        .required("resources", resources),
        .required("health", .object(ObjectSchema("Probe paths.", [
            .required("liveness", .string(.httpPath, description: "Liveness probe path.")),
            .required("readiness", .string(.httpPath, description: "Readiness probe path.")),
            .optional("startup", .string(.httpPath, description: "Startup probe path. Default: the liveness path.")),
        ]))),
        .optional("dependsOn", .array(items: dependency, description: "What this service calls; network allowlists are derived from it.")),
        .optional("expose", .object(ObjectSchema("Public exposure through the ingress controller.", [
            .required("host", .string(.dnsLabel, description: "Host label; each cluster serves `<host>.<region>.<environment domain>`, the name its region's DNS zone holds (local clusters: `<host>.<environment domain>`).")),
            .optional("path", .string(.httpPath, description: "Path prefix.", defaultValue: "/")),
            .optional("global", .boolean(description: "Also serve the global name `<host>.<environment domain>` (its DNS, e.g. geo-routing to the regions, is yours; it is added to every cluster's certificate).", defaultValue: false)),
        ]))),
        .optional("config", .map(keys: .envName, values: .scalar(description: "A non-secret value."),
                                 description: "Non-secret configuration, as environment variables.")),
        .optional("secrets", .array(items: .object(ObjectSchema("A secret reference: a name in the secret store, never a value.", [
            .required("name", .string(.envName, description: "The environment variable.")),
            .required("key", .string(.secretKey, description: "The key in the secret store, below the cluster's scope `<environment>/<region>/`.")),
            .optional("generate", .integer(description: "Make the value from this many random bytes (`scaffold secrets` lists how); without it the value is yours to supply.", minimum: 16, maximum: 512)),
        ])), description: "Secrets by reference.", uniqueBy: "name")),
        .optional("serviceAccountToken", .boolean(description: "Mount the service account token.", defaultValue: false)),
        .optional("secretDelivery", .string(.dnsLabel, description: "How pods receive secrets: `files` (read-only files, `<NAME>_FILE` names each) or `environment` (environment variables too).", enumValues: ["files", "environment"], defaultValue: "files")),
        .optional("migrations", .boolean(description: "Run the platform's database migrations as a Job before each rollout.", defaultValue: false)),
    ]))

    static let slo = Schema.object(ObjectSchema(
        "Service level objectives, alerted on by multi-window, multi-burn-rate rules over the metrics `metrics` names.", [
            .optional("availability", .string(.percentage, description: "The share of requests answered without a server error (5xx), e.g. `99.9%`.")),
            .optional("latency", .object(ObjectSchema("The share of requests faster than a threshold.", [
                .required("threshold", .string(.requestDuration, description: "A bucket bound of the `duration` histogram, e.g. `200ms`.")),
                .required("objective", .string(.percentage, description: "The share of requests faster than `threshold`, e.g. `99%`.")),
            ]))),
            .optional("window", .string(.duration, description: "The compliance window the error budget spans.", defaultValue: "30d")),
        ]))

    static let receiverSecret = Schema.string(.secretKey, description: "The secret-store key holding it, below the cluster's scope `<environment>/<region>/`; never the value.")

    static let alerts = Schema.object(ObjectSchema("Where Alertmanager sends alerts (local clusters send none out).", [
        .required("receivers", .array(items: .object(ObjectSchema(
            "A receiver: one channel, its credential read from the secret store.",
            exactlyOneOf: [["email", "slack", "webhook", "pagerduty"]], [
                .required("name", name),
                .optional("email", .object(ObjectSchema("E-mail through an SMTP server.", [
                    .required("to", .string(.any, description: "The recipient address.")),
                    .required("from", .string(.any, description: "The sender address.")),
                    .required("smarthost", .string(.any, description: "The SMTP server as `host:port`.")),
                    .optional("username", .string(.any, description: "The SMTP user.")),
                    .optional("password", receiverSecret),
                ]))),
                .optional("slack", .object(ObjectSchema("A Slack incoming webhook.", [
                    .required("channel", .string(.any, description: "The channel, e.g. `#platform-alerts`.")),
                    .required("url", receiverSecret),
                ]))),
                .optional("webhook", .object(ObjectSchema("An HTTP endpoint receiving Alertmanager's JSON.", [
                    .required("url", receiverSecret),
                ]))),
                .optional("pagerduty", .object(ObjectSchema("PagerDuty Events API v2.", [
                    .required("routingKey", receiverSecret),
                ]))),
            ])), description: "Receivers.", minItems: 1, uniqueBy: "name")),
        .required("routes", .array(items: .object(ObjectSchema("A route: alerts matching every given label go to the receiver; the first match wins.", [
            .optional("severity", .string(.dnsLabel, description: "The alerts' severity.", enumValues: Alerting.severities)),
            .optional("environment", reference("environment")),
            .required("receiver", reference("receiver")),
        ])), description: "Routes, in order; alerts matching none go nowhere.", minItems: 1)),
    ]))

    static let dataStore = Schema.object(ObjectSchema("A data store, deployed in each of its regions.", [
        .required("name", name),
        .required("kind", .string(.dnsLabel, description: "The engine.", enumValues: ["postgresql", "redis", "minio"])),
        .optional("regions", .array(items: reference("region"), description: "Regions it runs in. Default: every region.")),
        .optional("storage", .string(.quantity, description: "Volume size per region.", defaultValue: "10Gi")),
        .optional("buckets", .array(items: name, description: "MinIO buckets (minio only).")),
        .optional("tls", .boolean(description: "Clients connect over TLS, verifying the server's certificate (redis only: PostgreSQL always uses TLS).", defaultValue: false)),
    ]))

    static let cosign = Schema.object(ObjectSchema("How images are signed (cosign): keyless (issuer and subject) or a public key.", exactlyOneOf: [["issuer", "publicKey"]], [
        .optional("issuer", .string(.any, description: "OIDC issuer of keyless signatures.")),
        .optional("subject", .string(.any, description: "Certificate subject (a `*` wildcard is allowed).")),
        .optional("publicKey", .string(.any, description: "PEM public key.")),
    ]))

    public static let blueprint = Schema.object(ObjectSchema("A scaffold blueprint: one description of a GitOps platform.", [
        .required("apiVersion", .string(.any, description: "The format version.", enumValues: [apiVersion])),
        .required("platform", .object(ObjectSchema("The platform.", [
            .required("name", name),
            .required("domain", .string(.dnsSubdomain, description: "The platform's base domain.")),
            .optional("secretStore", secretStore),
            .optional("certificates", certificates),
        ]))),
        .required("repositories", .object(ObjectSchema("Where scaffold commits its output.", [
            .required("ops", repository),
            .required("infra", repository),
        ]))),
        .required("environments", .array(items: environment, description: "Environments.", minItems: 1, uniqueBy: "name")),
        .optional("promotion", .array(items: reference("environment"), description: "The order `scaffold promote` moves image digests in (forward only without `--force`). Default: the environments in the order declared.", minItems: 2)),
        .required("regions", .array(items: region, description: "Regions.", minItems: 1, uniqueBy: "id")),
        .optional("organizations", .array(items: organization, description: "Tenants.", uniqueBy: "id")),
        .optional("services", .array(items: service, description: "Services.", uniqueBy: "name")),
        .optional("dataStores", .array(items: dataStore, description: "Data stores.", uniqueBy: "name")),
        .optional("observability", .object(ObjectSchema("Observability retention, per region.", [
            .optional("metricsRetention", .string(.duration, description: "Prometheus retention.", defaultValue: "15d")),
            .optional("logsRetention", .string(.duration, description: "Loki retention.", defaultValue: "168h")),
            .optional("tracesRetention", .string(.duration, description: "Tempo retention.", defaultValue: "72h")),
            .optional("logMasking", .array(
                items: .string(.any, description: "A kind of personal data.", enumValues: Observability.LogMask.allCases.map(\.rawValue)),
                description: "Personal data the log collector masks on each node before a line is shipped: `email`, `phone` (international, with a leading +), `nationalId` (the region's country's identity number, where scaffold knows its shape). Default: all three; `[]` turns masking off.",
                uniqueBy: nil)),
        ]))),
        .optional("alerts", alerts),
        .optional("components", components),
        .optional("backup", .object(ObjectSchema("Backups, kept in each region's own object storage outside its clusters: the bucket the region's Terraform stack creates (on premises, at the region's `backupEndpoint`). PostgreSQL archives WAL and base backups there; Velero keeps cluster state and the volumes that are not databases. Local clusters take no backups.", [
            .optional("schedule", .string(.cron, description: "When base backups (PostgreSQL) and Velero backups run.", defaultValue: "0 2 * * *")),
            .optional("retention", .string(.duration, description: "How long backups are kept.", defaultValue: "720h")),
            .required("store", reference("data store (minio)")),
            .required("bucket", .string(.dnsLabel, description: "The backup bucket: one of the store's buckets, which the region's Terraform stack creates in the cloud, versioned and expiring after `retention`. No service may use it.")),
            .optional("restoreDrill", .string(.cron, description: "When each cluster restores its latest PostgreSQL backup into a scratch cluster and verifies it (row counts per tenant table, row-level security still forced).", defaultValue: "0 5 * * 0")),
            .optional("offRegionCopies", .array(items: reference("region"), description: "Extra regions receiving encrypted copies (not allowed from strict regions).")),
        ]))),
        .optional("ci", .object(ObjectSchema("CI pipelines for the repositories (opt-in): drift check in ops, Terraform checks in infra; `scaffold ci` writes the blueprint repository's.", [
            .optional("provider", .string(.any, description: "The CI system.", enumValues: ["github"], defaultValue: "github")),
            .optional("folder", .string(.any, description: "Where workflow files go in each repository.", defaultValue: ContinuousIntegration.defaultFolder)),
            .optional("runner", .string(.any, description: "The runner label jobs run on.", defaultValue: ContinuousIntegration.defaultRunner)),
            .required("repository", .string(.any, description: "The blueprint repository on GitHub, `owner/name`; platform-api's release is signed from it, so its workflow identity must match `policy.cosign.subject`.")),
            .optional("blueprintPath", .string(.any, description: "The blueprint's path inside its repository (default `blueprints/<platform name>.yaml`); `scaffold ci` checks it.")),
            .required("scaffoldSource", .string(.repositoryURL, description: "The git URL CI builds scaffold (and platform-api's image) from, at tag `v<generator version>`.")),
        ]))),
        .optional("policy", .object(ObjectSchema("Admission policy.", [
            .optional("cosign", cosign),
            .optional("requiredLabels", .array(items: .string(.labelKey, description: "A label key."), description: "Labels every workload must carry.")),
            .optional("maxApplicationDeletions", .integer(description: "Regenerations deleting more Applications than this are refused without --allow-deletions.", minimum: 0, defaultValue: 3)),
        ]))),
    ]))

    /// The pins file: one image digest per service and environment (optionally per region).
    public static let pins = Schema.object(ObjectSchema("Machine-owned image pins, rewritten by `scaffold bump` and `scaffold promote`.", [
        .required("apiVersion", .string(.any, description: "The format version.", enumValues: [apiVersion])),
        .required("kind", .string(.any, description: "Always `Pins`.", enumValues: ["Pins"])),
        .required("pins", .map(keys: .dnsLabel, values: .map(keys: .any, values: .string(.digest, description: "An image digest."),
                                                              description: "Digests by `environment` or `environment/region`."),
                               description: "Digests by service.")),
    ]))
}
