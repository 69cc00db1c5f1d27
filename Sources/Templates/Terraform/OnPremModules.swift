import BlueprintModel
import Renderer

/// On premises: k3s on machines the platform team already runs. Terraform cannot
/// reach those machines and needs no provider: the modules validate the site's
/// description, record the desired cluster in state (so every change shows in a
/// plan) and hand out what installs it (the k3s configuration, the zone file).
/// Being provider-free, every module and stack here passes `terraform validate`
/// offline.
enum OnPremModules: CloudModuleSet {
    static let cloud = TerraformCloud.onprem

    static let network = TerraformModule(
        folder: "onprem", kind: "network",
        summary: ["The network the site's machines share: validated and recorded."],
        provider: nil,
        variables: [
            TerraformInputs.name, TerraformInputs.nodeCIDR,
            TerraformInputs.addresses("node_addresses", "Private IPv4 addresses of every machine of the cluster.", atLeast: 1)
                .validated(TF.all(.variable("node_addresses"), "address", .call("try", [.binary(.equal,
                    .call("cidrsubnet", [.template([.interpolation(.reference("address")), .literal("/"),
                                                    .interpolation(.index(.call("split", ["/", .variable("cidr")]), 1))]), 0, 0]),
                    .call("cidrsubnet", [.variable("cidr"), 0, 0])), false])),
                    "Every node address must lie inside cidr."),
        ],
        main: [.block(HCLBlock("resource", "terraform_data", "network", body: [
            .attr("input", .object(["name": .variable("name"), "cidr": .variable("cidr"), "nodes": .variable("node_addresses")])),
        ]))],
        outputs: [
            TerraformOutput("id", "The id of the recorded network.", TF.ref("terraform_data.network.id")),
            TerraformOutput("cidr", "The machines' network.", .variable("cidr")),
            TerraformOutput("node_addresses", "The machines' addresses.", .variable("node_addresses")),
        ])

    static let serverAddresses = TerraformInputs.addresses("server_addresses", "Private IPv4 addresses of the k3s servers (control plane, embedded etcd).", atLeast: 1)
        .validated(.binary(.and,
                           .binary(.equal, .binary(.modulo, TF.length(.variable("server_addresses")), 2), 1),
                           .binary(.or, .binary(.greaterOrEqual, TF.length(.variable("server_addresses")), 3), .unary(.not, .variable("high_availability")))),
                   "Embedded etcd needs an odd number of servers, and at least three for high availability.")

    static let agentAddresses = TerraformInputs.addresses("agent_addresses", "Private IPv4 addresses of the k3s agents (workers).", atLeast: 0)
        .defaulting(to: [])

    static let cluster = TerraformModule(
        folder: "onprem", kind: "cluster",
        summary: [
            "A k3s cluster on existing machines. Terraform records the desired cluster in state and",
            "outputs its k3s configuration; the machines are installed with INSTALL_K3S_CHANNEL set to",
            "k3s_channel and /etc/rancher/k3s/config.yaml set to k3s_server_config. The join token is",
            "read from token-file on each machine, provisioned from the secret store: it never passes",
            "through Terraform.",
        ],
        provider: nil,
        variables: [
            TerraformInputs.name, TerraformInputs.location(cloud), TerraformInputs.kubernetesVersion,
            serverAddresses, agentAddresses, TerraformInputs.ingressIPv4, TerraformInputs.podsCIDR, TerraformInputs.servicesCIDR,
            TerraformInputs.highAvailability, TerraformInputs.tags,
        ],
        main: [
            .block(HCLBlock("locals", body: [
                .attr("server_config", .object([
                    "cluster-init": .variable("high_availability"),
                    "cluster-cidr": .variable("pods_cidr"),
                    "service-cidr": .variable("services_cidr"),
                    "cluster-dns": .call("cidrhost", [.variable("services_cidr"), 10]),
                    "tls-san": .variable("server_addresses"),
                    "node-label": .forList(key: nil, value: "key", in: .call("sort", [.call("keys", [.variable("tags")])]),
                                           result: .template([.literal(Residency.nodeLabelPrefix), .interpolation(.reference("key")), .literal("="),
                                                              .interpolation(.index(.variable("tags"), .reference("key")))])),
                    "disable": ["traefik"],
                    "secrets-encryption": true,
                    "token-file": "/etc/rancher/k3s/cluster-token",
                    "write-kubeconfig-mode": "0600",
                ])),
            ])),
            .block(HCLBlock("resource", "terraform_data", "cluster", body: [
                .attr("input", .object([
                    "name": .variable("name"),
                    "site": .variable("location"),
                    "channel": TF.text("v", .variable("kubernetes_version")),
                    "servers": .variable("server_addresses"),
                    "agents": .variable("agent_addresses"),
                    "ingress_ipv4": .variable("ingress_ipv4"),
                    "server_config": .call("yamlencode", [.local("server_config")]),
                ])),
            ])),
        ],
        outputs: [
            TerraformOutput("id", "The id of the recorded cluster.", TF.ref("terraform_data.cluster.id")),
            TerraformOutput("endpoint", "The Kubernetes API endpoint (the first server).",
                            .template([.literal("https://"), .interpolation(.index(.variable("server_addresses"), 0)), .literal(":6443")])),
            TerraformOutput("ingress_ipv4", "The address the ingress answers on.", .variable("ingress_ipv4")),
            TerraformOutput("k3s_channel", "The k3s release channel to install from.", TF.text("v", .variable("kubernetes_version"))),
            TerraformOutput("k3s_server_config", "The contents of /etc/rancher/k3s/config.yaml on every server.",
                            .call("yamlencode", [.local("server_config")])),
        ])

