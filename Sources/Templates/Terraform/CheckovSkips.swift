import Renderer

/// The checkov checks the generated Terraform deliberately does not meet, each with
/// the reason written beside it as checkov's in-line suppression
/// (`# checkov:skip=<id>:<reason>`, first thing in the resource block it concerns).
///
/// One owner for every such exception, so they can be read and reviewed together
/// (docs/terraform.md lists them): a check lands here only when meeting it would
/// make the Terraform fail to apply, cut the platform off from itself, break data
/// residency, or take a cost or operations choice the blueprint does not make.
/// Everything else is met for real by the modules.
enum CheckovSkip: String, CaseIterable, Sendable {
    // Azure: AKS
    case aksPrivateCluster = "CKV_AZURE_115"
    case aksAuthorizedIPRanges = "CKV_AZURE_6"
    case aksPaidSLA = "CKV_AZURE_170"
    case aksDiskEncryptionSet = "CKV_AZURE_117"
    case aksHostEncryption = "CKV_AZURE_227"
    case aksEphemeralOSDisk = "CKV_AZURE_226"
    case aksCriticalAddonsOnly = "CKV_AZURE_232"
    case aksSecretsStoreRotation = "CKV_AZURE_172"
    case nsgHTTPFromInternet = "CKV_AZURE_160"
    // Azure: storage
    case storagePublicNetwork = "CKV_AZURE_59"
    case storagePrivateEndpoint = "CKV2_AZURE_33"
    case storageGeoReplication = "CKV_AZURE_206"
    case storageCustomerManagedKey = "CKV2_AZURE_1"
    case storageQueueLogging = "CKV_AZURE_33"
    case storageBlobReadLogging = "CKV2_AZURE_21"
    // GCP: GKE
    case gkePrivateCluster = "CKV_GCP_25"
    case gkePrivateNodes = "CKV_GCP_64"
    case gkeAuthorizedNetworks = "CKV_GCP_20"
    case gkeBinaryAuthorization = "CKV_GCP_66"
    case gkeGoogleGroups = "CKV_GCP_65"
    case gkeRemovedDefaultPool = "CKV_GCP_69"
    // GCP: Cloud Storage
    case bucketAccessLogging = "CKV_GCP_62"

    var reason: String {
        switch self {
        case .aksPrivateCluster:
            "CI and operators reach the API server over the internet; a private cluster needs a VPN or jump host the platform does not own"
        case .aksAuthorizedIPRanges:
            "the region's apiAuthorizedNetworks restrict the API server when the blueprint lists them; without them any network may try, with Entra ID credentials"
        case .aksPaidSLA:
            "sku_tier is Standard (the paid SLA) in the blueprint's last environment, whose control plane is highly available, and Free in the others"
        case .aksDiskEncryptionSet:
            "customer-managed keys need a Key Vault the platform does not own; disks are encrypted with platform-managed keys"
        case .aksHostEncryption:
            "encryption at host applies only once the subscription registers Microsoft.Compute/EncryptionAtHost"
        case .aksEphemeralOSDisk:
            "the node size comes from the blueprint and an ephemeral OS disk fits only sizes with a large enough cache or temp disk"
        case .aksCriticalAddonsOnly:
            "one node pool carries system pods and workloads; a separate user pool would double the minimum node count"
        case .aksSecretsStoreRotation:
            "External Secrets delivers the credentials; the Secrets Store CSI driver add-on is not installed"
        case .nsgHTTPFromInternet:
            "the ingress answers plain HTTP only to redirect it to HTTPS (ingress-nginx ssl-redirect)"
        case .storagePublicNetwork:
            "reached over its public endpoint with Entra ID only (shared keys are off); private endpoints are not generated"
        case .storagePrivateEndpoint:
            "private endpoints and their DNS zones are not generated; access needs Entra ID (shared keys are off)"
        case .storageGeoReplication:
            "data residency: geo-redundant types copy data to the paired region; ZRS replicates across the region's zones"
        case .storageCustomerManagedKey:
            "customer-managed keys need a Key Vault the platform does not own; data is encrypted with Microsoft-managed keys"
        case .storageQueueLogging:
            "the account serves blobs only; it has no queues to log"
        case .storageBlobReadLogging:
            "storage insights need the account's shared key, which is disabled"
        case .gkePrivateCluster:
            "CI and operators reach the API server over the internet; a private endpoint needs a VPN or jump host the platform does not own"
        case .gkePrivateNodes:
            "nodes without public addresses need Cloud NAT to pull images from registries outside Google; the firewall refuses inbound traffic"
        case .gkeAuthorizedNetworks:
            "the region's apiAuthorizedNetworks restrict the API server when the blueprint lists them; without them any network may try, with Google credentials"
        case .gkeBinaryAuthorization:
            "needs the Binary Authorization API and a project policy the platform does not own; Kyverno's policies govern images"
        case .gkeGoogleGroups:
            "needs the organization's Google Workspace group gke-security-groups@<domain>, which the blueprint does not name"
        case .gkeRemovedDefaultPool:
            "the default pool is removed at creation; google_container_node_pool.default runs on the GKE metadata server"
        case .bucketAccessLogging:
            "usage logs need a second bucket per region; Cloud Audit Logs record access"
        }
    }

    /// The in-line suppression comment for a resource block's body.
    var comment: HCLBodyItem { .comment("checkov:skip=\(rawValue):\(reason)") }

    /// The comments for `skips`, in the order given.
    static func comments(_ skips: [CheckovSkip]) -> [HCLBodyItem] { skips.map(\.comment) }
}
