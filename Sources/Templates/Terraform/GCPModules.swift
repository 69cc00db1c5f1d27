import BlueprintModel
import Renderer

/// Google Cloud: a VPC with one regional subnet, a GKE cluster (regional when
/// highly available) with a static ingress address, regional Cloud Storage
/// buckets and a Cloud DNS zone.
enum GCPModules: CloudModuleSet {
    static let cloud = TerraformCloud.gcp
    static let provider = TerraformProvider.google

    static let network = TerraformModule(
        folder: "gcp", kind: "network",
        summary: [
            "The VPC of one region and environment, with the nodes' subnet (flow logs on) and its pod and service",
            "ranges, refusing inbound traffic from outside.",
        ],
        provider: provider,
        variables: [TerraformInputs.name, TerraformInputs.location(cloud), TerraformInputs.nodeCIDR, TerraformInputs.podsCIDR, TerraformInputs.servicesCIDR],
        main: [
            .block(HCLBlock("resource", "google_compute_network", "this", body: [
                .attr("name", .variable("name")),
                .attr("auto_create_subnetworks", false),
                .attr("routing_mode", "REGIONAL"),
            ])),
            .block(HCLBlock("resource", "google_compute_subnetwork", "nodes", body: [
                .attr("name", TF.text("", .variable("name"), "-nodes")),
                .attr("region", .variable("location")),
                .attr("network", TF.ref("google_compute_network.this.id")),
                .attr("ip_cidr_range", .variable("cidr")),
                .attr("private_ip_google_access", true),
                .block(HCLBlock("log_config", body: [.attr("aggregation_interval", "INTERVAL_10_MIN")])),
                .block(HCLBlock("secondary_ip_range", body: [.attr("range_name", "pods"), .attr("ip_cidr_range", .variable("pods_cidr"))])),
                .block(HCLBlock("secondary_ip_range", body: [.attr("range_name", "services"), .attr("ip_cidr_range", .variable("services_cidr"))])),
            ])),
            .comment("Spells out the network's implied rule: nothing comes in unless a rule of higher priority lets it"),
            .comment("(GKE adds those for its control plane, health checks and load balancers at priority 1000)."),
            .block(HCLBlock("resource", "google_compute_firewall", "deny_ingress", body: [
                .attr("name", TF.text("", .variable("name"), "-deny-ingress")),
                .attr("network", TF.ref("google_compute_network.this.id")),
                .attr("direction", "INGRESS"),
                .attr("priority", 65534),
                .attr("source_ranges", ["0.0.0.0/0"]),
                .block(HCLBlock("deny", body: [.attr("protocol", "all")])),
            ])),
        ],
        outputs: [
            TerraformOutput("id", "The VPC's id.", TF.ref("google_compute_network.this.id")),
            TerraformOutput("subnetwork_id", "The nodes' subnet.", TF.ref("google_compute_subnetwork.nodes.id")),
            TerraformOutput("pods_range_name", "The secondary range pods take addresses from.",
                            TF.ref("google_compute_subnetwork.nodes.secondary_ip_range[0].range_name")),
            TerraformOutput("services_range_name", "The secondary range services take addresses from.",
                            TF.ref("google_compute_subnetwork.nodes.secondary_ip_range[1].range_name")),
        ])

    /// A regional control plane when highly available, else the region's first zone.
    static let clusterLocation = HCLExpression.conditional(
        .variable("high_availability"), .variable("location"), TF.ref("data.google_compute_zones.available.names[0]"))

