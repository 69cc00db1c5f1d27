import BlueprintModel
import Renderer

/// DigitalOcean: a VPC, a DOKS cluster with an ingress load balancer, Spaces
/// buckets and a DNS zone, all in the region's own DigitalOcean region.
enum DigitalOceanModules: CloudModuleSet {
    static let cloud = TerraformCloud.digitalocean
    static let provider = TerraformProvider.digitalocean

    static let network = TerraformModule(
        folder: "digitalocean", kind: "network",
        summary: ["The private network (VPC) of one region and environment."],
        provider: provider,
        variables: [TerraformInputs.name, TerraformInputs.location(cloud), TerraformInputs.nodeCIDR],
        main: [.block(HCLBlock("resource", "digitalocean_vpc", "this", body: [
            .attr("name", .variable("name")),
            .attr("region", .variable("location")),
            .attr("ip_range", .variable("cidr")),
            .attr("description", TF.text("Private network of ", .variable("name"), ", managed by scaffold.")),
        ]))],
        outputs: [
            TerraformOutput("id", "The VPC's id.", TF.ref("digitalocean_vpc.this.id")),
            TerraformOutput("urn", "The VPC's URN.", TF.ref("digitalocean_vpc.this.urn")),
        ])

    /// `["key:value", …]`: DigitalOcean tags are plain strings.
    static let tagList = HCLExpression.forList(
        key: nil, value: "key", in: .call("sort", [.call("keys", [.variable("tags")])]),
        result: .template([.interpolation(.reference("key")), .literal(":"), .interpolation(.index(.variable("tags"), .reference("key")))]))

    static let cluster = TerraformModule(
        folder: "digitalocean", kind: "cluster",
        summary: [
            "A DigitalOcean Kubernetes (DOKS) cluster with an autoscaling node pool, and the",
            "load balancer its ingress controller adopts.",
        ],
        provider: provider,
        variables: [
            TerraformInputs.name, TerraformInputs.location(cloud),
            TerraformInputs.identifier("network_id", "The VPC the cluster's nodes join."),
            TerraformInputs.kubernetesVersion, TerraformInputs.nodeSize, TerraformInputs.nodeCountMin, TerraformInputs.nodeCountMax,
            TerraformInputs.highAvailability, TerraformInputs.tags,
        ],
        main: [
            .block(HCLBlock("locals", body: [.attr("tags", tagList)])),
            .block(HCLBlock("data", "digitalocean_kubernetes_versions", "this", body: [
                .attr("version_prefix", TF.text("", .variable("kubernetes_version"), ".")),
            ])),
            .block(HCLBlock("resource", "digitalocean_kubernetes_cluster", "this", body: [
                .attr("name", .variable("name")),
                .attr("region", .variable("location")),
                .attr("version", TF.ref("data.digitalocean_kubernetes_versions.this.latest_version")),
                .attr("vpc_uuid", .variable("network_id")),
                .attr("ha", .variable("high_availability")),
                .attr("auto_upgrade", true),
                .attr("surge_upgrade", true),
                .attr("tags", .local("tags")),
                .block(HCLBlock("node_pool", body: [
                    .attr("name", TF.text("", .variable("name"), "-default")),
                    .attr("size", .variable("node_size")),
                    .attr("auto_scale", true),
                    .attr("min_nodes", .variable("node_count_min")),
                    .attr("max_nodes", .variable("node_count_max")),
                    .attr("tags", .local("tags")),
                    .attr("labels", TerraformInputs.nodeLabels),
                ])),
                .block(HCLBlock("maintenance_policy", body: [
                    .attr("day", "sunday"),
                    .attr("start_time", "03:00"),
                ])),
            ])),
            .comment("The ingress controller's Service adopts this load balancer by its name (annotation"),
            .comment("service.beta.kubernetes.io/do-loadbalancer-name), so its address exists before the"),
            .comment("cluster runs and DNS can point at it. The cloud controller owns its rules from then on."),
            .block(HCLBlock("resource", "digitalocean_loadbalancer", "ingress", body: [
                .attr("name", IngressAdoption.resourceName),
                .attr("region", .variable("location")),
                .attr("vpc_uuid", .variable("network_id")),
                .attr("droplet_tag", TF.text("k8s:", TF.ref("digitalocean_kubernetes_cluster.this.id"))),
                .block(forwardingRule(80)),
                .block(forwardingRule(443)),
                .block(HCLBlock("healthcheck", body: [.attr("port", 80), .attr("protocol", "tcp")])),
                .block(HCLBlock("lifecycle", body: [
                    .attr("ignore_changes", .list(["forwarding_rule", "healthcheck", "droplet_tag", "sticky_sessions"].map(TF.ref))),
                ])),
            ])),
        ],
        outputs: [
            TerraformOutput("id", "The cluster's id.", TF.ref("digitalocean_kubernetes_cluster.this.id")),
            TerraformOutput("endpoint", "The Kubernetes API endpoint.", TF.ref("digitalocean_kubernetes_cluster.this.endpoint")),
            TerraformOutput("ingress_ipv4", "The public address of the ingress load balancer.", TF.ref("digitalocean_loadbalancer.ingress.ip")),
            TerraformOutput("ingress_load_balancer_name", "The name the ingress Service's do-loadbalancer-name annotation takes.",
                            TF.ref("digitalocean_loadbalancer.ingress.name")),
        ])

