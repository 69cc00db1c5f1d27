import Foundation
import Renderer
import Templates

/// Builds a ``PolicyModel`` from rendered output alone: the cluster overlays' objects
/// (parsed back with Yams), the migration SQL and the Terraform variables. Nothing here
/// reads the blueprint, so what the model says is what was rendered.
public enum PolicyExtractor {
    /// Why the rendered output could not be read.
    public enum ExtractionError: Error, Sendable, CustomStringConvertible {
        case manifest(ManifestReader.ReadError)
        case sql(SQLPolicyReader.ReadError)

        public var description: String {
            switch self {
            case .manifest(let error): error.description
            case .sql(let error): error.description
            }
        }
    }

    public static func extract(_ tree: RenderedTree) throws(ExtractionError) -> PolicyModel {
        let clusters: [RenderedCluster]
        do { clusters = try tree.clusters() } catch { throw .manifest(error) }
        let database: DatabasePolicy
        do { database = try SQLPolicyReader.read(tree) } catch { throw .sql(error) }
        return PolicyModel(clusters: clusters.map(cluster), database: database, regions: regionSettings(tree))
    }

    // MARK: Clusters

    public static func cluster(_ cluster: RenderedCluster) -> ClusterPolicy {
        let policies = cluster.objects.compactMap(ParsedNetworkPolicy.init).sorted { $0.reference < $1.reference }
        let endpoints = EndpointCatalog.endpoints(cluster, policies: policies)
        let evaluator = NetworkPolicyEvaluator(policies: policies, namespaceLabels: cluster.namespaceLabels)
        var admission: [AdmissionRule] = []
        var grants: [AccessGrant] = []
        var quotas: [QuotaLimit] = []
        var workloads: [WorkloadFact] = []
        var backups: [BackupLocation] = []
        for object in cluster.objects {
            switch (object.group, object.kind) {
            case ("kyverno.io", "ClusterPolicy"), ("kyverno.io", "Policy"):
                admission += admissionRules(object)
            case ("", "ResourceQuota"):
                for entry in object.body["spec"]?["hard"]?.entries ?? [] {
                    quotas.append(QuotaLimit(namespace: object.namespace ?? "default", quota: object.name, resource: entry.key,
                                             value: entry.value.string ?? "", location: object.location.at(entry.value.line)))
                }
            case ("argoproj.io", "AppProject"):
                grants += projectGrants(object)
            case ("velero.io", "BackupStorageLocation"):
                let spec = object.body["spec"]
                let config = spec?["config"]
                // Where the provider's plugin writes: the S3 URL, the Azure storage account's
                // blob endpoint, or Cloud Storage. The region is the one the location is
                // labelled with (an S3 `region` names the cloud's own location, not the blueprint's).
                let endpoint: String? = switch spec?["provider"]?.string {
                case "azure": config?["storageAccount"]?.string.map { "https://\($0).blob.core.windows.net" }
                case "gcp": "https://storage.googleapis.com"
                default: config?["s3Url"]?.string
                }
                backups.append(BackupLocation(
                    namespace: object.namespace ?? "default", name: object.name,
                    region: object.labels["scaffold.dev/region"] ?? config?["region"]?.string,
                    endpoint: endpoint, bucket: spec?["objectStorage"]?["bucket"]?.string,
                    location: object.location))
            default:
                if let template = EndpointCatalog.podTemplate(object), let namespace = object.namespace {
                    let containers = (template.spec?["initContainers"]?.items ?? []).map { ($0, true) }
                        + (template.spec?["containers"]?.items ?? []).map { ($0, false) }
                    workloads.append(WorkloadFact(
                        namespace: namespace, kind: object.kind, name: object.name,
                        containers: containers.map { WorkloadFact.Container(name: $0.0["name"]?.string ?? "", image: $0.0["image"]?.string ?? "", isInit: $0.1) },
                        nodeSelector: template.spec?["nodeSelector"]?.stringMap ?? [:], location: object.location))
                }
            }
        }
        grants += rbacGrants(cluster.objects)
        let namespaces = cluster.objects(kind: "Namespace").map { object in
            var labels = object.labels
            labels["kubernetes.io/metadata.name"] = object.name
            return NamespaceFact(name: object.name, labels: labels, location: object.location)
        }.sorted { $0.name < $1.name }
        return ClusterPolicy(
            name: cluster.name, environment: cluster.environment, region: cluster.region, namespaces: namespaces,
            networkPolicies: policies, endpoints: endpoints,
            connections: evaluator.connections(among: endpoints, cluster: cluster.name),
            admissionRules: admission.sorted(), grants: Array(Set(grants)).sorted(), quotas: quotas.sorted(),
            workloads: workloads.sorted(), backupLocations: backups.sorted { $0.name < $1.name })
    }

    // MARK: Kyverno

