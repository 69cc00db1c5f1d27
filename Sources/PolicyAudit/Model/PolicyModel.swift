/// Who may do what, read from rendered output only: per cluster the network
/// reachability, admission rules, RBAC grants, quotas, workloads (images, node
/// placement) and backup locations; for the database, row-level security and
/// privileges; per region and environment, the infrastructure's residency setting.
public struct PolicyModel: Sendable, Equatable {
    public var clusters: [ClusterPolicy]
    public var database: DatabasePolicy
    public var regions: [RegionSetting]

    public init(clusters: [ClusterPolicy], database: DatabasePolicy, regions: [RegionSetting]) {
        self.clusters = clusters
        self.database = database
        self.regions = regions
    }

    public func cluster(_ name: String) -> ClusterPolicy? { clusters.first { $0.name == name } }
}

/// One cluster's policy, read from what its overlay deploys.
public struct ClusterPolicy: Sendable, Equatable {
    public var name: String
    public var environment: String?
    public var region: String?
    /// Every namespace object with its labels.
    public var namespaces: [NamespaceFact]
    public var networkPolicies: [ParsedNetworkPolicy]
    public var endpoints: [NetworkEndpoint]
    /// Every allowed connection between the endpoints.
    public var connections: [NetworkConnection]
    public var admissionRules: [AdmissionRule]
    public var grants: [AccessGrant]
    public var quotas: [QuotaLimit]
    public var workloads: [WorkloadFact]
    public var backupLocations: [BackupLocation]

    public func connection(from: String, to: String) -> NetworkConnection? {
        connections.first { $0.from == from && $0.to == to }
    }

    public func endpoint(_ id: String) -> NetworkEndpoint? { endpoints.first { $0.id == id } }
}

/// A namespace and its labels.
public struct NamespaceFact: Sendable, Equatable, Codable {
    public var name: String
    public var labels: [String: String]
    public var location: RenderedLocation
}

/// One Kyverno rule (a `verifyImages` entry counts as one rule), with the action it
/// takes on a violation.
public struct AdmissionRule: Sendable, Equatable, Codable, Comparable {
    /// `match`/`exclude` resource filters (`any` entries; `all` entries are listed too).
    public struct ResourceFilter: Sendable, Equatable, Codable {
        public var kinds: [String]
        public var namespaces: [String]
        public var namespaceSelector: LabelSelector?
        public var selector: LabelSelector?

        /// Whether the filter selects Pods (or their controllers) in a namespace.
        public func selectsPods(inNamespace name: String, labels: [String: String]) -> Bool {
            let podKinds = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "*"]
            guard kinds.isEmpty || kinds.contains(where: { podKinds.contains($0) || $0.hasSuffix("/Pod") }) else { return false }
            if !namespaces.isEmpty, !namespaces.contains(where: { Wildcard.matches($0, name) }) { return false }
            if let namespaceSelector, !namespaceSelector.matches(labels) { return false }
            return true
        }

        public var description: String {
            var parts: [String] = []
            if !kinds.isEmpty { parts.append("kinds \(kinds.joined(separator: ","))") }
            if !namespaces.isEmpty { parts.append("namespaces \(namespaces.joined(separator: ","))") }
            if let namespaceSelector { parts.append("namespaces labelled \(namespaceSelector)") }
            if let selector { parts.append("objects labelled \(selector)") }
            return parts.isEmpty ? "everything" : parts.joined(separator: "; ")
        }
    }

    public var policy: String
    public var rule: String
    /// `validate`, `verifyImages`, `mutate`, `generate`, …
    public var type: String
    /// `Enforce` or `Audit` (Kyverno's default when nothing is said).
    public var action: String
    public var match: [ResourceFilter]
    public var exclude: [ResourceFilter]
    /// verifyImages: the image references the rule covers.
    public var imageReferences: [String]
    /// verifyImages: who must have signed (`keyless issuer=… subject=…`, `key sha256:…`).
    public var attestors: [String]
    /// validate: the region a pattern requires in `spec.nodeSelector` (the residency rule).
    public var requiredNodeRegion: String?
    public var location: RenderedLocation

    /// `policy/rule`.
    public var id: String { "\(policy)/\(rule)" }

    public static func < (lhs: AdmissionRule, rhs: AdmissionRule) -> Bool { lhs.id < rhs.id }

    /// Namespaces the exclusions name.
    public var excludedNamespaces: [String] { Array(Set(exclude.flatMap(\.namespaces))).sorted() }

    /// Whether the rule applies to Pods in a namespace with these labels.
    public func applies(toNamespace name: String, labels: [String: String]) -> Bool {
        guard match.contains(where: { $0.selectsPods(inNamespace: name, labels: labels) }) else { return false }
        return !exclude.contains { filter in
            (!filter.namespaces.isEmpty || filter.namespaceSelector != nil) && filter.selectsPods(inNamespace: name, labels: labels)
        }
    }

    /// Whether a verifyImages rule covers an image reference.
    public func covers(image: String) -> Bool {
        imageReferences.contains { Wildcard.matches($0, image) }
    }
}

