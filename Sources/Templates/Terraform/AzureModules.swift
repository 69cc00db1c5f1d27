import BlueprintModel
import Renderer

/// Azure: a resource group and virtual network, an AKS cluster with a static
/// ingress address, a zone-redundant storage account with one container per
/// bucket, and a DNS zone; everything in the region's Azure region.
enum AzureModules: CloudModuleSet {
    static let cloud = TerraformCloud.azure
    static let provider = TerraformProvider.azurerm

    static let resourceGroupName = TerraformInputs.identifier("resource_group_name", "The resource group of the region and environment.")

    static let network = TerraformModule(
        folder: "azure", kind: "network",
        summary: [
            "The resource group and virtual network of one region and environment, and the network security",
            "group of the nodes' subnet.",
        ],
        provider: provider,
        variables: [TerraformInputs.name, TerraformInputs.location(cloud), TerraformInputs.nodeCIDR, TerraformInputs.tags],
        main: [
            .block(HCLBlock("resource", "azurerm_resource_group", "this", body: [
                .attr("name", .variable("name")),
                .attr("location", .variable("location")),
                .attr("tags", .variable("tags")),
            ])),
            .block(HCLBlock("resource", "azurerm_virtual_network", "this", body: [
                .attr("name", .variable("name")),
                .attr("location", TF.ref("azurerm_resource_group.this.location")),
                .attr("resource_group_name", TF.ref("azurerm_resource_group.this.name")),
                .attr("address_space", [.variable("cidr")]),
                .attr("tags", .variable("tags")),
            ])),
            .comment("Nodes take the lower half of the network; the upper half stays free for later subnets."),
            .block(HCLBlock("resource", "azurerm_subnet", "nodes", body: [
                .attr("name", "nodes"),
                .attr("resource_group_name", TF.ref("azurerm_resource_group.this.name")),
                .attr("virtual_network_name", TF.ref("azurerm_virtual_network.this.name")),
                .attr("address_prefixes", [.call("cidrsubnet", [.variable("cidr"), 1, 0])]),
            ])),
            .comment("Azure's default rules stay below this one: traffic inside the network and from Azure's load"),
            .comment("balancer in, everything else from the internet refused. AKS does not edit a subnet's own"),
            .comment("group, so the ingress' ports are opened here."),
            .block(HCLBlock("resource", "azurerm_network_security_group", "nodes", body: [
                CheckovSkip.nsgHTTPFromInternet.comment,
                .attr("name", TF.text("", .variable("name"), "-nodes")),
                .attr("location", TF.ref("azurerm_resource_group.this.location")),
                .attr("resource_group_name", TF.ref("azurerm_resource_group.this.name")),
                .attr("tags", .variable("tags")),
                .block(HCLBlock("security_rule", body: [
                    .attr("name", "ingress"),
                    .attr("priority", 100),
                    .attr("direction", "Inbound"),
                    .attr("access", "Allow"),
                    .attr("protocol", "Tcp"),
                    .attr("source_address_prefix", "Internet"),
                    .attr("source_port_range", "*"),
                    .attr("destination_address_prefix", "*"),
                    .attr("destination_port_ranges", ["80", "443"]),
                ])),
            ])),
            .block(HCLBlock("resource", "azurerm_subnet_network_security_group_association", "nodes", body: [
                .attr("subnet_id", TF.ref("azurerm_subnet.nodes.id")),
                .attr("network_security_group_id", TF.ref("azurerm_network_security_group.nodes.id")),
            ])),
        ],
        outputs: [
            TerraformOutput("id", "The virtual network's id.", TF.ref("azurerm_virtual_network.this.id")),
            TerraformOutput("resource_group_name", "The resource group everything of the stack goes into.",
                            TF.ref("azurerm_resource_group.this.name")),
            TerraformOutput("subnet_id", "The nodes' subnet.", TF.ref("azurerm_subnet.nodes.id")),
        ])

