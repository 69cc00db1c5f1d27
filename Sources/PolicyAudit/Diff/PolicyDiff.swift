import BlueprintModel
import Foundation
import Templates

/// Compares two policy models by meaning: connections opened or closed, admission
/// rules added, removed, relaxed or tightened, grants, quotas, row-level security,
/// residency and images. Each change is classed widening, narrowing or neutral and
/// traced to the blueprint line that caused it (in the newer blueprint, or the older
/// one for what was removed). Changes that are the same in several clusters are
/// reported once, with the clusters listed.
public enum PolicyDiff {
    public static func findings(from old: AuditSubject, to new: AuditSubject) -> [Finding] {
        var raw: [RawFinding] = []
        let oldClusters = Dictionary(uniqueKeysWithValues: old.model.clusters.map { ($0.name, $0) })
        let newClusters = Dictionary(uniqueKeysWithValues: new.model.clusters.map { ($0.name, $0) })
        for name in Set(oldClusters.keys).union(newClusters.keys).sorted() {
            switch (oldClusters[name], newClusters[name]) {
            case (let a?, let b?):
                raw += network(a, b) + admission(a, b) + rbac(a, b) + quotas(a, b) + workloads(a, b) + backups(a, b)
            case (nil, let b?):
                raw.append(RawFinding(.network, .added, .widening, subject: "cluster \(name)",
                                      detail: "new cluster: \(b.connections.count) connections, \(b.admissionRules.count) admission rules, \(b.grants.count) grants",
                                      rule: "cluster-added", cluster: b, hint: .regionPlacement(b.region ?? ""), side: .new,
                                      rendered: RenderedLocation(file: "\(RenderedTree.overlaysFolder)/\(name)/kustomization.yaml", line: 1)))
            case (let a?, nil):
                raw.append(RawFinding(.network, .removed, .narrowing, subject: "cluster \(name)",
                                      detail: "cluster removed with its \(a.connections.count) connections", rule: "cluster-removed",
                                      cluster: a, hint: .regionPlacement(a.region ?? ""), side: .old, rendered: nil))
            case (nil, nil):
                break
            }
        }
        raw += database(old.model.database, new.model.database)
        raw += regions(old.model.regions, new.model.regions)
        return aggregate(raw, old: old, new: new)
    }

    // MARK: Network

    static func network(_ a: ClusterPolicy, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let before = Dictionary(uniqueKeysWithValues: a.connections.map { ("\($0.from)|\($0.to)", $0) })
        let after = Dictionary(uniqueKeysWithValues: b.connections.map { ("\($0.from)|\($0.to)", $0) })
        for key in Set(before.keys).union(after.keys).sorted() {
            let old = before[key], new = after[key]
            let sample = (new ?? old)!
            let subject = "\(sample.from) → \(sample.to)"
            let hint = CauseHint.connection(from: b.endpoint(sample.from) ?? a.endpoint(sample.from), to: b.endpoint(sample.to) ?? a.endpoint(sample.to))
            let evidence = new.flatMap { connection in policyLocation(b, connection) }
            let oldEvidence = old.flatMap { connection in policyLocation(a, connection) }
            switch (old, new) {
            case (nil, let new?):
                result.append(RawFinding(.network, .added, .widening, subject: subject, detail: "newly allowed on \(new.ports)",
                                         rule: "connection-added", cluster: b, hint: hint, side: .new, rendered: evidence))
            case (let old?, nil):
                result.append(RawFinding(.network, .removed, .narrowing, subject: subject, detail: "no longer allowed (was \(old.ports))",
                                         rule: "connection-removed", cluster: a, hint: hint, side: .old, rendered: oldEvidence))
            case (let old?, let new?) where old.ports != new.ports:
                let opened = new.ports.subtracting(old.ports)
                let closed = old.ports.subtracting(new.ports)
                if !opened.isEmpty {
                    result.append(RawFinding(.network, .changed, .widening, subject: subject, detail: "also allowed on \(opened)",
                                             rule: "ports-opened", cluster: b, hint: hint, side: .new, rendered: evidence))
                }
                if !closed.isEmpty {
                    result.append(RawFinding(.network, .changed, .narrowing, subject: subject, detail: "no longer allowed on \(closed)",
                                             rule: "ports-closed", cluster: b, hint: hint, side: .new, rendered: evidence))
                }
            default:
                break
            }
        }
        return result
    }

