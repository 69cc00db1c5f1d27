/// The clouds a region's infrastructure can run on, with what differs between them.
enum TerraformCloud: String, Sendable, CaseIterable, Comparable {
    case digitalocean
    case azure
    case gcp
    /// k3s on machines the platform team already runs: no cloud API, no provider.
    case onprem

    /// The cloud of a blueprint region; nil for `k3d` (local clusters get no Terraform).
    init?(region cloud: String) { self.init(rawValue: cloud) }

    static func < (lhs: TerraformCloud, rhs: TerraformCloud) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The provider the cloud's modules need; nil when they need none.
    var provider: TerraformProvider? {
        switch self {
        case .digitalocean: .digitalocean
        case .azure: .azurerm
        case .gcp: .google
        case .onprem: nil
        }
    }

    /// The default node pool's machine: its name and what it offers.
    var nodeShape: NodeShape {
        switch self {
        case .digitalocean: NodeShape(size: "s-4vcpu-8gb", cpuMillis: 4000, memoryMiB: 8192)
        case .azure: NodeShape(size: "Standard_D4s_v5", cpuMillis: 4000, memoryMiB: 16384)
        case .gcp: NodeShape(size: "e2-standard-4", cpuMillis: 4000, memoryMiB: 16384)
        // The machines exist already; the shape only sizes the advice in outputs.
        case .onprem: NodeShape(size: "existing", cpuMillis: 4000, memoryMiB: 8192)
        }
    }

    var locationDescription: String {
        switch self {
        case .digitalocean: "The DigitalOcean region slug (e.g. fra1) everything of this region is created in."
        case .azure: "The Azure region name (e.g. spaincentral) everything of this region is created in."
        case .gcp: "The Google Cloud region (e.g. europe-west1) everything of this region is created in; never a multi-region."
        case .onprem: "The name of the site whose machines run the cluster."
        }
    }

    var locationPattern: String {
        switch self {
        case .digitalocean: "^[a-z]{3}[0-9]$"
        case .azure: "^[a-z][a-z0-9]+$"
        case .gcp: "^[a-z]+-[a-z]+[0-9]+$"
        case .onprem: "^[a-z0-9][a-z0-9-]*$"
        }
    }

    var locationMessage: String {
        switch self {
        case .digitalocean: "location must be a DigitalOcean region slug such as fra1."
        case .azure: "location must be an Azure region name such as spaincentral (lowercase, no spaces)."
        case .gcp: "location must be a single Google Cloud region such as europe-west1: multi-regions would move data across borders."
        case .onprem: "location must be a lowercase site name."
        }
    }
}

/// A node machine type and its capacity.
struct NodeShape: Sendable, Equatable {
    var size: String
    var cpuMillis: Int64
    var memoryMiB: Int64
}
