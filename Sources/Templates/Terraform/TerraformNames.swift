import BlueprintModel
import Renderer

/// Every name the generated Terraform gives to cloud resources, derived from the
/// blueprint alone so two renders agree and nothing depends on the machine.
///
/// Object-storage names (buckets, Azure storage accounts) are global across all
/// customers of a cloud, so they end with a short suffix taken from the
/// platform's domain: stable for one platform, different between platforms.
struct TerraformNames: Sendable {
    var platform: String
    var region: String
    /// Six hex digits of SHA-256 of the platform domain.
    var suffix: String

    init(platform: Platform, region: Region) {
        self.platform = platform.name.lowercased()
        self.region = region.id.lowercased()
        suffix = String(ContentHash.sha256(platform.domain.lowercased()).prefix(6))
    }

    /// `<platform>-<region>-<environment>`: the prefix of every resource of a stack.
    func prefix(_ environment: String) -> String { "\(platform)-\(region)-\(environment.lowercased())" }

    /// A bucket's real name: `<platform>-<region>-<environment>-<bucket>-<suffix>`,
    /// shortened (keeping the suffix) to S3's 63 characters.
    func bucket(_ bucket: String, environment: String) -> String {
        Self.fit("\(prefix(environment))-\(bucket.lowercased())", suffix: suffix, limit: 63)
    }

    /// The bucket holding this region's Terraform state (S3-compatible and GCS).
    var stateBucket: String { Self.fit("\(platform)-\(region)-tfstate", suffix: suffix, limit: 63) }

    /// The state object of one environment inside the state bucket.
    func stateKey(_ environment: String) -> String { "\(environment)/terraform.tfstate" }

    /// Azure: the resource group holding the state storage account.
    var azureStateResourceGroup: String { "\(platform)-\(region)-tfstate" }

    /// Azure: the state storage account (3-24 lowercase letters and digits).
    var azureStateAccount: String { Self.alphanumeric("\(platform)\(region)tf", suffix: suffix) }

    /// Azure: the storage account holding an environment's buckets (as containers).
    func azureDataAccount(_ environment: String) -> String {
        Self.alphanumeric("\(platform)\(region)\(environment)", suffix: suffix)
    }

    static func fit(_ base: String, suffix: String, limit: Int) -> String {
        var head = String(base.prefix(limit - suffix.count - 1))
        while head.hasSuffix("-") { head.removeLast() }
        return "\(head)-\(suffix)"
    }

    static func alphanumeric(_ base: String, suffix: String) -> String {
        let letters = base.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return String(letters.prefix(24 - suffix.count)) + suffix
    }
}