    static func admissionRules(_ object: ManifestObject) -> [AdmissionRule] {
        let spec = object.body["spec"]
        let policyDefault = normalizedAction(spec?["validationFailureAction"]?.string) ?? "Audit"
        var rules: [AdmissionRule] = []
        for rule in spec?["rules"]?.items ?? [] {
            let name = rule["name"]?.string ?? "unnamed"
            let match = filters(rule["match"])
            let exclude = filters(rule["exclude"])
            let location = object.location.at(rule.line)
            if let validate = rule["validate"] {
                let region = validate["pattern"]?["spec"]?["nodeSelector"]?[Residency.nodeLabel]?.string
                rules.append(AdmissionRule(
                    policy: object.name, rule: name, type: "validate",
                    action: normalizedAction(validate["failureAction"]?.string) ?? policyDefault,
                    match: match, exclude: exclude, imageReferences: [], attestors: [], requiredNodeRegion: region, location: location))
            }
            let verifications = rule["verifyImages"]?.items ?? []
            for (index, verify) in verifications.enumerated() {
                rules.append(AdmissionRule(
                    policy: object.name, rule: verifications.count == 1 ? name : "\(name)#\(index + 1)", type: "verifyImages",
                    action: normalizedAction(verify["failureAction"]?.string) ?? policyDefault,
                    match: match, exclude: exclude, imageReferences: verify["imageReferences"]?.strings.sorted() ?? [],
                    attestors: attestors(verify), requiredNodeRegion: nil, location: object.location.at(verify.line)))
            }
            for type in ["mutate", "generate", "cleanup"] where rule[type] != nil {
                rules.append(AdmissionRule(policy: object.name, rule: name, type: type, action: "-", match: match, exclude: exclude,
                                           imageReferences: [], attestors: [], requiredNodeRegion: nil, location: location))
            }
        }
        return rules
    }

    static func normalizedAction(_ text: String?) -> String? {
        switch text?.lowercased() {
        case "enforce": "Enforce"
        case "audit": "Audit"
        case nil: nil
        case let other?: other
        }
    }

    static func filters(_ value: ManifestValue?) -> [AdmissionRule.ResourceFilter] {
        guard let value else { return [] }
        var entries = (value["any"]?.items ?? []) + (value["all"]?.items ?? [])
        if value["resources"] != nil { entries.append(value) }
        return entries.compactMap { entry in
            guard let resources = entry["resources"] else { return nil }
            return AdmissionRule.ResourceFilter(
                kinds: resources["kinds"]?.strings ?? [], namespaces: resources["namespaces"]?.strings.sorted() ?? [],
                namespaceSelector: resources["namespaceSelector"].map { LabelSelector($0) },
                selector: resources["selector"].map { LabelSelector($0) })
        }
    }

    static func attestors(_ verify: ManifestValue) -> [String] {
        var result: [String] = []
        for attestor in verify["attestors"]?.items ?? [] {
            for entry in attestor["entries"]?.items ?? [] {
                if let keyless = entry["keyless"] {
                    result.append("keyless issuer=\(keyless["issuer"]?.string ?? "?") subject=\(keyless["subject"]?.string ?? "?")")
                }
                if let key = entry["keys"]?["publicKeys"]?.string {
                    result.append("key sha256:\(ContentHash.sha256(key).prefix(16))")
                }
                if let certificates = entry["certificates"] {
                    result.append("certificate \(certificates["cert"]?.string.map { "sha256:\(ContentHash.sha256($0).prefix(16))" } ?? "?")")
                }
            }
        }
        return result.sorted()
    }

    // MARK: RBAC

    static func rbacGrants(_ objects: [ManifestObject]) -> [AccessGrant] {
        let rbac = objects.filter { $0.group == "rbac.authorization.k8s.io" }
        var grants: [AccessGrant] = []
        for binding in rbac where binding.kind == "RoleBinding" || binding.kind == "ClusterRoleBinding" {
            guard let roleRef = binding.body["roleRef"], let roleKind = roleRef["kind"]?.string, let roleName = roleRef["name"]?.string else { continue }
            let role = rbac.first {
                $0.kind == roleKind && $0.name == roleName && (roleKind == "ClusterRole" || $0.namespace == binding.namespace)
            }
            let scope = binding.kind == "RoleBinding" ? (binding.namespace ?? "default") : "cluster-wide"
            let via = "\(binding.kind) \(binding.namespace.map { "\($0)/" } ?? "")\(binding.name) → \(roleKind) \(roleName)"
            for subject in binding.body["subjects"]?.items ?? [] {
                let kind = subject["kind"]?.string ?? "?"
                let name = subject["name"]?.string ?? "?"
                let text = kind == "ServiceAccount" ? "ServiceAccount \(subject["namespace"]?.string ?? binding.namespace ?? "default")/\(name)" : "\(kind) \(name)"
                guard let role else {
                    grants.append(AccessGrant(subject: text, scope: scope, apiGroup: "", resource: "<missing \(roleKind) \(roleName)>",
                                              verb: "-", via: via, location: binding.location))
                    continue
                }
                for rule in role.body["rules"]?.items ?? [] {
                    let groups = rule["apiGroups"]?.strings ?? [""]
                    var resources = rule["resources"]?.strings ?? []
                    if let names = rule["resourceNames"]?.strings, !names.isEmpty {
                        resources = resources.map { "\($0)[\(names.sorted().joined(separator: ","))]" }
                    }
                    resources += rule["nonResourceURLs"]?.strings ?? []
                    for group in groups.isEmpty ? [""] : groups {
                        for resource in resources {
                            for verb in rule["verbs"]?.strings ?? [] {
                                grants.append(AccessGrant(subject: text, scope: scope, apiGroup: group, resource: resource, verb: verb,
                                                          via: via, location: role.location.at(rule.line)))
                            }
                        }
                    }
                }
            }
        }
        return grants
    }