    /// The first policy that opened a connection (ingress side first: the receiver's allowlist).
    static func policyLocation(_ cluster: ClusterPolicy, _ connection: NetworkConnection) -> RenderedLocation? {
        let names = connection.ingressPolicies + connection.egressPolicies
        for name in names {
            if let policy = cluster.networkPolicies.first(where: { $0.reference == name }) { return policy.location }
        }
        return nil
    }

    // MARK: Admission

    static func admission(_ a: ClusterPolicy, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let before = Dictionary(a.admissionRules.map { ($0.id, $0) }) { first, _ in first }
        let after = Dictionary(b.admissionRules.map { ($0.id, $0) }) { first, _ in first }
        for id in Set(before.keys).union(after.keys).sorted() {
            let hint: CauseHint = (after[id] ?? before[id])!.type == "verifyImages" ? .signing : .none
            switch (before[id], after[id]) {
            case (nil, let rule?):
                let enforcing = rule.action == "Enforce"
                result.append(RawFinding(.admission, .added, enforcing ? .narrowing : .neutral, subject: "rule \(id)",
                                         detail: "new \(rule.type) rule (\(rule.action))", rule: "rule-added", cluster: b,
                                         hint: hint, side: .new, rendered: rule.location))
            case (let rule?, nil):
                let enforcing = rule.action == "Enforce"
                result.append(RawFinding(.admission, .removed, enforcing ? .widening : .neutral, subject: "rule \(id)",
                                         detail: "\(rule.type) rule removed (was \(rule.action))", rule: "rule-removed", cluster: a,
                                         hint: hint, side: .old, rendered: rule.location))
            case (let old?, let new?):
                result += ruleChanges(id, old, new, b)
            case (nil, nil):
                break
            }
        }
        return result
    }

    static func ruleChanges(_ id: String, _ old: AdmissionRule, _ new: AdmissionRule, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        func add(_ classification: Finding.Classification, _ detail: String, _ rule: String, _ hint: CauseHint, category: Finding.Category = .admission) {
            result.append(RawFinding(category, .changed, classification, subject: "rule \(id)", detail: detail, rule: rule,
                                     cluster: b, hint: hint, side: .new, rendered: new.location))
        }
        if old.action != new.action {
            let relaxed = old.action == "Enforce"
            add(relaxed ? .widening : (new.action == "Enforce" ? .narrowing : .neutral), "\(old.action) → \(new.action)",
                relaxed ? "enforce-to-audit" : "audit-to-enforce", .policyMode)
        }
        let added = Set(new.excludedNamespaces).subtracting(old.excludedNamespaces).sorted()
        let removed = Set(old.excludedNamespaces).subtracting(new.excludedNamespaces).sorted()
        if !added.isEmpty {
            add(.widening, "new exclusion of namespace\(added.count == 1 ? "" : "s") \(added.joined(separator: ", "))", "exclusion-added",
                added.count == 1 ? .namespace(added[0]) : .none)
        }
        if !removed.isEmpty {
            add(.narrowing, "no longer excludes \(removed.joined(separator: ", "))", "exclusion-removed", .none)
        }
        let oldMatch = old.match.map(\.description), newMatch = new.match.map(\.description)
        if oldMatch != newMatch || old.exclude.map(\.description) != new.exclude.map(\.description), added.isEmpty, removed.isEmpty {
            add(.neutral, "now matches \(newMatch.joined(separator: " or ")) (was \(oldMatch.joined(separator: " or ")))", "match-changed", .none)
        }
        let droppedImages = Set(old.imageReferences).subtracting(new.imageReferences).sorted()
        let newImages = Set(new.imageReferences).subtracting(old.imageReferences).sorted()
        if !droppedImages.isEmpty {
            add(.widening, "no longer verifies \(droppedImages.joined(separator: ", "))", "verification-dropped", .signing)
        }
        if !newImages.isEmpty {
            add(.narrowing, "also verifies \(newImages.joined(separator: ", "))", "verification-added", .signing)
        }
        if old.attestors != new.attestors {
            add(new.attestors.isEmpty ? .widening : .neutral,
                "signer \(old.attestors.joined(separator: "; ")) → \(new.attestors.isEmpty ? "none" : new.attestors.joined(separator: "; "))",
                "signer-changed", .signing)
        }
        if old.requiredNodeRegion != new.requiredNodeRegion {
            add(new.requiredNodeRegion == nil ? .widening : .neutral,
                "required node region \(old.requiredNodeRegion ?? "none") → \(new.requiredNodeRegion ?? "none")",
                "residency-rule-changed", .regionPlacement(b.region ?? ""), category: .residency)
        }
        return result
    }

