/// Builds the typed ``Blueprint`` from a schema-checked tree. Structural problems
/// were reported by ``SchemaChecker``; where a value is missing or malformed the
/// decoder substitutes a neutral value so one pass can still report every
/// semantic problem.
enum BlueprintDecoder {
    static func decode(_ root: SourceNode, pins: Pins) -> Blueprint {
        let platformNode = root["platform"] ?? root
        let platform = Platform(
            name: platformNode["name"]?.string ?? "",
            domain: platformNode["domain"]?.string ?? "",
            secretStore: platformNode["secretStore"].map { node in
                SecretStore(name: node["name"]?.string ?? SecretStore.defaultName, provider: secretStoreProvider(node), location: node.location)
            } ?? SecretStore(location: platformNode.location),
            certificates: CertificateSettings(
                acmeServer: platformNode["certificates"]?["acme"]?["server"]?.string ?? CertificateSettings.letsEncrypt,
                acmeEmail: platformNode["certificates"]?["acme"]?["email"]?.string),
            location: platformNode.location)
        let repositories = Repositories(
            ops: repository(root["repositories"]?["ops"], fallback: root.location),
            infra: repository(root["repositories"]?["infra"], fallback: root.location))

        let environments = (root["environments"]?.items ?? []).map(environment)
        let regions = (root["regions"]?.items ?? []).map(region)
        let allRegions = regions.map(\.id)
        let dataStores = (root["dataStores"]?.items ?? []).map { dataStore($0, allRegions: allRegions) }
        let organizations = (root["organizations"]?.items ?? []).map(organization)
        let services = (root["services"]?.items ?? []).map(service)

        let observabilityNode = root["observability"]
        let observability = Observability(
            metricsRetention: observabilityNode?["metricsRetention"]?.string ?? "15d",
            logsRetention: observabilityNode?["logsRetention"]?.string ?? "168h",
            tracesRetention: observabilityNode?["tracesRetention"]?.string ?? "72h",
            // Masking is on unless the blueprint lists less (an empty list turns it off).
            logMasking: observabilityNode?["logMasking"].map { $0.items.compactMap { $0.string.flatMap(Observability.LogMask.init(rawValue:)) } }
                ?? Observability.LogMask.allCases)

        let backup = root["backup"].map { node in
            Backup(
                schedule: node["schedule"]?.string ?? "0 2 * * *",
                retention: node["retention"]?.string ?? "720h",
                store: node["store"]?.string ?? "",
                bucket: node["bucket"]?.string ?? "",
                offRegionCopies: node["offRegionCopies"]?.items.compactMap(\.string) ?? [],
                restoreDrill: node["restoreDrill"]?.string ?? "0 5 * * 0",
                location: node.location,
                fieldLocations: fieldLocations(node))
        }

        let policyNode = root["policy"]
        var signing: Policy.Signing?
        if let cosign = policyNode?["cosign"] {
            if let key = cosign["publicKey"]?.string {
                signing = .publicKey(key)
            } else if let issuer = cosign["issuer"]?.string {
                signing = .keyless(issuer: issuer, subject: cosign["subject"]?.string ?? "")
            }
        }
        let policy = Policy(
            signing: signing,
            requiredLabels: policyNode?["requiredLabels"]?.items.compactMap(\.string) ?? [],
            maxApplicationDeletions: policyNode?["maxApplicationDeletions"]?.int ?? 3,
            location: policyNode?.location ?? root.location)

        var blueprint = Blueprint(
            platform: platform, repositories: repositories, environments: environments, regions: regions,
            organizations: organizations, services: services, dataStores: dataStores,
            observability: observability, backup: backup, policy: policy,
            promotion: root["promotion"].map { node in
                Promotion(order: node.items.map { $0.string ?? "" }, locations: node.items.map(\.location))
            },
            ci: root["ci"].map { node in
                ContinuousIntegration(
                    provider: node["provider"]?.string ?? "github",
                    folder: node["folder"]?.string ?? ContinuousIntegration.defaultFolder,
                    runner: node["runner"]?.string ?? ContinuousIntegration.defaultRunner,
                    repository: node["repository"]?.string ?? "", scaffoldSource: node["scaffoldSource"]?.string ?? "",
                    blueprintPath: node["blueprintPath"]?.string,
                    location: node.location, fieldLocations: fieldLocations(node))
            },
            pins: pins)
        blueprint.alerts = root["alerts"].map(alerting)
        blueprint.components = components(root["components"])
        return blueprint
    }