    static let cluster = TerraformModule(
        folder: "azure", kind: "cluster",
        summary: [
            "An AKS cluster (Azure CNI overlay, Cilium; Entra ID and Azure RBAC only, Azure Policy, Container",
            "Insights into a Log Analytics workspace in the region) with an autoscaling system pool, and the",
            "static address its ingress controller takes.",
        ],
        provider: provider,
        variables: [
            TerraformInputs.name, TerraformInputs.location(cloud), resourceGroupName,
            TerraformInputs.identifier("subnet_id", "The subnet the nodes join."),
            TerraformInputs.kubernetesVersion, TerraformInputs.nodeSize, TerraformInputs.nodeCountMin, TerraformInputs.nodeCountMax,
            TerraformInputs.highAvailability, TerraformInputs.podsCIDR, TerraformInputs.servicesCIDR,
            TerraformInputs.apiAuthorizedNetworks, TerraformInputs.tags,
        ],
        main: [
            .comment("Container Insights' logs and metrics, kept in the region."),
            .block(HCLBlock("resource", "azurerm_log_analytics_workspace", "this", body: [
                .attr("name", TF.text("", .variable("name"), "-logs")),
                .attr("location", .variable("location")),
                .attr("resource_group_name", .variable("resource_group_name")),
                .attr("sku", "PerGB2018"),
                .attr("retention_in_days", 30),
                .attr("tags", .variable("tags")),
            ])),
            .block(HCLBlock("resource", "azurerm_kubernetes_cluster", "this", body: CheckovSkip.comments([
                .aksPrivateCluster, .aksAuthorizedIPRanges, .aksPaidSLA, .aksDiskEncryptionSet, .aksHostEncryption,
                .aksEphemeralOSDisk, .aksCriticalAddonsOnly, .aksSecretsStoreRotation,
            ]) + [
                .attr("name", .variable("name")),
                .attr("location", .variable("location")),
                .attr("resource_group_name", .variable("resource_group_name")),
                .attr("dns_prefix", .variable("name")),
                .attr("kubernetes_version", .variable("kubernetes_version")),
                .attr("sku_tier", .conditional(.variable("high_availability"), "Standard", "Free")),
                .attr("automatic_upgrade_channel", "patch"),
                .attr("node_os_upgrade_channel", "NodeImage"),
                .attr("oidc_issuer_enabled", true),
                .attr("workload_identity_enabled", true),
                .attr("local_account_disabled", true),
                .attr("azure_policy_enabled", true),
                .attr("tags", .variable("tags")),
                .block(HCLBlock("default_node_pool", body: [
                    .attr("name", "system"),
                    .attr("vm_size", .variable("node_size")),
                    .attr("vnet_subnet_id", .variable("subnet_id")),
                    .attr("auto_scaling_enabled", true),
                    .attr("min_count", .variable("node_count_min")),
                    .attr("max_count", .variable("node_count_max")),
                    .attr("max_pods", 250),
                    .attr("temporary_name_for_rotation", "rotation"),
                    .attr("node_labels", TerraformInputs.nodeLabels),
                    .attr("tags", .variable("tags")),
                    .block(HCLBlock("upgrade_settings", body: [.attr("max_surge", "10%")])),
                ])),
                .block(HCLBlock("identity", body: [.attr("type", "SystemAssigned")])),
                .block(HCLBlock("dynamic", "api_server_access_profile", body: [
                    .attr("for_each", authorizedNetworksOnce),
                    .block(HCLBlock("content", body: [.attr("authorized_ip_ranges", TF.ref("api_server_access_profile.value"))])),
                ])),
                .comment("Kubernetes access through Entra ID, authorized by Azure role assignments (for example"),
                .comment("Azure Kubernetes Service RBAC Cluster Admin on the cluster for operators and CI)."),
                .block(HCLBlock("azure_active_directory_role_based_access_control", body: [.attr("azure_rbac_enabled", true)])),
                .block(HCLBlock("oms_agent", body: [
                    .attr("log_analytics_workspace_id", TF.ref("azurerm_log_analytics_workspace.this.id")),
                    .attr("msi_auth_for_monitoring_enabled", true),
                ])),
                .block(HCLBlock("network_profile", body: [
                    .attr("network_plugin", "azure"),
                    .attr("network_plugin_mode", "overlay"),
                    .attr("network_policy", "cilium"),
                    .attr("network_data_plane", "cilium"),
                    .attr("load_balancer_sku", "standard"),
                    .attr("pod_cidr", .variable("pods_cidr")),
                    .attr("service_cidr", .variable("services_cidr")),
                    .attr("dns_service_ip", .call("cidrhost", [.variable("services_cidr"), 10])),
                ])),
                .block(HCLBlock("lifecycle", body: [
                    .comment("The autoscaler owns the node count."),
                    .attr("ignore_changes", [TF.ref("default_node_pool[0].node_count")]),
                ])),
            ])),
            .comment("The cluster manages load balancers on the nodes' subnet."),
            .block(HCLBlock("resource", "azurerm_role_assignment", "network", body: [
                .attr("scope", .variable("subnet_id")),
                .attr("role_definition_name", "Network Contributor"),
                .attr("principal_id", TF.ref("azurerm_kubernetes_cluster.this.identity[0].principal_id")),
            ])),
            .comment("The ingress controller's Service takes this address (annotation"),
            .comment("service.beta.kubernetes.io/azure-pip-name), so DNS can point at it first."),
            .block(HCLBlock("resource", "azurerm_public_ip", "ingress", body: [
                .attr("name", IngressAdoption.resourceName),
                .attr("location", .variable("location")),
                .attr("resource_group_name", TF.ref("azurerm_kubernetes_cluster.this.node_resource_group")),
                .attr("allocation_method", "Static"),
                .attr("sku", "Standard"),
                .attr("tags", .variable("tags")),
            ])),
        ],
        outputs: [
            TerraformOutput("id", "The cluster's id.", TF.ref("azurerm_kubernetes_cluster.this.id")),
            TerraformOutput("endpoint", "The Kubernetes API host name.", TF.ref("azurerm_kubernetes_cluster.this.fqdn")),
            TerraformOutput("ingress_ipv4", "The public address of the ingress.", TF.ref("azurerm_public_ip.ingress.ip_address")),
            TerraformOutput("ingress_public_ip_name", "The ingress Service's service.beta.kubernetes.io/azure-pip-name (scaffold sets it).",
                            TF.ref("azurerm_public_ip.ingress.name")),
            TerraformOutput("oidc_issuer_url", "The issuer workload identities federate with.", TF.ref("azurerm_kubernetes_cluster.this.oidc_issuer_url")),
        ])