    // MARK: RBAC

    static func rbac(_ a: ClusterPolicy, _ b: ClusterPolicy) -> [RawFinding] {
        let before = Dictionary(a.grants.map { ($0.key, $0) }) { first, _ in first }
        let after = Dictionary(b.grants.map { ($0.key, $0) }) { first, _ in first }
        let gained = Set(after.keys).subtracting(before.keys).compactMap { after[$0] }
        let lost = Set(before.keys).subtracting(after.keys).compactMap { before[$0] }
        var result: [RawFinding] = []
        for (grants, added) in [(gained, true), (lost, false)] {
            let groups = Dictionary(grouping: grants) { "\($0.subject)|\($0.scope)" }
            for key in groups.keys.sorted() {
                let list = groups[key]!.sorted()
                let first = list[0]
                result.append(RawFinding(
                    .rbac, added ? .added : .removed, added ? .widening : .narrowing, subject: "\(first.subject) in \(first.scope)",
                    detail: "\(added ? "gains" : "loses") \(list.count) permission\(list.count == 1 ? "" : "s"): \(summary(list))",
                    rule: added ? "grant-added" : "grant-removed", cluster: added ? b : a, hint: rbacHint(first),
                    side: added ? .new : .old, rendered: first.location))
            }
        }
        return result
    }

    /// An organization's admins for groups bound in its namespace or project; the
    /// namespace's owner otherwise.
    static func rbacHint(_ grant: AccessGrant) -> CauseHint {
        let namespace: String
        if grant.scope.hasPrefix("argocd project ") {
            namespace = String(grant.scope.dropFirst("argocd project ".count))
        } else if grant.subject.hasPrefix("AppProject ") {
            namespace = String(grant.subject.dropFirst("AppProject ".count))
        } else {
            namespace = grant.scope
        }
        return grant.subject.hasPrefix("Group ") ? .organizationAdmins(namespace: namespace) : .namespace(namespace)
    }

    /// `apps/deployments: create,delete; pods: get`.
    static func summary(_ grants: [AccessGrant]) -> String {
        let byResource = Dictionary(grouping: grants) { $0.apiGroup.isEmpty ? $0.resource : "\($0.apiGroup)/\($0.resource)" }
        return byResource.keys.sorted().map { resource in
            "\(resource): \(Set(byResource[resource]!.map(\.verb)).sorted().joined(separator: ","))"
        }.joined(separator: "; ")
    }

    // MARK: Quotas