    static func alerting(_ node: SourceNode) -> Alerting {
        Alerting(
            receivers: (node["receivers"]?.items ?? []).map { item in
                let channel: Alerting.Channel
                var secretNode: SourceNode?
                if let email = item["email"] {
                    channel = .email(to: email["to"]?.string ?? "", from: email["from"]?.string ?? "",
                                     smarthost: email["smarthost"]?.string ?? "", username: email["username"]?.string)
                    secretNode = email["password"]
                } else if let slack = item["slack"] {
                    channel = .slack(channel: slack["channel"]?.string ?? "")
                    secretNode = slack["url"]
                } else if let webhook = item["webhook"] {
                    channel = .webhook
                    secretNode = webhook["url"]
                } else {
                    channel = .pagerduty
                    secretNode = item["pagerduty"]?["routingKey"]
                }
                return Alerting.Receiver(name: item["name"]?.string ?? "", channel: channel, secret: secretNode?.string,
                                         location: item.location, fieldLocations: fieldLocations(item))
            },
            routes: (node["routes"]?.items ?? []).map { item in
                Alerting.Route(severity: item["severity"]?.string, environment: item["environment"]?.string,
                               receiver: item["receiver"]?.string ?? "", location: item.location, fieldLocations: fieldLocations(item))
            },
            location: node.location)
    }

    static func serviceLevelObjective(_ node: SourceNode) -> ServiceLevelObjective {
        ServiceLevelObjective(
            availability: node["availability"]?.string.map(percent),
            latency: node["latency"].map { .init(threshold: $0["threshold"]?.string ?? "", objective: percent($0["objective"]?.string ?? "")) },
            window: node["window"]?.string ?? "30d",
            location: node.location, fieldLocations: fieldLocations(node))
    }

    /// `99.9%` → `99.9`.
    static func percent(_ text: String) -> String { text.hasSuffix("%") ? String(text.dropLast()) : text }

    /// Every key's value location, by dotted path.
    static func fieldLocations(_ node: SourceNode, prefix: String = "") -> FieldLocations {
        var result: FieldLocations = [:]
        for entry in node.entries {
            let path = prefix.isEmpty ? entry.key : "\(prefix).\(entry.key)"
            result[path] = entry.value.location
            switch entry.value.value {
            case .mapping:
                result.merge(fieldLocations(entry.value, prefix: path)) { first, _ in first }
            case .sequence(let items):
                for (index, item) in items.enumerated() { result["\(path)[\(index)]"] = item.location }
            default:
                break
            }
        }
        return result
    }

    static func repository(_ node: SourceNode?, fallback: SourceLocation) -> GitRepository {
        GitRepository(url: node?["url"]?.string ?? "", branch: node?["branch"]?.string ?? "main", location: node?.location ?? fallback)
    }

    static func quantity(_ node: SourceNode?, _ fallback: String = "0") -> Quantity {
        node?.string.flatMap(Quantity.init) ?? Quantity(fallback)!
    }

    static func cpuMemory(_ node: SourceNode?) -> CPUMemory {
        CPUMemory(cpu: quantity(node?["cpu"]), memory: quantity(node?["memory"]))
    }

    static func resources(_ node: SourceNode?) -> Resources {
        Resources(requests: cpuMemory(node?["requests"]), limits: cpuMemory(node?["limits"]))
    }

    static func replicas(_ node: SourceNode?) -> ReplicaRange {
        ReplicaRange(min: node?["min"]?.int ?? 1, max: node?["max"]?.int ?? 1)
    }

    static func environment(_ node: SourceNode) -> Environment {
        let name = node["name"]?.string ?? ""
        let mode = node["policyMode"]?.string.flatMap(Environment.PolicyMode.init(rawValue:))
            ?? (name == "dev-local" ? .audit : .enforce)
        return Environment(
            name: name,
            domain: node["domain"]?.string ?? "",
            localCluster: node["cluster"]?.string,
            policyMode: mode,
            replicas: node["replicas"].map(replicas),
            resources: node["resources"].map(resources),
            location: node.location,
            fieldLocations: fieldLocations(node))
    }

    /// The provider a secret-store mapping names (the schema checked there is one).
    static func secretStoreProvider(_ node: SourceNode) -> SecretStoreProvider? {
        if let vault = node["vault"] {
            return .vault(server: vault["server"]?.string ?? "", path: vault["path"]?.string ?? "secret",
                          role: vault["role"]?.string ?? "external-secrets", authPath: vault["authPath"]?.string ?? "kubernetes")
        }
        if let aws = node["aws"] { return .aws(region: aws["region"]?.string ?? "", roleARN: aws["roleArn"]?.string) }
        if let azure = node["azure"] {
            return .azure(vaultURL: azure["vaultUrl"]?.string ?? "", clientID: azure["clientId"]?.string ?? "", tenantID: azure["tenantId"]?.string)
        }
        if let gcp = node["gcp"] { return .gcp(project: gcp["project"]?.string ?? "", serviceAccount: gcp["serviceAccount"]?.string) }
        if node["kubernetes"] != nil { return .kubernetes }
        return nil
    }

    static func region(_ node: SourceNode) -> Region {
        Region(
            id: node["id"]?.string ?? "",
            country: node["country"]?.string ?? "",
            cloud: node["cloud"]?.string ?? "",
            cloudLocation: node["location"]?.string,
            residency: node["residency"]?.string.flatMap(Region.Residency.init(rawValue:)) ?? .strict,
            environments: node["environments"]?.items.compactMap(\.string) ?? [],
            secretStore: node["secretStore"].flatMap(secretStoreProvider),
            apiAuthorizedNetworks: node["apiAuthorizedNetworks"]?.items.compactMap(\.string) ?? [],
            backupEndpoint: node["backupEndpoint"]?.string,
            location: node.location,
            fieldLocations: fieldLocations(node))
    }