    static let bucket = TerraformModule(
        folder: "onprem", kind: "bucket",
        summary: ["The region's buckets, validated and recorded: the in-cluster MinIO creates the application buckets;",
                  "the backup bucket lives on the region's backupEndpoint, outside the clusters, where the site's operators create it."],
        provider: nil,
        variables: [TerraformInputs.buckets],
        main: [.block(HCLBlock("resource", "terraform_data", "buckets", body: [.attr("input", .variable("buckets"))]))],
        outputs: [
            TerraformOutput("names", "Real bucket names by logical name.",
                            .forObject(key: "key", value: "bucket", in: .variable("buckets"), resultKey: TF.ref("key"), resultValue: TF.ref("bucket.name"))),
        ])

    static let dns = TerraformModule(
        folder: "onprem", kind: "dns",
        summary: ["The records of the zone for the site's own DNS servers, as data and as a zone file."],
        provider: nil,
        variables: [TerraformInputs.zone, TerraformInputs.hosts, TerraformInputs.ingressIPv4, TerraformInputs.ttl],
        main: [.block(HCLBlock("locals", body: [
            .attr("records", .call("concat", [
                [.object(["name": "@", "type": "A", "value": .variable("ingress_ipv4")])],
                .forList(key: nil, value: "host", in: .variable("hosts"),
                         result: .object(["name": .reference("host"), "type": "A", "value": .variable("ingress_ipv4")])),
            ])),
        ]))],
        outputs: [
            TerraformOutput("zone", "The zone's name.", .variable("zone")),
            TerraformOutput("records", "The zone's records.", .local("records")),
            TerraformOutput("zone_file", "The zone in RFC 1035 master-file form.", .call("format", ["%s\n", .call("join", ["\n", .call("concat", [
                [TF.text("$ORIGIN ", .variable("zone"), "."), TF.text("$TTL ", .variable("ttl"))],
                .forList(key: nil, value: "record", in: .local("records"),
                         result: .template([.interpolation(.reference("record.name")), .literal(" IN "), .interpolation(.reference("record.type")),
                                            .literal(" "), .interpolation(.reference("record.value"))])),
            ])])])),
        ])

    // MARK: Live stack

    static func stackVariables(_ stack: LiveStack) -> [(TerraformVariable, HCLExpression?)] {
        [
            (TerraformInputs.podsCIDR, .string(LiveStack.podsCIDR)),
            (TerraformInputs.servicesCIDR, .string(LiveStack.servicesCIDR)),
            (serverAddresses, nil),
            (agentAddresses, nil),
            (TerraformInputs.ingressIPv4, nil),
        ]
    }

    static func moduleCalls(_ stack: LiveStack) -> [HCLBodyItem] {
        [
            network.call([
                ("name", NamingModule.name), ("cidr", .variable("cidr")),
                ("node_addresses", .call("concat", [.variable("server_addresses"), .variable("agent_addresses")])),
            ]),
            cluster.call([
                ("name", NamingModule.name), ("location", .variable("location")), ("kubernetes_version", .variable("kubernetes_version")),
                ("server_addresses", .variable("server_addresses")), ("agent_addresses", .variable("agent_addresses")),
                ("ingress_ipv4", .variable("ingress_ipv4")), ("pods_cidr", .variable("pods_cidr")), ("services_cidr", .variable("services_cidr")),
                ("high_availability", .variable("high_availability")), ("tags", NamingModule.tags),
            ]),
            bucket.call([("buckets", .variable("buckets"))]),
            dns.call([("zone", .variable("zone")), ("hosts", .variable("hosts")), ("ingress_ipv4", TF.ref("module.cluster.ingress_ipv4"))]),
        ]
    }

    static func backend(_ stack: LiveStack) -> (comment: [String], block: HCLBlock) {
        let comment = [
            "State lives in the bucket \(stack.names.stateBucket) of the region's own MinIO (S3 API), inside the region.",
            "Credentials and endpoint come from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
            "and AWS_ENDPOINT_URL_S3 (the MinIO URL). The S3 region is the placeholder MinIO expects.",
        ]
        return (comment, HCLBlock("backend", "s3", body: [
            .attr("bucket", .string(stack.names.stateBucket)),
            .attr("key", .string(stack.names.stateKey(stack.environment.name))),
            .attr("region", "us-east-1"),
            .attr("use_path_style", true),
            .attr("use_lockfile", true),
            .blankLine,
            .attr("skip_credentials_validation", true),
            .attr("skip_requesting_account_id", true),
            .attr("skip_metadata_api_check", true),
            .attr("skip_region_validation", true),
        ]))
    }

    static func providerConfiguration(location: HCLExpression) -> [HCLBodyItem] { [] }

    static func extraOutputs(_ stack: LiveStack) -> [TerraformOutput] {
        [
            TerraformOutput("k3s_channel", "Install k3s with INSTALL_K3S_CHANNEL set to this.", TF.ref("module.cluster.k3s_channel")),
            TerraformOutput("k3s_server_config", "/etc/rancher/k3s/config.yaml of every server.", TF.ref("module.cluster.k3s_server_config")),
            TerraformOutput("zone_file", "Load into the site's DNS servers.", TF.ref("module.dns.zone_file")),
        ]
    }

    static func stateBootstrap(names: TerraformNames, region: Region) -> [HCLBodyItem]? { nil }
}