    static func quotas(_ a: ClusterPolicy, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let before = Dictionary(a.quotas.map { ($0.key, $0) }) { first, _ in first }
        let after = Dictionary(b.quotas.map { ($0.key, $0) }) { first, _ in first }
        for key in Set(before.keys).union(after.keys).sorted() {
            let sample = (after[key] ?? before[key])!
            let subject = "\(sample.namespace) \(sample.resource)"
            let hint = CauseHint.quota(namespace: sample.namespace, resource: sample.resource)
            switch (before[key], after[key]) {
            case (nil, let new?):
                result.append(RawFinding(.quota, .added, .narrowing, subject: subject, detail: "new limit \(new.value)",
                                         rule: "quota-added", cluster: b, hint: hint, side: .new, rendered: new.location))
            case (let old?, nil):
                result.append(RawFinding(.quota, .removed, .widening, subject: subject, detail: "limit \(old.value) removed",
                                         rule: "quota-removed", cluster: a, hint: hint, side: .old, rendered: old.location))
            case (let old?, let new?) where old.value != new.value:
                let classification: Finding.Classification
                if let oldQuantity = Quantity(old.value), let newQuantity = Quantity(new.value) {
                    classification = newQuantity > oldQuantity ? .widening : newQuantity < oldQuantity ? .narrowing : .neutral
                } else {
                    classification = .neutral
                }
                let rule = classification == .widening ? "quota-raised" : classification == .narrowing ? "quota-lowered" : "quota-changed"
                result.append(RawFinding(.quota, .changed, classification, subject: subject, detail: "\(old.value) → \(new.value)",
                                         rule: rule, cluster: b, hint: hint, side: .new, rendered: new.location))
            default:
                break
            }
        }
        return result
    }

    // MARK: Workloads: images and placement

    static func workloads(_ a: ClusterPolicy, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let before = Dictionary(a.workloads.map { ($0.reference, $0) }) { first, _ in first }
        let after = Dictionary(b.workloads.map { ($0.reference, $0) }) { first, _ in first }
        for reference in Set(before.keys).union(after.keys).sorted() {
            let service = (after[reference] ?? before[reference])!.name
            switch (before[reference], after[reference]) {
            case (nil, let new?):
                for container in new.containers {
                    let image = ImageReference(container.image)
                    result.append(RawFinding(.image, .added, image.isPinned ? .neutral : .widening, subject: "\(reference) \(container.name)",
                                             detail: "new workload image \(container.image)\(image.isPinned ? "" : " (not pinned by digest)")",
                                             rule: "image-added", cluster: b, hint: .service(service), side: .new, rendered: new.location))
                }
            case (let old?, nil):
                result.append(RawFinding(.image, .removed, .neutral, subject: reference, detail: "workload removed",
                                         rule: "workload-removed", cluster: a, hint: .none, side: .old, rendered: old.location))
            case (let old?, let new?):
                result += imageChanges(reference, service, old, new, b)
                let oldRegion = old.nodeSelector[Residency.nodeLabel], newRegion = new.nodeSelector[Residency.nodeLabel]
                if oldRegion != newRegion {
                    let classification: Finding.Classification = newRegion == nil || newRegion != b.region ? .widening : .narrowing
                    result.append(RawFinding(.residency, .changed, classification, subject: reference,
                                             detail: "node region \(oldRegion ?? "any") → \(newRegion ?? "any")",
                                             rule: "placement-changed", cluster: b, hint: .regionPlacement(b.region ?? ""), side: .new, rendered: new.location))
                }
            case (nil, nil):
                break
            }
        }
        return result
    }

    static func imageChanges(_ reference: String, _ service: String, _ old: WorkloadFact, _ new: WorkloadFact, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let oldImages = Dictionary(old.containers.map { ($0.name, $0.image) }) { first, _ in first }
        for container in new.containers {
            guard let previous = oldImages[container.name], previous != container.image else { continue }
            let was = ImageReference(previous), now = ImageReference(container.image)
            let subject = "\(reference) \(container.name)"
            func add(_ classification: Finding.Classification, _ detail: String, _ rule: String, _ hint: CauseHint) {
                result.append(RawFinding(.image, .changed, classification, subject: subject, detail: detail, rule: rule,
                                         cluster: b, hint: hint, side: .new, rendered: new.location))
            }
            if was.isPinned && !now.isPinned {
                add(.widening, "no longer pinned by digest: \(container.image)", "digest-unpinned", .service(service))
            } else if !was.isPinned && now.isPinned {
                add(.narrowing, "now pinned by digest: \(container.image)", "digest-pinned", .pin(service: service, region: b.region))
            } else if was.repository != now.repository {
                add(.neutral, "image \(was.repository) → \(now.repository)", "repository-changed", .service(service))
            } else {
                add(.neutral, "digest \(short(was.digest)) → \(short(now.digest))", "digest-changed", .pin(service: service, region: b.region))
            }
        }
        return result
    }