    static func forwardingRule(_ port: Int) -> HCLBlock {
        HCLBlock("forwarding_rule", body: [
            .attr("entry_port", .int(port)),
            .attr("entry_protocol", "tcp"),
            .attr("target_port", .int(port)),
            .attr("target_protocol", "tcp"),
        ])
    }

    static let bucket = TerraformModule(
        folder: "digitalocean", kind: "bucket",
        summary: ["Private Spaces buckets in the region, versioned, expiring objects where asked."],
        provider: provider,
        variables: [TerraformInputs.location(cloud), TerraformInputs.buckets],
        main: [.block(HCLBlock("resource", "digitalocean_spaces_bucket", "this", body: [
            .attr("for_each", .variable("buckets")),
            .blankLine,
            .attr("name", TF.ref("each.value.name")),
            .attr("region", .variable("location")),
            .attr("acl", "private"),
            .attr("force_destroy", false),
            // Every bucket scaffold declares is versioned; a literal lets checkov see it even in
            // a stack with no bucket to evaluate `each` for (CKV_DIO_1 failed on atlas's nl).
            .block(HCLBlock("versioning", body: [.attr("enabled", true)])),
            .block(HCLBlock("dynamic", "lifecycle_rule", body: [
                .attr("for_each", expirationDays),
                .block(HCLBlock("content", body: [
                    .attr("enabled", true),
                    .block(HCLBlock("expiration", body: [.attr("days", TF.ref("lifecycle_rule.value"))])),
                    .block(HCLBlock("noncurrent_version_expiration", body: [.attr("days", TF.ref("lifecycle_rule.value"))])),
                ])),
            ])),
            TF.preventDestroy,
        ]))],
        outputs: [
            TerraformOutput("names", "Real bucket names by logical name.", bucketNames("digitalocean_spaces_bucket.this", "name")),
            TerraformOutput("endpoint", "The S3-compatible endpoint of the region's Spaces.",
                            TF.text("https://", .variable("location"), ".digitaloceanspaces.com")),
        ])

    /// `each.value.expiration_days == null ? [] : [each.value.expiration_days]`: one
    /// lifecycle rule when the bucket expires objects, none otherwise.
    static let expirationDays = HCLExpression.conditional(
        .binary(.equal, TF.ref("each.value.expiration_days"), .null), [], [TF.ref("each.value.expiration_days")])

    /// `{ for key, bucket in <resource> : key => bucket.<attribute> }`.
    static func bucketNames(_ resource: String, _ attribute: String) -> HCLExpression {
        .forObject(key: "key", value: "bucket", in: TF.ref(resource), resultKey: TF.ref("key"), resultValue: TF.ref("bucket.\(attribute)"))
    }

