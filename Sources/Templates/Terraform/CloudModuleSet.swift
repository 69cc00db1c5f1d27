import BlueprintModel
import Renderer

/// What one cloud contributes: its four modules (network, cluster, bucket, dns)
/// and how a live stack wires them, keeps its state and configures the provider.
protocol CloudModuleSet {
    static var cloud: TerraformCloud { get }
    static var network: TerraformModule { get }
    static var cluster: TerraformModule { get }
    static var bucket: TerraformModule { get }
    static var dns: TerraformModule { get }

    /// Variables a live stack of this cloud declares beyond the shared ones, with
    /// their `terraform.tfvars` values (nil: the operator supplies the value).
    static func stackVariables(_ stack: LiveStack) -> [(TerraformVariable, HCLExpression?)]
    /// The `module` blocks of `main.tf` after the naming module.
    static func moduleCalls(_ stack: LiveStack) -> [HCLBodyItem]
    /// Comment lines and the `backend` block of `backend.tf`.
    static func backend(_ stack: LiveStack) -> (comment: [String], block: HCLBlock)
    /// `providers.tf`: comment lines and provider blocks (empty without a provider).
    static func providerConfiguration(location: HCLExpression) -> [HCLBodyItem]
    /// Outputs beyond the shared ones.
    static func extraOutputs(_ stack: LiveStack) -> [TerraformOutput]
    /// The one-off stack creating the region's state storage; nil when the
    /// operator provides it (on premises).
    static func stateBootstrap(names: TerraformNames, region: Region) -> [HCLBodyItem]?
}

extension CloudModuleSet {
    static var modules: [TerraformModule] { [network, cluster, bucket, dns] }

    /// A comment naming the environment variables the provider reads credentials from.
    static func credentialComment(_ provider: TerraformProvider) -> [HCLBodyItem] {
        ["Credentials come from the environment, never from these files:"]
            .map(HCLBodyItem.comment) + provider.credentialVariables.map { .comment("  \($0)") }
    }
}

/// The module set of a cloud.
func moduleSet(for cloud: TerraformCloud) -> any CloudModuleSet.Type {
    switch cloud {
    case .digitalocean: DigitalOceanModules.self
    case .azure: AzureModules.self
    case .gcp: GCPModules.self
    case .onprem: OnPremModules.self
    }
}