    static func short(_ digest: String?) -> String {
        guard let digest else { return "none" }
        return String(digest.prefix("sha256:".count + 12)) + "…"
    }

    static func backups(_ a: ClusterPolicy, _ b: ClusterPolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let before = Dictionary(a.backupLocations.map { ($0.name, $0) }) { first, _ in first }
        for location in b.backupLocations {
            guard let old = before[location.name] else { continue }
            if old.region != location.region || old.endpoint != location.endpoint {
                let leaves = location.region != b.region
                result.append(RawFinding(.residency, .changed, leaves ? .widening : .neutral, subject: "backups \(location.namespace)/\(location.name)",
                                         detail: "written to \(location.endpoint ?? "?") in region \(location.region ?? "?") (was \(old.endpoint ?? "?") in \(old.region ?? "?"))",
                                         rule: "backup-location-changed", cluster: b, hint: .backup, side: .new, rendered: location.location))
            }
        }
        return result
    }

    // MARK: Database

    static func database(_ a: DatabasePolicy, _ b: DatabasePolicy) -> [RawFinding] {
        var result: [RawFinding] = []
        let tenantTables = Set(b.tenantTables).union(a.tenantTables)
        for table in b.tables {
            let isTenant = tenantTables.contains(table.name)
            guard let old = a.table(table.name) else {
                let protected = table.rowLevelSecurity && table.forced
                let classification: Finding.Classification = isTenant && !protected ? .widening : .neutral
                var detail = "new \(isTenant ? "tenant" : "platform") table"
                if !table.rowLevelSecurity {
                    detail += " without row-level security"
                } else if !table.forced {
                    detail += " with row-level security not forced"
                } else {
                    detail += " with row-level security forced"
                }
                result.append(RawFinding(.rowLevelSecurity, .added, classification, subject: table.name, detail: detail,
                                         rule: isTenant && !protected ? "table-added-unprotected" : "table-added", hint: .none, side: .new,
                                         rendered: table.created))
                continue
            }
            if old.rowLevelSecurity != table.rowLevelSecurity {
                result.append(RawFinding(.rowLevelSecurity, .changed, table.rowLevelSecurity ? .narrowing : .widening, subject: table.name,
                                         detail: table.rowLevelSecurity ? "row-level security enabled" : "row-level security disabled",
                                         rule: table.rowLevelSecurity ? "rls-enabled" : "rls-disabled", hint: .none, side: .new,
                                         rendered: table.rowLevelSecuritySetAt ?? table.created))
            }
            if old.forced != table.forced {
                result.append(RawFinding(.rowLevelSecurity, .changed, table.forced ? .narrowing : .widening, subject: table.name,
                                         detail: table.forced ? "row-level security now FORCEd (the owner obeys the policies)" : "loses FORCE: the table owner bypasses the policies",
                                         rule: table.forced ? "force-added" : "force-dropped", hint: .none, side: .new,
                                         rendered: table.forceSetAt ?? old.forceSetAt ?? table.created))
            }
        }
        for table in a.tables where b.table(table.name) == nil {
            result.append(RawFinding(.rowLevelSecurity, .removed, .neutral, subject: table.name, detail: "table dropped",
                                     rule: "table-removed", hint: .none, side: .old, rendered: table.created))
        }

        let before = Dictionary(a.policies.map { ($0.id, $0) }) { first, _ in first }
        let after = Dictionary(b.policies.map { ($0.id, $0) }) { first, _ in first }
        for id in Set(before.keys).union(after.keys).sorted() {
            switch (before[id], after[id]) {
            case (nil, let policy?):
                result.append(RawFinding(.rowLevelSecurity, .added, policy.permissive ? .widening : .narrowing, subject: "policy \(id)",
                                         detail: "new \(policy.permissive ? "permissive" : "restrictive") policy FOR \(policy.command) TO \(policy.roles.joined(separator: ", ")) USING (\(policy.using ?? "-"))",
                                         rule: "policy-added", hint: .none, side: .new, rendered: policy.location))
            case (let policy?, nil):
                result.append(RawFinding(.rowLevelSecurity, .removed, policy.permissive ? .narrowing : .widening, subject: "policy \(id)",
                                         detail: "\(policy.permissive ? "permissive" : "restrictive") policy removed",
                                         rule: "policy-removed", hint: .none, side: .old, rendered: policy.location))
            case (let old?, let new?):
                result += policyChanges(old, new)
            case (nil, nil):
                break
            }
        }

        let oldGrants = Set(a.grants.map { "\($0.table)|\($0.role)|\($0.text)" })
        let newGrants = Set(b.grants.map { "\($0.table)|\($0.role)|\($0.text)" })
        for grant in b.grants where !oldGrants.contains("\(grant.table)|\(grant.role)|\(grant.text)") {
            result.append(RawFinding(.rowLevelSecurity, .added, .widening, subject: "\(grant.role) on \(grant.table)",
                                     detail: "granted \(grant.text)", rule: "privilege-granted", hint: .none, side: .new, rendered: grant.location))
        }
        for grant in a.grants where !newGrants.contains("\(grant.table)|\(grant.role)|\(grant.text)") {
            result.append(RawFinding(.rowLevelSecurity, .removed, .narrowing, subject: "\(grant.role) on \(grant.table)",
                                     detail: "no longer granted \(grant.text)", rule: "privilege-revoked", hint: .none, side: .old, rendered: grant.location))
        }
        return result
    }

