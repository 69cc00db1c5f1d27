import BlueprintModel
import Foundation
import Templates

/// Audits one rendering: builds the access matrix and runs the invariant checks on the
/// policy model read from the rendered output, using the blueprint only for what it
/// intends (reachability, residency, the policy mode) and to name what it came from.
public enum PolicyAuditor {
    /// The controls the evidence bundle supports.
    public static let controls: [AuditReport.Control] = [
        AuditReport.Control(
            framework: "SOC 2 (2017 Trust Services Criteria)", id: "CC8.1",
            title: "Change management: changes to infrastructure and software are authorized, designed, tested, approved and implemented",
            howThisSupportsIt: "Each generated change is tied to a blueprint revision (content hash, commit) and generator version; the checks below run on exactly what is deployed and repeat byte for byte."),
        AuditReport.Control(
            framework: "ISO/IEC 27001:2022 Annex A", id: "A.8.32",
            title: "Change management",
            howThisSupportsIt: "The access-affecting effects of a change (network reachability, admission, RBAC, row-level security, residency, images) are computed from the rendered output and recorded with pass/fail evidence before deployment."),
    ]

    public static let commands = ["SELECT", "INSERT", "UPDATE", "DELETE"]

    public static func audit(_ subject: AuditSubject, generatorVersion: String) -> AuditReport {
        let model = subject.model
        let intent = NetworkIntent(subject.loaded, model: model)
        let checks = [
            defaultDeny(model),
            reachability(model, intent),
            imagesPinned(model),
            imagesSigned(model),
            admissionMode(subject),
            rowLevelSecurity(model.database),
            secrets(subject.tree),
            residency(subject),
        ]
        let matrix = AccessMatrix(
            network: model.clusters.map { cluster in
                AccessMatrix.Network(
                    cluster: cluster.name,
                    endpoints: cluster.endpoints.map { .init(id: $0.id, kind: $0.kind.rawValue) },
                    connections: cluster.connections.map {
                        .init(from: $0.from, to: $0.to, ports: $0.ports.description,
                              intent: intent.isIntended($0) ? .intended : intent.isChecked($0) ? .unintended : .unchecked,
                              egressPolicies: $0.egressPolicies, ingressPolicies: $0.ingressPolicies)
                    })
            },
            rowLevelSecurity: rowAccess(model.database),
            admission: model.clusters.flatMap { cluster in
                cluster.admissionRules.map {
                    .init(cluster: cluster.name, rule: $0.id, type: $0.type, action: $0.action, excludedNamespaces: $0.excludedNamespaces)
                }
            },
            grants: model.clusters.flatMap { cluster in
                cluster.grants.map { .init(cluster: cluster.name, subject: $0.subject, permission: $0.permission, via: $0.via) }
            })
        return AuditReport(
            schema: AuditReport.schemaID,
            generator: .init(name: "scaffold", version: generatorVersion),
            source: .init(blueprint: subject.blueprintPath, contentHash: subject.contentHash, revision: subject.revision, label: subject.label),
            controls: controls, summary: summary(model, checks), checks: checks, matrix: matrix)
    }

    static func summary(_ model: PolicyModel, _ checks: [AuditReport.Check]) -> AuditReport.Summary {
        var serviceConnections = 0
        for cluster in model.clusters {
            let services = Set(cluster.endpoints.filter { $0.kind == .workload && $0.namespace == ClusterNamespaces.apps }.map(\.id))
            serviceConnections += cluster.connections.filter { services.contains($0.from) && services.contains($0.to) && $0.from != $0.to }.count
        }
        return AuditReport.Summary(
            clusters: model.clusters.count,
            endpoints: model.clusters.reduce(0) { $0 + $1.endpoints.count },
            connections: model.clusters.reduce(0) { $0 + $1.connections.count },
            serviceConnections: serviceConnections,
            networkPolicies: model.clusters.reduce(0) { $0 + $1.networkPolicies.count },
            admissionPolicies: model.clusters.reduce(0) { $0 + Set($1.admissionRules.map(\.policy)).count },
            admissionRules: model.clusters.reduce(0) { $0 + $1.admissionRules.count },
            grants: model.clusters.reduce(0) { $0 + $1.grants.count },
            quotaLimits: model.clusters.reduce(0) { $0 + $1.quotas.count },
            tables: model.database.tables.count,
            tenantTables: model.database.tenantTables.count,
            rowLevelSecurityPolicies: model.database.policies.count,
            images: model.clusters.reduce(0) { $0 + $1.workloads.reduce(0) { $0 + $1.containers.count } },
            checksPassed: checks.filter { $0.result == .pass }.count,
            checksFailed: checks.filter { $0.result == .fail }.count)
    }