    /// `[var.api_authorized_networks]` when it lists networks, else `[]`: a dynamic
    /// block that exists only when the region restricts its API server.
    static let authorizedNetworksOnce = HCLExpression.conditional(
        .binary(.greater, TF.length(.variable("api_authorized_networks")), 0), [.variable("api_authorized_networks")], [])

    static let accountName = TerraformVariable("account_name", .string, "The storage account's globally unique name.")
        .validated(TF.matches("^[a-z0-9]{3,24}$", .variable("account_name")), "account_name must be 3 to 24 lowercase letters or digits.")

    static let replicationType = TerraformVariable("replication_type", .string, "How the account replicates inside the region.", default: "ZRS")
        .validated(TF.isOneOf(["LRS", "ZRS"], .variable("replication_type")),
                   "replication_type must be LRS or ZRS: geo-replicated types copy data to another region, which breaks data residency.")

    static let bucket = TerraformModule(
        folder: "azure", kind: "bucket",
        summary: [
            "A storage account in the region (replicated across its zones, never to another region)",
            "with one private container per bucket; versioned, expiring blobs where asked.",
        ],
        provider: provider,
        variables: [TerraformInputs.location(cloud), resourceGroupName, accountName, replicationType, TerraformInputs.buckets, TerraformInputs.tags],
        main: [
            .block(HCLBlock("locals", body: [
                .attr("expiring", .forObject(key: "key", value: "bucket", in: .variable("buckets"), resultKey: TF.ref("key"),
                                             resultValue: TF.ref("bucket.expiration_days"),
                                             if: .binary(.notEqual, TF.ref("bucket.expiration_days"), .null))),
            ])),
            .block(HCLBlock("resource", "azurerm_storage_account", "this", body: CheckovSkip.comments([
                .storagePublicNetwork, .storagePrivateEndpoint, .storageGeoReplication, .storageCustomerManagedKey, .storageQueueLogging,
            ]) + [
                .attr("name", .variable("account_name")),
                .attr("resource_group_name", .variable("resource_group_name")),
                .attr("location", .variable("location")),
                .attr("account_kind", "StorageV2"),
                .attr("account_tier", "Standard"),
                .attr("account_replication_type", .variable("replication_type")),
                .attr("min_tls_version", "TLS1_2"),
                .attr("https_traffic_only_enabled", true),
                .attr("allow_nested_items_to_be_public", false),
                .attr("shared_access_key_enabled", false),
                .attr("tags", .variable("tags")),
                .block(HCLBlock("blob_properties", body: [
                    .attr("versioning_enabled", .call("anytrue", [.forList(key: nil, value: "bucket", in: .call("values", [.variable("buckets")]),
                                                                            result: TF.ref("bucket.versioning"))])),
                    .block(HCLBlock("delete_retention_policy", body: [.attr("days", 7)])),
                    .block(HCLBlock("container_delete_retention_policy", body: [.attr("days", 7)])),
                ])),
                TF.preventDestroy,
            ])),
            .block(HCLBlock("resource", "azurerm_storage_container", "this", body: [
                CheckovSkip.storageBlobReadLogging.comment,
                .attr("for_each", .variable("buckets")),
                .blankLine,
                .attr("name", TF.ref("each.value.name")),
                .attr("storage_account_id", TF.ref("azurerm_storage_account.this.id")),
                .attr("container_access_type", "private"),
            ])),
            .block(HCLBlock("resource", "azurerm_storage_management_policy", "this", body: [
                .attr("count", .conditional(.binary(.greater, TF.length(.local("expiring")), 0), 1, 0)),
                .blankLine,
                .attr("storage_account_id", TF.ref("azurerm_storage_account.this.id")),
                .block(HCLBlock("dynamic", "rule", body: [
                    .attr("for_each", .local("expiring")),
                    .block(HCLBlock("content", body: [
                        .attr("name", TF.text("expire-", TF.ref("rule.key"))),
                        .attr("enabled", true),
                        .block(HCLBlock("filters", body: [
                            .attr("blob_types", ["blockBlob"]),
                            .attr("prefix_match", [TF.text("", .index(.variable("buckets"), TF.ref("rule.key")).dot("name"), "/")]),
                        ])),
                        .block(HCLBlock("actions", body: [
                            .block(HCLBlock("base_blob", body: [
                                .attr("delete_after_days_since_modification_greater_than", TF.ref("rule.value")),
                            ])),
                            .block(HCLBlock("version", body: [.attr("delete_after_days_since_creation", TF.ref("rule.value"))])),
                        ])),
                    ])),
                ])),
            ])),
        ],
        outputs: [
            TerraformOutput("names", "Container names by logical bucket name.", DigitalOceanModules.bucketNames("azurerm_storage_container.this", "name")),
            TerraformOutput("account_name", "The storage account holding the containers.", TF.ref("azurerm_storage_account.this.name")),
            TerraformOutput("endpoint", "The account's blob endpoint.", TF.ref("azurerm_storage_account.this.primary_blob_endpoint")),
        ])