    static func policyChanges(_ old: DatabasePolicy.Policy, _ new: DatabasePolicy.Policy) -> [RawFinding] {
        var result: [RawFinding] = []
        func add(_ classification: Finding.Classification, _ detail: String, _ rule: String) {
            result.append(RawFinding(.rowLevelSecurity, .changed, classification, subject: "policy \(new.id)", detail: detail,
                                     rule: rule, hint: .none, side: .new, rendered: new.location))
        }
        // A permissive policy opens rows; a restrictive one closes them: the direction flips.
        func directed(_ opens: Bool) -> Finding.Classification { opens == new.permissive ? .widening : .narrowing }
        if old.permissive != new.permissive {
            add(new.permissive ? .widening : .narrowing, "now \(new.permissive ? "permissive" : "restrictive")", "policy-kind-changed")
        }
        if old.command != new.command {
            let classification: Finding.Classification = new.command == "ALL" ? directed(true) : (old.command == "ALL" ? directed(false) : .neutral)
            add(classification, "FOR \(old.command) → FOR \(new.command)", "policy-command-changed")
        }
        let addedRoles = Set(new.roles).subtracting(old.roles), removedRoles = Set(old.roles).subtracting(new.roles)
        if !addedRoles.isEmpty { add(directed(true), "now also applies to \(addedRoles.sorted().joined(separator: ", "))", "policy-roles-added") }
        if !removedRoles.isEmpty { add(directed(false), "no longer applies to \(removedRoles.sorted().joined(separator: ", "))", "policy-roles-removed") }
        for (label, before, after) in [("USING", old.using, new.using), ("WITH CHECK", old.withCheck, new.withCheck)] where before != after {
            let classification: Finding.Classification = switch ExpressionChange.compare(before, after) {
            case .looser: directed(true)
            case .stricter: directed(false)
            case .unknown: .neutral
            }
            add(classification, "\(label) (\(before ?? "none")) → (\(after ?? "none"))", "policy-expression-changed")
        }
        return result
    }

    // MARK: Regions

    static func regions(_ a: [RegionSetting], _ b: [RegionSetting]) -> [RawFinding] {
        var result: [RawFinding] = []
        let before = Dictionary(a.map { ($0.key, $0) }) { first, _ in first }
        for setting in b {
            guard let old = before[setting.key], old.residency != setting.residency else { continue }
            let relaxed = setting.residency != "strict"
            result.append(RawFinding(.residency, .changed, relaxed ? .widening : .narrowing, subject: "region \(setting.region) (\(setting.environment))",
                                     detail: "residency \(old.residency ?? "unset") → \(setting.residency ?? "unset")",
                                     rule: relaxed ? "residency-relaxed" : "residency-tightened", environment: setting.environment,
                                     hint: .regionResidency(setting.region), side: .new, rendered: setting.location))
        }
        return result
    }