    // MARK: Network

    /// Every namespace denies by default: ingress everywhere; egress too where the
    /// namespace is labelled isolation-ready (workloads run there).
    static func defaultDeny(_ model: PolicyModel) -> AuditReport.Check {
        var evidence: [AuditReport.Evidence] = []
        for cluster in model.clusters {
            for namespace in cluster.namespaces {
                let isolated = namespace.labels[Labels.isolationReady] == "true"
                let denies = cluster.networkPolicies.filter { $0.namespace == namespace.name && $0.podSelector.isEverything }
                let ingress = denies.first { $0.directions.contains(.ingress) && $0.ingress.isEmpty }
                let egress = denies.first { $0.directions.contains(.egress) && $0.egress.isEmpty }
                let subject = "\(cluster.name) namespace \(namespace.name)"
                if let ingress, !isolated || egress != nil {
                    let policies = Set([ingress.reference] + (egress.map { [$0.reference] } ?? [])).sorted().joined(separator: ", ")
                    evidence.append(.init(subject, .pass,
                                          isolated ? "default deny, ingress and egress (\(policies))" : "default deny ingress (\(policies)); egress open: platform namespace",
                                          location: ingress.location.description))
                } else {
                    let missing = ingress == nil
                        ? (isolated ? "no default-deny policy for ingress and egress" : "no default-deny ingress policy")
                        : "no default-deny egress policy although labelled isolation-ready"
                    evidence.append(.init(subject, .fail, missing, location: namespace.location.description))
                }
            }
        }
        return AuditReport.Check(id: "network-default-deny", title: "Every namespace is default-deny",
                                 statement: "Each namespace has a policy selecting all its pods with no rules: ingress in every namespace, and egress as well in namespaces where workloads run.",
                                 evidence: evidence)
    }

    static func reachability(_ model: PolicyModel, _ intent: NetworkIntent) -> AuditReport.Check {
        let disagreements = intent.disagreements(model)
        var evidence: [AuditReport.Evidence] = disagreements.map { disagreement in
            let cluster = model.cluster(disagreement.cluster)
            let location = cluster.flatMap { cluster in
                cluster.connection(from: disagreement.from, to: disagreement.to).flatMap { PolicyDiff.policyLocation(cluster, $0) }
            }
            return AuditReport.Evidence("\(disagreement.cluster): \(disagreement.from) → \(disagreement.to)", .fail, disagreement.detail,
                                        location: location?.description)
        }
        for cluster in model.clusters where !disagreements.contains(where: { $0.cluster == cluster.name }) {
            let intended = cluster.connections.filter(intent.isIntended).count
            evidence.append(.init(cluster.name, .pass,
                                  "\(cluster.connections.count) connections computed from \(cluster.networkPolicies.count) NetworkPolicies over \(cluster.endpoints.count) endpoints; every connection touching a workload namespace is intended (\(intended) intended in all) and none intended is blocked"))
        }
        return AuditReport.Check(id: "network-matches-intent", title: "Reachability matches the blueprint",
                                 statement: "Reachability computed from the rendered NetworkPolicies alone equals the connections the blueprint intends for every service, data store and tenant.",
                                 evidence: evidence)
    }

    // MARK: Images and admission

    /// Whether a namespace is held to the baseline policy scope: data stores, whose
    /// upstream images (their charts' and their tools', like the restore drill's) are pinned
    /// by version, not by digest, and not signed by the platform's signer.
    static func isBaselineScope(_ namespace: String, in cluster: ClusterPolicy) -> Bool {
        cluster.namespaces.first { $0.name == namespace }?.labels[PolicyScope.label] == PolicyScope.baseline
    }

