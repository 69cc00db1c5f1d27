import Renderer

/// The variables modules and live stacks share, defined once so a module and the
/// stack that calls it agree on type, description and validation.
enum TerraformInputs {
    static let name = TerraformVariable("name", .string, "Prefix of every resource name: <platform>-<region>-<environment>.")
        .validated(TF.matches("^[a-z][a-z0-9-]{1,40}[a-z0-9]$", .variable("name")),
                   "name must be 3 to 42 lowercase letters, digits or dashes, start with a letter and not end with a dash.")

    static let tags = TerraformVariable("tags", .map(.string), "Labels for every resource (platform, region, environment, country, residency, managed-by).")
        .validated(TF.all(.call("keys", [.variable("tags")]), "key", TF.matches("^[a-z][a-z0-9_-]{0,62}$", .reference("key"))),
                   "Tag keys must be lowercase letters, digits, '_' or '-', start with a letter and be at most 63 characters.")
        .validated(TF.all(.call("values", [.variable("tags")]), "value", TF.matches("^[a-z0-9_-]{0,63}$", .reference("value"))),
                   "Tag values must be at most 63 lowercase letters, digits, '_' or '-' (GCP labels and DigitalOcean tags accept nothing else).")

    /// Kubernetes node labels made from the stack's tags, `scaffold.dev/<tag>=<value>`: every
    /// node carries `scaffold.dev/region`, which the workloads and the residency policy select
    /// (`Residency.nodeLabel`). The k3s module writes the same labels as `node-label` flags.
    static let nodeLabels = HCLExpression.forObject(
        key: "key", value: "value", in: .variable("tags"),
        resultKey: .template([.literal(Residency.nodeLabelPrefix), .interpolation(.reference("key"))]),
        resultValue: .reference("value"))

    /// The cloud's own region name, validated per cloud.
    static func location(_ cloud: TerraformCloud) -> TerraformVariable {
        let variable = TerraformVariable("location", .string, cloud.locationDescription)
        return variable.validated(TF.matches(cloud.locationPattern, .variable("location")), cloud.locationMessage)
    }

    static func cidr(_ name: String, _ description: String) -> TerraformVariable {
        TerraformVariable(name, .string, description)
            .validated(TF.isCIDR(.variable(name)), "\(name) must be an IPv4 network in CIDR notation, e.g. 10.16.0.0/20.")
    }

    static let nodeCIDR = cidr("cidr", "The nodes' private IPv4 network (CIDR), unique per region and environment.")
    static let podsCIDR = cidr("pods_cidr", "The pods' IPv4 network (CIDR).")
    static let servicesCIDR = cidr("services_cidr", "The Kubernetes services' IPv4 network (CIDR).")

    static let kubernetesVersion = TerraformVariable("kubernetes_version", .string, "Kubernetes minor version (e.g. 1.33); patches follow the cloud's upgrade channel.")
        .validated(TF.matches("^1\\.[0-9]{2}$", .variable("kubernetes_version")), "kubernetes_version must be a minor version such as 1.33.")

    static let nodeSize = TerraformVariable("node_size", .string, "The machine type of the default node pool.")
        .validated(.binary(.greater, TF.length(.variable("node_size")), 0), "node_size must not be empty.")

    static let nodeCountMin = TerraformVariable("node_count_min", .number, "The fewest nodes the autoscaler keeps.")
        .validated(.binary(.and, .binary(.greaterOrEqual, .variable("node_count_min"), 1),
                           .binary(.equal, .variable("node_count_min"), .call("floor", [.variable("node_count_min")]))),
                   "node_count_min must be a whole number of at least 1.")

    static let nodeCountMax = TerraformVariable("node_count_max", .number, "The most nodes the autoscaler may add.")
        .validated(.binary(.and, .binary(.greaterOrEqual, .variable("node_count_max"), .variable("node_count_min")),
                           .binary(.lessOrEqual, .variable("node_count_max"), 100)),
                   "node_count_max must be between node_count_min and 100.")

    /// The region's `apiAuthorizedNetworks` (Azure, GCP).
    static let apiAuthorizedNetworks = TerraformVariable(
        "api_authorized_networks", .list(.string),
        "The only networks (IPv4 CIDR) that may reach the Kubernetes API server; empty: any network, with credentials.")
        .validated(TF.all(.variable("api_authorized_networks"), "network", TF.isCIDR(.reference("network"))),
                   "Every entry of api_authorized_networks must be an IPv4 network in CIDR notation, e.g. 203.0.113.0/24.")

    static let highAvailability = TerraformVariable("high_availability", .bool, "Run a highly available control plane (production).")

    static let buckets = TerraformVariable("buckets", .map(.object([
        .init("name", .string),
        .init("versioning", .bool),
        .init("expiration_days", .number, optional: true),
    ])), "Object-storage buckets by logical name: the real (globally unique) name, versioning, and the days after which objects expire (null: never).")
        .validated(TF.all(.call("values", [.variable("buckets")]), "bucket", TF.matches("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", .reference("bucket.name"))),
                   "Bucket names must be 3 to 63 lowercase letters, digits or dashes, starting and ending with a letter or digit.")
        .validated(TF.all(.call("values", [.variable("buckets")]), "bucket",
                          .binary(.or, .binary(.equal, .reference("bucket.expiration_days"), .null),
                                  .binary(.greaterOrEqual, .call("coalesce", [.reference("bucket.expiration_days"), 0]), 1))),
                   "expiration_days must be null or at least 1.")

    static let zone = TerraformVariable("zone", .string, "The DNS zone this region and environment answers for: <region>.<environment domain>.")
        .validated(TF.matches("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", .variable("zone")),
                   "zone must be a lowercase DNS name such as tr.staging.example.com.")

    static let hosts = TerraformVariable("hosts", .list(.string), "Host names inside the zone that point at the ingress (one per exposed service).")
        .validated(TF.all(.variable("hosts"), "host", TF.matches("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", .reference("host"))),
                   "Each host must be a single DNS label (lowercase letters, digits, dashes).")

    static let ingressIPv4 = TerraformVariable("ingress_ipv4", .string, "The public IPv4 address of the ingress load balancer.")
        .validated(TF.isIPv4(.variable("ingress_ipv4")), "ingress_ipv4 must be an IPv4 address.")

    static let ttl = TerraformVariable("ttl", .number, "Time to live of the DNS records, in seconds.", default: 300)
        .validated(.binary(.and, .binary(.greaterOrEqual, .variable("ttl"), 30), .binary(.lessOrEqual, .variable("ttl"), 86400)),
                   "ttl must be between 30 and 86400 seconds.")

    /// A required identifier handed from one module to another (network ids, group names).
    static func identifier(_ name: String, _ description: String) -> TerraformVariable {
        TerraformVariable(name, .string, description)
            .validated(.binary(.greater, TF.length(.variable(name)), 0), "\(name) must not be empty.")
    }

    static func addresses(_ name: String, _ description: String, atLeast minimum: Int) -> TerraformVariable {
        let variable = TerraformVariable(name, .list(.string), description)
            .validated(TF.all(.variable(name), "address", TF.isIPv4(.reference("address"))), "Every entry of \(name) must be an IPv4 address.")
        guard minimum > 0 else { return variable }
        return variable.validated(.binary(.greaterOrEqual, TF.length(.variable(name)), .int(minimum)),
                                  "\(name) needs at least \(minimum) address\(minimum == 1 ? "" : "es").")
    }
}
