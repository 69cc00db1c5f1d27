import Manifests

/// One problem the bring-up simulation found: the cluster would not finish its first
/// sync (error) or would only report it (warning, e.g. a policy in Audit mode).
public struct Finding: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Which rule found it.
    public enum Check: String, Sendable, Codable, CaseIterable {
        /// A chart could not be rendered.
        case render
        /// An Application's AppProject is missing, or refuses its destination or sources.
        case project
        /// An AppProject refuses an object of its Application.
        case permission
        /// A custom resource comes before its CustomResourceDefinition.
        case crd
        /// A Secret or ConfigMap a pod needs is produced nowhere.
        case dependency
        /// A Secret or ConfigMap a pod needs comes only in a later wave.
        case deadlock
        /// Kyverno or Pod Security admission refuses an object.
        case admission
        /// A Service, Ingress, HPA, PDB or monitor points at nothing.
        case reference
        /// A container without CPU and memory requests or a memory limit: the scheduler
        /// cannot place it by size and one leak can starve the node.
        case resources
    }

    public enum Severity: String, Sendable, Codable, Comparable {
        case error, warning
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    public var check: Check
    public var severity: Severity
    public var cluster: String
    /// The Argo CD Application the object belongs to.
    public var application: String
    /// `Kind namespace/name`.
    public var object: String
    public var message: String
    /// Where the object (or the value causing it) is written, when it is generated output.
    public var location: RenderedLocation?

    public init(_ check: Check, _ severity: Severity = .error, cluster: String, application: String,
                object: String, message: String, location: RenderedLocation? = nil) {
        self.check = check
        self.severity = severity
        self.cluster = cluster
        self.application = application
        self.object = object
        self.message = message
        self.location = location
    }

    public var description: String {
        "\(location.map { "\($0): " } ?? "")\(severity.rawValue): [\(check.rawValue)] \(cluster) \(application): \(object): \(message)"
    }

    public static func < (lhs: Finding, rhs: Finding) -> Bool {
        (lhs.cluster, lhs.application, lhs.check.rawValue, lhs.object, lhs.message)
            < (rhs.cluster, rhs.application, rhs.check.rawValue, rhs.object, rhs.message)
    }
}