    static let dns = TerraformModule(
        folder: "azure", kind: "dns",
        summary: ["The DNS zone of one region and environment: the apex and every exposed host point at the ingress."],
        provider: provider,
        variables: [resourceGroupName, TerraformInputs.zone, TerraformInputs.hosts, TerraformInputs.ingressIPv4, TerraformInputs.ttl, TerraformInputs.tags],
        main: [
            .block(HCLBlock("resource", "azurerm_dns_zone", "this", body: [
                .attr("name", .variable("zone")),
                .attr("resource_group_name", .variable("resource_group_name")),
                .attr("tags", .variable("tags")),
            ])),
            .block(record("apex", name: "@")),
            .block(record("hosts", name: TF.ref("each.key"), forEach: .call("toset", [.variable("hosts")]))),
        ],
        outputs: [
            TerraformOutput("zone", "The zone's name.", TF.ref("azurerm_dns_zone.this.name")),
            TerraformOutput("name_servers", "The servers to delegate the zone to from its parent.", TF.ref("azurerm_dns_zone.this.name_servers")),
        ])

    static func record(_ label: String, name: HCLExpression, forEach: HCLExpression? = nil) -> HCLBlock {
        var body: [HCLBodyItem] = forEach.map { [.attr("for_each", $0), .blankLine] } ?? []
        body += [
            .attr("name", name),
            .attr("zone_name", TF.ref("azurerm_dns_zone.this.name")),
            .attr("resource_group_name", .variable("resource_group_name")),
            .attr("ttl", .variable("ttl")),
            .attr("records", [.variable("ingress_ipv4")]),
            .attr("tags", .variable("tags")),
        ]
        return HCLBlock("resource", "azurerm_dns_a_record", label, body: body)
    }

    // MARK: Live stack

    static func stackVariables(_ stack: LiveStack) -> [(TerraformVariable, HCLExpression?)] {
        [
            (TerraformInputs.podsCIDR, .string(LiveStack.podsCIDR)),
            (TerraformInputs.servicesCIDR, .string(LiveStack.servicesCIDR)),
            (TerraformInputs.apiAuthorizedNetworks, .strings(stack.region.apiAuthorizedNetworks)),
            (TerraformVariable("storage_account_name", .string, "The storage account holding the stack's buckets.")
                .validated(TF.matches("^[a-z0-9]{3,24}$", .variable("storage_account_name")),
                           "storage_account_name must be 3 to 24 lowercase letters or digits."),
             .string(stack.names.azureDataAccount(stack.environment.name))),
        ]
    }