    static func imagesPinned(_ model: PolicyModel) -> AuditReport.Check {
        var evidence: [AuditReport.Evidence] = []
        for cluster in model.clusters {
            for workload in cluster.workloads where !isBaselineScope(workload.namespace, in: cluster) {
                for container in workload.containers {
                    let image = ImageReference(container.image)
                    evidence.append(.init("\(cluster.name) \(workload.reference) \(container.name)", image.isPinned ? .pass : .fail,
                                          image.isPinned ? "pinned: \(container.image)" : "not pinned by sha256 digest: \(container.image)",
                                          location: workload.location.description))
                }
            }
        }
        if evidence.isEmpty { evidence.append(.init("rendered workloads", .pass, "no rendered workload runs a container")) }
        return AuditReport.Check(id: "images-digest-pinned", title: "Every image is pinned by digest",
                                 statement: "Every container image of every rendered workload outside the data stores' namespaces (policy scope baseline: upstream images pinned by version) is referenced by its sha256 digest.",
                                 evidence: evidence)
    }

    static func imagesSigned(_ model: PolicyModel) -> AuditReport.Check {
        var evidence: [AuditReport.Evidence] = []
        for cluster in model.clusters {
            let namespaces = Dictionary(uniqueKeysWithValues: cluster.namespaces.map { ($0.name, $0.labels) })
            let verifiers = cluster.admissionRules.filter { $0.type == "verifyImages" }
            for workload in cluster.workloads where !isBaselineScope(workload.namespace, in: cluster) {
                let labels = namespaces[workload.namespace] ?? ["kubernetes.io/metadata.name": workload.namespace]
                for container in workload.containers {
                    let subject = "\(cluster.name) \(workload.reference) \(container.name)"
                    if let rule = verifiers.first(where: { $0.applies(toNamespace: workload.namespace, labels: labels) && $0.covers(image: container.image) }) {
                        evidence.append(.init(subject, .pass, "verified by \(rule.id) (\(rule.action); \(rule.attestors.joined(separator: "; ")))",
                                              location: rule.location.description))
                    } else {
                        evidence.append(.init(subject, .fail, "no verifyImages rule covers \(container.image) in namespace \(workload.namespace)",
                                              location: workload.location.description))
                    }
                }
            }
        }
        if evidence.isEmpty { evidence.append(.init("rendered workloads", .pass, "no rendered workload runs a container")) }
        return AuditReport.Check(id: "images-signature-policy", title: "Every image is covered by a signature policy",
                                 statement: "For every container image outside the data stores' namespaces (policy scope baseline), a Kyverno verifyImages rule that applies to its namespace requires a signature from the configured signer.",
                                 evidence: evidence)
    }

    /// Admission rules take the action the blueprint's environment asks for.
    static func admissionMode(_ subject: AuditSubject) -> AuditReport.Check {
        var evidence: [AuditReport.Evidence] = []
        for cluster in subject.model.clusters {
            guard let environment = cluster.environment.flatMap({ subject.loaded.view($0).environment($0) }) else {
                evidence.append(.init(cluster.name, .fail, "the cluster's environment is not in the blueprint"))
                continue
            }
            let expected = environment.policyMode.rawValue
            let rules = cluster.admissionRules.filter { $0.type == "validate" || $0.type == "verifyImages" }
            let off = rules.filter { $0.action != expected }
            if rules.isEmpty {
                evidence.append(.init(cluster.name, .fail, "no admission rule is deployed"))
            } else if off.isEmpty {
                evidence.append(.init(cluster.name, .pass, "all \(rules.count) rules \(expected), as environment \(environment.name) asks",
                                      location: subject.position(environment.fieldLocations["policyMode"] ?? environment.location)?.description))
            } else {
                for rule in off {
                    evidence.append(.init("\(cluster.name) \(rule.id)", .fail, "\(rule.action), but environment \(environment.name) asks for \(expected)",
                                          location: rule.location.description))
                }
            }
        }
        return AuditReport.Check(id: "admission-mode", title: "Admission rules act as the blueprint says",
                                 statement: "Every Kyverno validation and image verification rule uses the failure action of its environment's policyMode (Enforce in staging and production).",
                                 evidence: evidence)
    }

    // MARK: Database