    static let dns = TerraformModule(
        folder: "digitalocean", kind: "dns",
        summary: ["The DNS zone of one region and environment: the apex and every exposed host point at the ingress."],
        provider: provider,
        variables: [TerraformInputs.zone, TerraformInputs.hosts, TerraformInputs.ingressIPv4, TerraformInputs.ttl],
        main: [
            .block(HCLBlock("resource", "digitalocean_domain", "this", body: [.attr("name", .variable("zone"))])),
            .block(record("apex", name: "@")),
            .block(record("hosts", name: TF.ref("each.key"), forEach: .call("toset", [.variable("hosts")]))),
        ],
        outputs: [
            TerraformOutput("zone", "The zone's name.", TF.ref("digitalocean_domain.this.name")),
            TerraformOutput("name_servers", "The servers to delegate the zone to from its parent.",
                            .strings(["ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"])),
        ])

    static func record(_ label: String, name: HCLExpression, forEach: HCLExpression? = nil) -> HCLBlock {
        var body: [HCLBodyItem] = forEach.map { [.attr("for_each", $0), .blankLine] } ?? []
        body += [
            .attr("domain", TF.ref("digitalocean_domain.this.id")),
            .attr("type", "A"),
            .attr("name", name),
            .attr("value", .variable("ingress_ipv4")),
            .attr("ttl", .variable("ttl")),
        ]
        return HCLBlock("resource", "digitalocean_record", label, body: body)
    }

    // MARK: Live stack

    static func stackVariables(_ stack: LiveStack) -> [(TerraformVariable, HCLExpression?)] { [] }

    static func moduleCalls(_ stack: LiveStack) -> [HCLBodyItem] {
        [
            network.call([("name", NamingModule.name), ("location", .variable("location")), ("cidr", .variable("cidr"))]),
            cluster.call([
                ("name", NamingModule.name), ("location", .variable("location")), ("network_id", TF.ref("module.network.id")),
                ("kubernetes_version", .variable("kubernetes_version")), ("node_size", .variable("node_size")),
                ("node_count_min", .variable("node_count_min")), ("node_count_max", .variable("node_count_max")),
                ("high_availability", .variable("high_availability")), ("tags", NamingModule.tags),
            ]),
            bucket.call([("location", .variable("location")), ("buckets", .variable("buckets"))]),
            dns.call([("zone", .variable("zone")), ("hosts", .variable("hosts")), ("ingress_ipv4", TF.ref("module.cluster.ingress_ipv4"))]),
        ]
    }

    static func backend(_ stack: LiveStack) -> (comment: [String], block: HCLBlock) {
        let comment = [
            "State lives in the Spaces bucket \(stack.names.stateBucket) in \(stack.location), inside the region.",
            "Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY hold a Spaces access key.",
            "The S3 region below is a placeholder the protocol requires; the endpoint decides where state is.",
        ]
        return (comment, HCLBlock("backend", "s3", body: [
            .attr("bucket", .string(stack.names.stateBucket)),
            .attr("key", .string(stack.names.stateKey(stack.environment.name))),
            .attr("region", "us-east-1"),
            .attr("endpoints", .object(["s3": .string("https://\(stack.location).digitaloceanspaces.com")])),
            .blankLine,
            .attr("skip_credentials_validation", true),
            .attr("skip_requesting_account_id", true),
            .attr("skip_metadata_api_check", true),
            .attr("skip_region_validation", true),
            .attr("skip_s3_checksum", true),
        ]))
    }

    static func providerConfiguration(location: HCLExpression) -> [HCLBodyItem] {
        credentialComment(provider) + [.block(HCLBlock("provider", "digitalocean"))]
    }

    static func extraOutputs(_ stack: LiveStack) -> [TerraformOutput] {
        [
            TerraformOutput("ingress_load_balancer_name", "The ingress Service's service.beta.kubernetes.io/do-loadbalancer-name (scaffold sets it).",
                            TF.ref("module.cluster.ingress_load_balancer_name")),
            TerraformOutput("name_servers", "Delegate the zone to these servers from its parent.", TF.ref("module.dns.name_servers")),
        ]
    }

    static func stateBootstrap(names: TerraformNames, region: Region) -> [HCLBodyItem]? {
        [.block(HCLBlock("resource", "digitalocean_spaces_bucket", "state", body: [
            .attr("name", .string(names.stateBucket)),
            .attr("region", .string(region.cloudLocation ?? region.id)),
            .attr("acl", "private"),
            .attr("force_destroy", false),
            .block(HCLBlock("versioning", body: [.attr("enabled", true)])),
            TF.preventDestroy,
        ]))]
    }
}