    // MARK: Aggregation

    static func aggregate(_ raw: [RawFinding], old: AuditSubject, new: AuditSubject) -> [Finding] {
        let oldLocator = CauseLocator(subject: old), newLocator = CauseLocator(subject: new)
        var grouped: [String: Finding] = [:]
        var order: [String] = []
        for item in raw {
            let cause = (item.side == .new ? newLocator : oldLocator).locate(item.hint, environment: item.environment)
            let key = [item.category.rawValue, item.change.rawValue, item.classification.rawValue, item.subject, item.detail, item.rule,
                       cause?.description ?? ""].joined(separator: "|")
            if var existing = grouped[key] {
                if let cluster = item.cluster, !existing.clusters.contains(cluster) { existing.clusters.append(cluster) }
                if existing.rendered == nil { existing.rendered = item.rendered }
                grouped[key] = existing
            } else {
                order.append(key)
                grouped[key] = Finding(item.category, item.change, item.classification, subject: item.subject, detail: item.detail,
                                       rule: "\(item.category.rawValue)/\(item.rule)", clusters: item.cluster.map { [$0] } ?? [],
                                       cause: cause, rendered: item.rendered)
            }
        }
        return order.compactMap { grouped[$0] }.map { finding in
            var finding = finding
            finding.clusters.sort()
            return finding
        }.sorted()
    }
}

/// One change before causes are looked up and clusters merged.
struct RawFinding {
    enum Side { case old, new }
    var category: Finding.Category
    var change: Finding.Change
    var classification: Finding.Classification
    var subject: String
    var detail: String
    var rule: String
    var cluster: String?
    var environment: String?
    var hint: CauseHint
    var side: Side
    var rendered: RenderedLocation?

    init(_ category: Finding.Category, _ change: Finding.Change, _ classification: Finding.Classification, subject: String, detail: String,
         rule: String, cluster: ClusterPolicy? = nil, environment: String? = nil, hint: CauseHint, side: Side, rendered: RenderedLocation?) {
        self.category = category
        self.change = change
        self.classification = classification
        self.subject = subject
        self.detail = detail
        self.rule = rule
        self.cluster = cluster?.name
        self.environment = environment ?? cluster?.environment
        self.hint = hint
        self.side = side
        self.rendered = rendered
    }
}

/// Whether a row-level security expression got looser or stricter, when that can be
/// told from its top-level AND terms: dropping a term loosens, adding one tightens.
enum ExpressionChange {
    case looser, stricter, unknown

    static func compare(_ old: String?, _ new: String?) -> ExpressionChange {
        guard let old else { return new == nil ? .unknown : .stricter }
        guard let new else { return .looser }
        if new.uppercased() == "TRUE" { return .looser }
        if old.uppercased() == "TRUE" { return .stricter }
        let a = Set(terms(old)), b = Set(terms(new))
        if b.isSubset(of: a), b != a { return .looser }
        if a.isSubset(of: b), a != b { return .stricter }
        return .unknown
    }

    /// Top-level `AND` terms, outer parentheses removed.
    static func terms(_ expression: String) -> [String] {
        var terms: [String] = []
        var depth = 0, current = "", quoted = false
        for word in expression.split(separator: " ", omittingEmptySubsequences: false) {
            for c in word {
                if c == "'" { quoted.toggle() }
                if !quoted {
                    if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                }
            }
            if word == "AND", depth == 0, !quoted {
                terms.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        terms.append(current.trimmingCharacters(in: .whitespaces))
        return terms.map(strip)
    }

    static func strip(_ term: String) -> String {
        var term = term
        while term.hasPrefix("("), term.hasSuffix(")"), balanced(String(term.dropFirst().dropLast())) {
            term = String(term.dropFirst().dropLast())
        }
        return term
    }

    static func balanced(_ text: String) -> Bool {
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 } else if c == ")" {
                depth -= 1
                if depth < 0 { return false }
            }
        }
        return depth == 0
    }
}