    static func rowLevelSecurity(_ database: DatabasePolicy) -> AuditReport.Check {
        var evidence: [AuditReport.Evidence] = []
        let tenantTables = Set(database.tenantTables)
        for table in database.tables {
            let policies = database.policies(on: table.name)
            let grants = database.grants.filter { $0.table == table.name }
            guard tenantTables.contains(table.name) else {
                let toPublic = grants.filter { $0.role == "PUBLIC" }
                evidence.append(.init("\(table.name) (platform table)", toPublic.isEmpty ? .pass : .fail,
                                      toPublic.isEmpty ? "no tenant key; row-level security \(table.rowLevelSecurity ? "on" : "not required")" : "granted to PUBLIC: \(toPublic.map(\.text).joined(separator: ", "))",
                                      location: table.created.description))
                continue
            }
            var problems: [String] = []
            if !table.rowLevelSecurity { problems.append("row-level security is not enabled") }
            if !table.forced { problems.append("row-level security is not forced (the owner bypasses it)") }
            if policies.isEmpty { problems.append("no policy") }
            if grants.contains(where: { $0.role == "PUBLIC" }) { problems.append("privileges granted to PUBLIC") }
            for role in Set(grants.map(\.role)).sorted() where role != "PUBLIC" {
                for command in commands where grants.contains(where: { $0.role == role && $0.privilege == command }) {
                    let applicable = policies.filter { $0.applies(to: command) && $0.applies(toRole: role) && $0.permissive }
                    if applicable.contains(where: { ($0.using ?? "").uppercased() == "TRUE" }) {
                        problems.append("\(role) \(command) sees every row (USING true)")
                    }
                }
            }
            let location = (!table.forced ? table.forceSetAt : table.rowLevelSecuritySetAt) ?? table.created
            evidence.append(.init("\(table.name) (tenant table)", problems.isEmpty ? .pass : .fail,
                                  problems.isEmpty ? "row-level security enabled and forced; policies: \(policies.map(\.name).joined(separator: ", "))" : problems.joined(separator: "; "),
                                  location: location.description))
        }
        if evidence.isEmpty { evidence.append(.init("migrations", .fail, "no table found in the migrations")) }
        return AuditReport.Check(id: "rls-forced", title: "Row-level security is enabled and forced on every tenant table",
                                 statement: "Every table holding tenants' rows has row-level security enabled and forced, at least one policy, no privilege for PUBLIC and no policy that shows every row.",
                                 evidence: evidence)
    }

    static func rowAccess(_ database: DatabasePolicy) -> AccessMatrix.RowAccess {
        let owner = DatabaseMigrations.migratorRole
        var roles = Set(database.grants.map(\.role)).union(database.policies.flatMap(\.roles))
        roles.insert(owner)
        let sortedRoles = roles.sorted()
        var cells: [AccessMatrix.RowAccess.Cell] = []
        for table in database.tables {
            let policies = database.policies(on: table.name)
            for role in sortedRoles {
                for command in commands {
                    let grants = database.grants.filter {
                        $0.table == table.name && ($0.role == role || $0.role == "PUBLIC") && $0.privilege == command
                    }
                    let isOwner = role == owner
                    let privilege = isOwner ? "owner" : grants.first.map(\.text)
                    var cell = AccessMatrix.RowAccess.Cell(role: role, table: table.name, command: command, access: .none,
                                                           privilege: privilege, policies: [], note: "")
                    if privilege == nil {
                        cell.note = "no privilege"
                    } else if !table.rowLevelSecurity {
                        cell.access = .all
                        cell.note = "row-level security off"
                    } else if isOwner && !table.forced {
                        cell.access = .all
                        cell.note = "owner, row-level security not forced"
                    } else {
                        let applicable = policies.filter { $0.applies(to: command) && $0.applies(toRole: role) }
                        let permissive = applicable.filter(\.permissive)
                        cell.policies = applicable.map(\.name)
                        if permissive.isEmpty {
                            cell.access = .noRows
                            cell.note = "no permissive policy: no rows"
                        } else if permissive.contains(where: { ($0.using ?? $0.withCheck ?? "").uppercased() == "TRUE" }) {
                            cell.access = .all
                            cell.note = "a policy allows every row"
                        } else {
                            cell.access = .filtered
                            cell.note = "rows the policies allow"
                        }
                    }
                    cells.append(cell)
                }
            }
        }
        return AccessMatrix.RowAccess(roles: sortedRoles, tables: database.tables.map(\.name), tenantTables: database.tenantTables,
                                      commands: commands, cells: cells)
    }

    // MARK: Secrets