/// A permission: a subject may use a verb on a resource in a scope.
public struct AccessGrant: Sendable, Hashable, Codable, Comparable {
    /// `Group anatolia-health-admins`, `ServiceAccount apps/frontend`, `AppProject tenant-x`.
    public var subject: String
    /// A namespace, `cluster-wide`, or `argocd project <name>`.
    public var scope: String
    public var apiGroup: String
    public var resource: String
    public var verb: String
    /// The binding and role it comes through.
    public var via: String
    public var location: RenderedLocation

    public var key: String { "\(subject)|\(scope)|\(apiGroup)|\(resource)|\(verb)" }

    /// `get apps/deployments in tenant-x`.
    public var permission: String {
        let resource = apiGroup.isEmpty ? resource : "\(apiGroup)/\(resource)"
        return "\(verb) \(resource) in \(scope)"
    }

    public static func < (lhs: AccessGrant, rhs: AccessGrant) -> Bool { (lhs.key, lhs.via) < (rhs.key, rhs.via) }
}

/// One hard limit of a ResourceQuota.
public struct QuotaLimit: Sendable, Hashable, Codable, Comparable {
    public var namespace: String
    public var quota: String
    public var resource: String
    public var value: String
    public var location: RenderedLocation

    public var key: String { "\(namespace)/\(quota)/\(resource)" }
    public static func < (lhs: QuotaLimit, rhs: QuotaLimit) -> Bool { lhs.key < rhs.key }
}

/// A rendered workload: its containers' images and where its pods may be scheduled.
public struct WorkloadFact: Sendable, Hashable, Codable, Comparable {
    public struct Container: Sendable, Hashable, Codable {
        public var name: String
        public var image: String
        public var isInit: Bool
    }

    public var namespace: String
    public var kind: String
    public var name: String
    public var containers: [Container]
    public var nodeSelector: [String: String]
    public var location: RenderedLocation

    /// `Deployment apps/frontend`.
    public var reference: String { "\(kind) \(namespace)/\(name)" }
    public static func < (lhs: WorkloadFact, rhs: WorkloadFact) -> Bool { lhs.reference < rhs.reference }
}

/// A container image reference, split.
public struct ImageReference: Sendable, Hashable, Codable {
    public var text: String

    public init(_ text: String) { self.text = text }

    /// The `sha256:…` digest, when pinned.
    public var digest: String? {
        guard let at = text.lastIndex(of: "@") else { return nil }
        let digest = String(text[text.index(after: at)...])
        let hex = digest.dropFirst("sha256:".count)
        guard digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return digest
    }

    public var isPinned: Bool { digest != nil }

    /// The reference without tag or digest.
    public var repository: String {
        var name = text
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name
    }
}

/// A Velero backup location: where a cluster's backups are written.
public struct BackupLocation: Sendable, Hashable, Codable {
    public var namespace: String
    public var name: String
    public var region: String?
    public var endpoint: String?
    public var bucket: String?
    public var location: RenderedLocation
}

/// The infrastructure settings of one region and environment (`infra/live/<region>/<environment>/terraform.tfvars`).
public struct RegionSetting: Sendable, Hashable, Codable, Comparable {
    public var region: String
    public var environment: String
    public var country: String?
    public var residency: String?
    public var location: RenderedLocation

    public var key: String { "\(region)/\(environment)" }
    public static func < (lhs: RegionSetting, rhs: RegionSetting) -> Bool { lhs.key < rhs.key }
}

/// Shell-style wildcards (`*`, `?`) as Kyverno matches image references and namespaces.
public enum Wildcard {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