    static func organization(_ node: SourceNode) -> Organization {
        let id = node["id"]?.string ?? ""
        let home = node["homeRegion"]?.string ?? ""
        let quotas = node["quotas"]
        return Organization(
            id: id,
            displayName: node["displayName"]?.string ?? id,
            homeRegion: home,
            quotas: .init(cpu: quantity(quotas?["cpu"]), memory: quantity(quotas?["memory"]), storage: quantity(quotas?["storage"])),
            admins: node["admins"]?.items.compactMap(\.string) ?? ["\(id)-admins"],
            projects: (node["projects"]?.items ?? []).map { project in
                let projectID = project["id"]?.string ?? ""
                return .init(id: projectID, displayName: project["displayName"]?.string ?? projectID, location: project.location)
            },
            data: (node["data"]?.items ?? []).map { placement in
                .init(store: placement["store"]?.string ?? "", region: placement["region"]?.string ?? home, location: placement.location)
            },
            backupRegion: node["backup"]?["region"]?.string ?? home,
            location: node.location,
            fieldLocations: fieldLocations(node))
    }

    static func service(_ node: SourceNode) -> Service {
        let port = node["port"]?.int ?? 0
        let health = node["health"]
        let liveness = health?["liveness"]?.string ?? "/"
        var service = Service(
            name: node["name"]?.string ?? "",
            image: node["image"]?.string ?? "",
            port: port,
            metricsPort: node["metrics"]?["port"]?.int ?? port,
            metricsPath: node["metrics"]?["path"]?.string ?? "/metrics",
            declaresMetrics: node["metrics"] != nil,
            replicas: replicas(node["replicas"]),
            resources: resources(node["resources"]),
            liveness: liveness,
            readiness: health?["readiness"]?.string ?? liveness,
            startup: health?["startup"]?.string ?? liveness,
            dependsOn: (node["dependsOn"]?.items ?? []).compactMap { dependency in
                let target: Service.Dependency.Target
                if dependency["service"] != nil, dependency["dataStore"] != nil {
                    return nil  // ambiguous: reported by the schema check
                } else if let service = dependency["service"]?.string {
                    target = .service(service)
                } else if let store = dependency["dataStore"]?.string {
                    target = .dataStore(store)
                } else {
                    return nil
                }
                return .init(target: target, port: dependency["port"]?.int, location: dependency.location)
            },
            expose: node["expose"].map {
                .init(host: $0["host"]?.string ?? "", path: $0["path"]?.string ?? "/", global: $0["global"]?.bool ?? false)
            },
            config: node["config"]?.entries.map { (name: $0.key, value: $0.value.string ?? "") }.sorted { $0.name < $1.name } ?? [],
            secrets: (node["secrets"]?.items ?? []).map {
                .init(name: $0["name"]?.string ?? "", key: $0["key"]?.string ?? "", generate: $0["generate"]?.int, location: $0.location)
            }
                .sorted { $0.name < $1.name },
            serviceAccountToken: node["serviceAccountToken"]?.bool ?? false,
            runsMigrations: node["migrations"]?.bool ?? false,
            location: node.location,
            fieldLocations: fieldLocations(node))
        service.requestMetrics = RequestMetrics(
            requests: node["metrics"]?["requests"]?.string, duration: node["metrics"]?["duration"]?.string,
            statusLabel: node["metrics"]?["statusLabel"]?.string ?? "status")
        service.slo = node["slo"].map(serviceLevelObjective)
        service.secretDelivery = node["secretDelivery"]?.string.flatMap(Service.SecretDelivery.init(rawValue:)) ?? .files
        return service
    }

    static func dataStore(_ node: SourceNode, allRegions: [String]) -> DataStore {
        var store = DataStore(
            name: node["name"]?.string ?? "",
            kind: node["kind"]?.string.flatMap(DataStore.Kind.init(rawValue:)) ?? .postgresql,
            regions: node["regions"]?.items.compactMap(\.string) ?? allRegions,
            storage: quantity(node["storage"], "10Gi"),
            buckets: node["buckets"]?.items.compactMap(\.string) ?? [],
            location: node.location,
            fieldLocations: fieldLocations(node))
        store.tls = node["tls"]?.bool ?? false
        return store
    }

    static func pins(_ root: SourceNode, file: String) -> Pins {
        var result = Pins(file: file)
        for service in root["pins"]?.entries ?? [] {
            for entry in service.value.entries {
                let parts = entry.key.split(separator: "/", maxSplits: 1).map(String.init)
                let key = Pins.Key(service: service.key, environment: parts.first ?? "", region: parts.count > 1 ? parts[1] : nil)
                result.digests[key] = entry.value.string ?? ""
                result.locations[key] = entry.value.location
            }
        }
        return result
    }
}