    static func secrets(_ tree: RenderedTree) -> AuditReport.Check {
        let scan = SecretScanner.scan(tree)
        var evidence = scan.hits.map { AuditReport.Evidence($0.location.file, .fail, $0.reason, location: $0.location.description) }
        if evidence.isEmpty {
            evidence.append(.init("\(scan.files) rendered files", .pass,
                                  "no Secret with data, no secret-named literal in ConfigMaps, env or Terraform, no password in URLs or SQL, no private key or token"))
        }
        return AuditReport.Check(id: "no-secret-values", title: "No secret values anywhere",
                                 statement: "No rendered file contains a secret value: secrets are referenced from the secret store, never written.",
                                 evidence: evidence)
    }

    // MARK: Residency

    static func residency(_ subject: AuditSubject) -> AuditReport.Check {
        var evidence: [AuditReport.Evidence] = []
        let model = subject.model
        for cluster in model.clusters {
            guard let region = cluster.region else {
                evidence.append(.init(cluster.name, .fail, "the cluster overlay names no region"))
                continue
            }
            for workload in cluster.workloads {
                let selected = workload.nodeSelector[Residency.nodeLabel]
                evidence.append(.init("\(cluster.name) \(workload.reference)", selected == region ? .pass : .fail,
                                      selected == region ? "scheduled only on region \(region) nodes" : "node selector \(Residency.nodeLabel)=\(selected ?? "unset"), cluster region \(region)",
                                      location: workload.location.description))
            }
            let rules = cluster.admissionRules.filter { $0.requiredNodeRegion != nil }
            if let rule = rules.first(where: { $0.requiredNodeRegion == region }) {
                evidence.append(.init("\(cluster.name) \(rule.id)", .pass, "admission requires node region \(region) (\(rule.action))",
                                      location: rule.location.description))
            } else {
                evidence.append(.init("\(cluster.name) residency rule", .fail,
                                      rules.isEmpty ? "no admission rule requires the region's nodes" : "the residency rule requires \(rules.compactMap(\.requiredNodeRegion).joined(separator: ", ")), not \(region)"))
            }
            for backup in cluster.backupLocations {
                let inCluster = (backup.endpoint ?? "").contains(".svc.cluster.local")
                let held = backup.region == region && !inCluster
                let detail = held ? "written to the region's own object storage outside the cluster (\(backup.endpoint ?? ""))"
                    : inCluster ? "written inside the cluster it backs up (\(backup.endpoint ?? "")): lost with it"
                    : "written to \(backup.endpoint ?? "?") in region \(backup.region ?? "?")"
                evidence.append(.init("\(cluster.name) backups \(backup.name)", held ? .pass : .fail, detail,
                                      location: backup.location.description))
            }
        }
        for setting in model.regions {
            guard let region = subject.loaded.base.region(setting.region) else {
                evidence.append(.init("region \(setting.region)", .fail, "infrastructure for a region the blueprint does not declare", location: setting.location.description))
                continue
            }
            let matches = setting.residency == region.residency.rawValue
            evidence.append(.init("infra \(setting.key)", matches ? .pass : .fail,
                                  matches ? "residency \(region.residency.rawValue), as the blueprint says" : "residency \(setting.residency ?? "unset"), but the blueprint says \(region.residency.rawValue)",
                                  location: setting.location.description))
        }
        for organization in subject.loaded.base.organizations {
            guard let home = subject.loaded.base.region(organization.homeRegion), home.residency == .strict else { continue }
            let outside = organization.data.filter { $0.region != home.id }.map { "\($0.store) in \($0.region)" }
                + (organization.backupRegion == home.id ? [] : ["backups in \(organization.backupRegion)"])
            evidence.append(.init("organization \(organization.id)", outside.isEmpty ? .pass : .fail,
                                  outside.isEmpty ? "data and backups in strict home region \(home.id)" : "strict home region \(home.id), but \(outside.joined(separator: ", "))",
                                  location: subject.position(organization.location)?.description))
        }
        return AuditReport.Check(id: "residency-held", title: "Residency holds",
                                 statement: "Workloads schedule only onto their region's nodes, admission enforces it, backups stay in the region, the infrastructure carries the blueprint's residency, and strict regions keep their tenants' data and backups at home.",
                                 evidence: evidence)
    }
}