    static let cluster = TerraformModule(
        folder: "gcp", kind: "cluster",
        summary: [
            "A GKE cluster (VPC-native, Calico enforcing the NetworkPolicies, workload identity, regular channel)",
            "with an autoscaling node pool of shielded nodes, and the static address its ingress controller takes.",
        ],
        provider: provider,
        variables: [
            TerraformInputs.name, TerraformInputs.location(cloud),
            TerraformInputs.identifier("network_id", "The VPC the cluster joins."),
            TerraformInputs.identifier("subnetwork_id", "The subnet the nodes join."),
            TerraformInputs.identifier("pods_range_name", "The subnet's secondary range for pods."),
            TerraformInputs.identifier("services_range_name", "The subnet's secondary range for services."),
            TerraformInputs.kubernetesVersion, TerraformInputs.nodeSize, TerraformInputs.nodeCountMin, TerraformInputs.nodeCountMax,
            TerraformInputs.highAvailability, TerraformInputs.apiAuthorizedNetworks, TerraformInputs.tags,
        ],
        main: [
            .block(HCLBlock("data", "google_client_config", "current")),
            .block(HCLBlock("data", "google_compute_zones", "available", body: [.attr("region", .variable("location"))])),
            .block(HCLBlock("resource", "google_container_cluster", "this", body: CheckovSkip.comments([
                .gkePrivateCluster, .gkePrivateNodes, .gkeAuthorizedNetworks, .gkeBinaryAuthorization, .gkeGoogleGroups, .gkeRemovedDefaultPool,
            ]) + [
                .attr("name", .variable("name")),
                .attr("location", clusterLocation),
                .attr("network", .variable("network_id")),
                .attr("subnetwork", .variable("subnetwork_id")),
                .attr("networking_mode", "VPC_NATIVE"),
                .attr("min_master_version", .variable("kubernetes_version")),
                .attr("remove_default_node_pool", true),
                .attr("initial_node_count", 1),
                .attr("deletion_protection", true),
                .attr("enable_intranode_visibility", true),
                .attr("resource_labels", .variable("tags")),
                .block(HCLBlock("network_policy", body: [.attr("enabled", true), .attr("provider", "CALICO")])),
                .block(HCLBlock("addons_config", body: [
                    .block(HCLBlock("network_policy_config", body: [.attr("disabled", false)])),
                ])),
                .block(HCLBlock("master_auth", body: [
                    .block(HCLBlock("client_certificate_config", body: [.attr("issue_client_certificate", false)])),
                ])),
                .block(HCLBlock("ip_allocation_policy", body: [
                    .attr("cluster_secondary_range_name", .variable("pods_range_name")),
                    .attr("services_secondary_range_name", .variable("services_range_name")),
                ])),
                .block(HCLBlock("dynamic", "master_authorized_networks_config", body: [
                    .attr("for_each", AzureModules.authorizedNetworksOnce),
                    .block(HCLBlock("content", body: [
                        .block(HCLBlock("dynamic", "cidr_blocks", body: [
                            .attr("for_each", TF.ref("master_authorized_networks_config.value")),
                            .block(HCLBlock("content", body: [.attr("cidr_block", TF.ref("cidr_blocks.value"))])),
                        ])),
                    ])),
                ])),
                .block(HCLBlock("release_channel", body: [.attr("channel", "REGULAR")])),
                .block(HCLBlock("workload_identity_config", body: [
                    .attr("workload_pool", TF.text("", TF.ref("data.google_client_config.current.project"), ".svc.id.goog")),
                ])),
            ])),
            .block(HCLBlock("resource", "google_container_node_pool", "default", body: [
                .attr("name", "default"),
                .attr("cluster", TF.ref("google_container_cluster.this.id")),
                .attr("location", clusterLocation),
                .block(HCLBlock("autoscaling", body: [
                    .attr("total_min_node_count", .variable("node_count_min")),
                    .attr("total_max_node_count", .variable("node_count_max")),
                    .attr("location_policy", "BALANCED"),
                ])),
                .block(HCLBlock("management", body: [.attr("auto_repair", true), .attr("auto_upgrade", true)])),
                .block(HCLBlock("node_config", body: [
                    .attr("machine_type", .variable("node_size")),
                    .attr("labels", TerraformInputs.nodeLabels),
                    .attr("resource_labels", .variable("tags")),
                    .attr("oauth_scopes", ["https://www.googleapis.com/auth/cloud-platform"]),
                    .block(HCLBlock("workload_metadata_config", body: [.attr("mode", "GKE_METADATA")])),
                    .block(HCLBlock("shielded_instance_config", body: [
                        .attr("enable_secure_boot", true),
                        .attr("enable_integrity_monitoring", true),
                    ])),
                ])),
            ])),
            .comment("The ingress controller's Service takes this address by its name (annotation"),
            .comment("networking.gke.io/load-balancer-ip-addresses), so DNS can point at it first."),
            .block(HCLBlock("resource", "google_compute_address", "ingress", body: [
                .attr("name", IngressAdoption.resourceName),
                .attr("region", .variable("location")),
                .attr("address_type", "EXTERNAL"),
                .attr("network_tier", "PREMIUM"),
                .attr("labels", .variable("tags")),
            ])),
        ],
        outputs: [
            TerraformOutput("id", "The cluster's id.", TF.ref("google_container_cluster.this.id")),
            TerraformOutput("endpoint", "The Kubernetes API address.", TF.ref("google_container_cluster.this.endpoint")),
            TerraformOutput("ingress_ipv4", "The public address of the ingress.", TF.ref("google_compute_address.ingress.address")),
            TerraformOutput("ingress_address_name", "The name the ingress Service's load-balancer-ip-addresses annotation takes.",
                            TF.ref("google_compute_address.ingress.name")),
        ])