    static func moduleCalls(_ stack: LiveStack) -> [HCLBodyItem] {
        let group = TF.ref("module.network.resource_group_name")
        return [
            network.call([("name", NamingModule.name), ("location", .variable("location")), ("cidr", .variable("cidr")), ("tags", NamingModule.tags)]),
            cluster.call([
                ("name", NamingModule.name), ("location", .variable("location")), ("resource_group_name", group),
                ("subnet_id", TF.ref("module.network.subnet_id")),
                ("kubernetes_version", .variable("kubernetes_version")), ("node_size", .variable("node_size")),
                ("node_count_min", .variable("node_count_min")), ("node_count_max", .variable("node_count_max")),
                ("high_availability", .variable("high_availability")),
                ("pods_cidr", .variable("pods_cidr")), ("services_cidr", .variable("services_cidr")),
                ("api_authorized_networks", .variable("api_authorized_networks")), ("tags", NamingModule.tags),
            ]),
            bucket.call([
                ("location", .variable("location")), ("resource_group_name", group), ("account_name", .variable("storage_account_name")),
                ("buckets", .variable("buckets")), ("tags", NamingModule.tags),
            ]),
            dns.call([
                ("resource_group_name", group), ("zone", .variable("zone")), ("hosts", .variable("hosts")),
                ("ingress_ipv4", TF.ref("module.cluster.ingress_ipv4")), ("tags", NamingModule.tags),
            ]),
        ]
    }

    static func backend(_ stack: LiveStack) -> (comment: [String], block: HCLBlock) {
        let comment = [
            "State lives in the storage account \(stack.names.azureStateAccount) in \(stack.location), inside the region.",
            "Credentials: Microsoft Entra ID through ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID and",
            "ARM_USE_OIDC (or ARM_CLIENT_SECRET); no storage access key is used.",
        ]
        return (comment, HCLBlock("backend", "azurerm", body: [
            .attr("resource_group_name", .string(stack.names.azureStateResourceGroup)),
            .attr("storage_account_name", .string(stack.names.azureStateAccount)),
            .attr("container_name", "tfstate"),
            .attr("key", .string(stack.names.stateKey(stack.environment.name))),
            .attr("use_azuread_auth", true),
        ]))
    }

    static func providerConfiguration(location: HCLExpression) -> [HCLBodyItem] {
        credentialComment(provider) + [.block(HCLBlock("provider", "azurerm", body: [
            .comment("Storage data-plane calls authenticate with Entra ID too (shared keys are disabled)."),
            .attr("storage_use_azuread", true),
            .block(HCLBlock("features")),
        ]))]
    }

    static func extraOutputs(_ stack: LiveStack) -> [TerraformOutput] {
        [
            TerraformOutput("ingress_public_ip_name", "The ingress Service's service.beta.kubernetes.io/azure-pip-name (scaffold sets it).",
                            TF.ref("module.cluster.ingress_public_ip_name")),
            TerraformOutput("name_servers", "Delegate the zone to these servers from its parent.", TF.ref("module.dns.name_servers")),
        ]
    }

    static func stateBootstrap(names: TerraformNames, region: Region) -> [HCLBodyItem]? {
        let location = HCLExpression.string(region.cloudLocation ?? region.id)
        return [
            .block(HCLBlock("resource", "azurerm_resource_group", "state", body: [
                .attr("name", .string(names.azureStateResourceGroup)),
                .attr("location", location),
            ])),
            .block(HCLBlock("resource", "azurerm_storage_account", "state", body: CheckovSkip.comments([
                .storagePublicNetwork, .storagePrivateEndpoint, .storageGeoReplication, .storageCustomerManagedKey, .storageQueueLogging,
            ]) + [
                .attr("name", .string(names.azureStateAccount)),
                .attr("resource_group_name", TF.ref("azurerm_resource_group.state.name")),
                .attr("location", location),
                .attr("account_kind", "StorageV2"),
                .attr("account_tier", "Standard"),
                .attr("account_replication_type", "ZRS"),
                .attr("min_tls_version", "TLS1_2"),
                .attr("https_traffic_only_enabled", true),
                .attr("allow_nested_items_to_be_public", false),
                .attr("shared_access_key_enabled", false),
                .block(HCLBlock("blob_properties", body: [
                    .attr("versioning_enabled", true),
                    .block(HCLBlock("delete_retention_policy", body: [.attr("days", 30)])),
                ])),
                TF.preventDestroy,
            ])),
            .block(HCLBlock("resource", "azurerm_storage_container", "state", body: [
                CheckovSkip.storageBlobReadLogging.comment,
                .attr("name", "tfstate"),
                .attr("storage_account_id", TF.ref("azurerm_storage_account.state.id")),
                .attr("container_access_type", "private"),
            ])),
        ]
    }
}
