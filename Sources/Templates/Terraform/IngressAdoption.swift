import BlueprintModel
import Renderer

/// How the ingress controller's `LoadBalancer` Service takes over the address Terraform
/// made for it, so the address (and the DNS records pointing at it) exists before the
/// cluster runs and the cloud never makes a second one. One owner for both sides: the
/// Terraform modules name the resource `<stack name>` + ``resourceSuffix``, the Helm
/// values carry the annotation naming it.
///
/// - DigitalOcean: the cloud controller finds a load balancer by its name
///   (`service.beta.kubernetes.io/do-loadbalancer-name`) and from then on tracks it by id.
/// - Azure: `service.beta.kubernetes.io/azure-pip-name`, a public IP in the cluster's node
///   resource group (where the cloud provider looks by default).
/// - GCP: `networking.gke.io/load-balancer-ip-addresses` names the reserved address, on a
///   backend-service-based network load balancer (`cloud.google.com/l4-rbs`), which that
///   annotation needs.
/// - On premises: k3s' ServiceLB answers on ports 80 and 443 of the nodes; `ingress_ipv4`
///   is the address in front of them (a node, or the site's VIP). Nothing to adopt.
/// - Local clusters: no Terraform, nothing to adopt.
public enum IngressAdoption {
    /// The suffix of the load balancer / address resource's name after the stack's name.
    static let resourceSuffix = "-ingress"

    /// The annotation that names the Terraform-made resource, and the live stack's output
    /// that reports that resource's name (checked against each other by the tests).
    public struct Binding: Sendable, Equatable {
        public var annotation: String
        public var terraformOutput: String
    }

    /// The binding of a cloud; nil where nothing is adopted.
    public static func binding(cloud: String) -> Binding? {
        switch TerraformCloud(region: cloud) {
        case .digitalocean: Binding(annotation: "service.beta.kubernetes.io/do-loadbalancer-name", terraformOutput: "ingress_load_balancer_name")
        case .azure: Binding(annotation: "service.beta.kubernetes.io/azure-pip-name", terraformOutput: "ingress_public_ip_name")
        case .gcp: Binding(annotation: "networking.gke.io/load-balancer-ip-addresses", terraformOutput: "ingress_address_name")
        case .onprem, nil: nil
        }
    }

    /// The ingress Service's annotations in a cluster.
    public static func annotations(_ context: ClusterContext) -> [String: String] {
        guard !context.environment.isLocal, let binding = binding(cloud: context.region.cloud) else { return [:] }
        let names = TerraformNames(platform: context.blueprint.platform, region: context.region)
        var annotations = [binding.annotation: names.prefix(context.scope.environment) + resourceSuffix]
        if TerraformCloud(region: context.region.cloud) == .gcp { annotations["cloud.google.com/l4-rbs"] = "enabled" }
        return annotations
    }

    /// The resource's name attribute in the cluster module: `"${var.name}-ingress"`.
    static var resourceName: HCLExpression { TF.text("", .variable("name"), resourceSuffix) }
}