    static let bucket = TerraformModule(
        folder: "gcp", kind: "bucket",
        summary: ["Private regional Cloud Storage buckets (never multi-region), versioned, expiring objects where asked."],
        provider: provider,
        variables: [TerraformInputs.location(cloud), TerraformInputs.buckets, TerraformInputs.tags],
        main: [.block(HCLBlock("resource", "google_storage_bucket", "this", body: [
            CheckovSkip.bucketAccessLogging.comment,
            .attr("for_each", .variable("buckets")),
            .blankLine,
            .attr("name", TF.ref("each.value.name")),
            .attr("location", .call("upper", [.variable("location")])),
            .attr("storage_class", "STANDARD"),
            .attr("uniform_bucket_level_access", true),
            .attr("public_access_prevention", "enforced"),
            .attr("force_destroy", false),
            .attr("labels", .variable("tags")),
            .block(HCLBlock("versioning", body: [.attr("enabled", TF.ref("each.value.versioning"))])),
            .block(HCLBlock("dynamic", "lifecycle_rule", body: [
                .attr("for_each", DigitalOceanModules.expirationDays),
                .block(HCLBlock("content", body: [
                    .block(HCLBlock("condition", body: [.attr("age", TF.ref("lifecycle_rule.value"))])),
                    .block(HCLBlock("action", body: [.attr("type", "Delete")])),
                ])),
            ])),
            TF.preventDestroy,
        ]))],
        outputs: [
            TerraformOutput("names", "Real bucket names by logical name.", DigitalOceanModules.bucketNames("google_storage_bucket.this", "name")),
            TerraformOutput("endpoint", "The S3-interoperable endpoint of Cloud Storage.", .string("https://storage.googleapis.com")),
        ])

    static let dns = TerraformModule(
        folder: "gcp", kind: "dns",
        summary: ["The Cloud DNS zone (DNSSEC on) of one region and environment: the apex and every exposed host point at the ingress."],
        provider: provider,
        variables: [TerraformInputs.zone, TerraformInputs.hosts, TerraformInputs.ingressIPv4, TerraformInputs.ttl, TerraformInputs.tags],
        main: [
            .block(HCLBlock("resource", "google_dns_managed_zone", "this", body: [
                .attr("name", .call("replace", [.variable("zone"), ".", "-"])),
                .attr("dns_name", TF.text("", .variable("zone"), ".")),
                .attr("description", TF.text("Records of ", .variable("zone"), ", managed by scaffold.")),
                .attr("labels", .variable("tags")),
                .block(HCLBlock("dnssec_config", body: [.attr("state", "on")])),
            ])),
            .block(record("apex", name: TF.ref("google_dns_managed_zone.this.dns_name"))),
            .block(record("hosts", name: .template([.interpolation(TF.ref("each.key")), .literal("."),
                                                      .interpolation(TF.ref("google_dns_managed_zone.this.dns_name"))]),
                          forEach: .call("toset", [.variable("hosts")]))),
        ],
        outputs: [
            TerraformOutput("zone", "The zone's name.", .variable("zone")),
            TerraformOutput("name_servers", "The servers to delegate the zone to from its parent.", TF.ref("google_dns_managed_zone.this.name_servers")),
        ])