    /// What an Argo CD AppProject lets its Applications deploy, and what its roles let people do.
    static func projectGrants(_ object: ManifestObject) -> [AccessGrant] {
        let spec = object.body["spec"]
        let project = "AppProject \(object.name)"
        var grants: [AccessGrant] = []
        let blacklist = (spec?["namespaceResourceBlacklist"]?.items ?? []).map { kind($0) }.sorted()
        let whitelist = (spec?["namespaceResourceWhitelist"]?.items ?? []).map { kind($0) }.sorted()
        var namespaced = whitelist.isEmpty ? "namespaced objects" : "namespaced \(whitelist.joined(separator: ","))"
        if !blacklist.isEmpty { namespaced += " except \(blacklist.joined(separator: ","))" }
        for destination in spec?["destinations"]?.items ?? [] {
            let namespace = destination["namespace"]?.string ?? "*"
            grants.append(AccessGrant(subject: project, scope: namespace, apiGroup: "", resource: namespaced, verb: "deploy",
                                      via: "\(project) destinations", location: object.location.at(destination.line)))
        }
        for entry in spec?["clusterResourceWhitelist"]?.items ?? [] {
            grants.append(AccessGrant(subject: project, scope: "cluster-wide", apiGroup: "", resource: kind(entry), verb: "deploy",
                                      via: "\(project) clusterResourceWhitelist", location: object.location.at(entry.line)))
        }
        for role in spec?["roles"]?.items ?? [] {
            let roleName = role["name"]?.string ?? "?"
            for policy in role["policies"]?.strings ?? [] {
                // Casbin: p, <subject>, <resource>, <action>, <object>, <effect>
                let fields = policy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count >= 6, fields[0] == "p", fields[5] == "allow" else { continue }
                for group in role["groups"]?.strings ?? [] {
                    grants.append(AccessGrant(subject: "Group \(group)", scope: "argocd project \(object.name)", apiGroup: "argoproj.io",
                                              resource: "\(fields[2]) \(fields[4])", verb: fields[3],
                                              via: "\(project) role \(roleName)", location: object.location.at(role.line)))
                }
            }
        }
        return grants
    }

    static func kind(_ entry: ManifestValue) -> String {
        let group = entry["group"]?.string ?? ""
        let kind = entry["kind"]?.string ?? "*"
        return group.isEmpty ? kind : "\(group)/\(kind)"
    }

    // MARK: Terraform

    /// `infra/live/<region>/<environment>/terraform.tfvars`: the top-level string values.
    static func regionSettings(_ tree: RenderedTree) -> [RegionSetting] {
        var settings: [RegionSetting] = []
        for path in tree.paths(under: "infra/live") where path.hasSuffix("/terraform.tfvars") {
            let parts = path.split(separator: "/")
            guard parts.count == 5 else { continue }
            var values: [String: (String, Int)] = [:]
            for (index, line) in (tree.files[path] ?? "").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let assignment = HCLAssignment(line) else { continue }
                values[assignment.name] = (assignment.value, index + 1)
            }
            settings.append(RegionSetting(
                region: values["region"]?.0 ?? String(parts[2]), environment: values["environment"]?.0 ?? String(parts[3]),
                country: values["country"]?.0, residency: values["residency"]?.0,
                location: RenderedLocation(file: path, line: values["residency"]?.1 ?? 1)))
        }
        return settings.sorted()
    }
}

/// `name = "value"` at the start of a line of HCL.
struct HCLAssignment {
    var name: String
    var value: String

    init?(_ line: Substring) {
        guard let first = line.first, first.isLetter || first == "_", let equals = line.firstIndex(of: "=") else { return nil }
        let name = line[..<equals].trimmingCharacters(in: .whitespaces)
        let rest = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
              rest.count >= 2, rest.hasPrefix("\""), rest.hasSuffix("\"") else { return nil }
        self.name = name
        self.value = String(rest.dropFirst().dropLast())
    }
}
