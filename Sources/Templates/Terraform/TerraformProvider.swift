import Renderer

/// A provider the generated Terraform uses, pinned to one exact version.
///
/// Versions are pinned exactly (not `~>`) so that every region and environment
/// plans with the same provider code; raising a pin is a reviewed change to this
/// file that regenerates every `versions.tf` at once.
struct TerraformProvider: Sendable, Equatable {
    /// The local name (`digitalocean`, `azurerm`, `google`).
    var name: String
    var source: String
    var version: String
    /// Environment variables the provider reads its credentials from. Documented
    /// in the generated files; never given a value by scaffold.
    var credentialVariables: [String]

    static let digitalocean = TerraformProvider(
        name: "digitalocean", source: "digitalocean/digitalocean", version: "2.67.0",
        credentialVariables: ["DIGITALOCEAN_TOKEN", "SPACES_ACCESS_KEY_ID", "SPACES_SECRET_ACCESS_KEY"])
    static let azurerm = TerraformProvider(
        name: "azurerm", source: "hashicorp/azurerm", version: "4.55.0",
        credentialVariables: ["ARM_SUBSCRIPTION_ID", "ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_USE_OIDC or ARM_CLIENT_SECRET"])
    static let google = TerraformProvider(
        name: "google", source: "hashicorp/google", version: "7.6.0",
        credentialVariables: ["GOOGLE_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS (or workload identity federation)"])

    /// The Terraform versions every generated root and module accepts: 1.10 brings
    /// S3 state locking without DynamoDB and cross-variable validation rules.
    static let requiredTerraformVersion = ">= 1.10.0, < 2.0.0"

    /// `terraform { required_version … required_providers { … } }`.
    static func versionsBlock(_ providers: [TerraformProvider]) -> HCLBlock {
        var body: [HCLBodyItem] = [.attr("required_version", .string(requiredTerraformVersion))]
        if !providers.isEmpty {
            body.append(.block(HCLBlock("required_providers", body: providers.map { provider in
                .attr(provider.name, .object(["source": .string(provider.source), "version": .string(provider.version)]))
            })))
        }
        return HCLBlock("terraform", body: body)
    }
}