    static func record(_ label: String, name: HCLExpression, forEach: HCLExpression? = nil) -> HCLBlock {
        var body: [HCLBodyItem] = forEach.map { [.attr("for_each", $0), .blankLine] } ?? []
        body += [
            .attr("name", name),
            .attr("managed_zone", TF.ref("google_dns_managed_zone.this.name")),
            .attr("type", "A"),
            .attr("ttl", .variable("ttl")),
            .attr("rrdatas", [.variable("ingress_ipv4")]),
        ]
        return HCLBlock("resource", "google_dns_record_set", label, body: body)
    }

    // MARK: Live stack

    static func stackVariables(_ stack: LiveStack) -> [(TerraformVariable, HCLExpression?)] {
        [
            (TerraformInputs.podsCIDR, .string(LiveStack.podsCIDR)), (TerraformInputs.servicesCIDR, .string(LiveStack.servicesCIDR)),
            (TerraformInputs.apiAuthorizedNetworks, .strings(stack.region.apiAuthorizedNetworks)),
        ]
    }

    static func moduleCalls(_ stack: LiveStack) -> [HCLBodyItem] {
        [
            network.call([
                ("name", NamingModule.name), ("location", .variable("location")), ("cidr", .variable("cidr")),
                ("pods_cidr", .variable("pods_cidr")), ("services_cidr", .variable("services_cidr")),
            ]),
            cluster.call([
                ("name", NamingModule.name), ("location", .variable("location")), ("network_id", TF.ref("module.network.id")),
                ("subnetwork_id", TF.ref("module.network.subnetwork_id")), ("pods_range_name", TF.ref("module.network.pods_range_name")),
                ("services_range_name", TF.ref("module.network.services_range_name")),
                ("kubernetes_version", .variable("kubernetes_version")), ("node_size", .variable("node_size")),
                ("node_count_min", .variable("node_count_min")), ("node_count_max", .variable("node_count_max")),
                ("high_availability", .variable("high_availability")),
                ("api_authorized_networks", .variable("api_authorized_networks")), ("tags", NamingModule.tags),
            ]),
            bucket.call([("location", .variable("location")), ("buckets", .variable("buckets")), ("tags", NamingModule.tags)]),
            dns.call([
                ("zone", .variable("zone")), ("hosts", .variable("hosts")), ("ingress_ipv4", TF.ref("module.cluster.ingress_ipv4")),
                ("tags", NamingModule.tags),
            ]),
        ]
    }

    static func backend(_ stack: LiveStack) -> (comment: [String], block: HCLBlock) {
        let comment = [
            "State lives in the Cloud Storage bucket \(stack.names.stateBucket) in \(stack.location), inside the region.",
            "Credentials: application default credentials (GOOGLE_APPLICATION_CREDENTIALS or workload identity federation).",
        ]
        return (comment, HCLBlock("backend", "gcs", body: [
            .attr("bucket", .string(stack.names.stateBucket)),
            .attr("prefix", .string(stack.environment.name)),
        ]))
    }

    static func providerConfiguration(location: HCLExpression) -> [HCLBodyItem] {
        credentialComment(provider) + [.block(HCLBlock("provider", "google", body: [.attr("region", location)]))]
    }

    static func extraOutputs(_ stack: LiveStack) -> [TerraformOutput] {
        [
            TerraformOutput("ingress_address_name", "The ingress Service's networking.gke.io/load-balancer-ip-addresses (scaffold sets it).",
                            TF.ref("module.cluster.ingress_address_name")),
            TerraformOutput("name_servers", "Delegate the zone to these servers from its parent.", TF.ref("module.dns.name_servers")),
        ]
    }

    static func stateBootstrap(names: TerraformNames, region: Region) -> [HCLBodyItem]? {
        [.block(HCLBlock("resource", "google_storage_bucket", "state", body: [
            CheckovSkip.bucketAccessLogging.comment,
            .attr("name", .string(names.stateBucket)),
            .attr("location", .string((region.cloudLocation ?? region.id).uppercased())),
            .attr("storage_class", "STANDARD"),
            .attr("uniform_bucket_level_access", true),
            .attr("public_access_prevention", "enforced"),
            .attr("force_destroy", false),
            .block(HCLBlock("versioning", body: [.attr("enabled", true)])),
            TF.preventDestroy,
        ]))]
    }
}
