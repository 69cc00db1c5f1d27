/// A Kubernetes label selector (`matchLabels` and `matchExpressions`), as NetworkPolicy
/// peers and Kyverno `namespaceSelector`s write them.
public struct LabelSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One `matchExpressions` entry.
    public struct Requirement: Sendable, Hashable, Codable {
        public enum Operator: String, Sendable, Codable { case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist" }
        public var key: String
        public var `operator`: Operator
        public var values: [String]
    }

    public var matchLabels: [String: String]
    public var requirements: [Requirement]
    /// A selector that could not be read (unknown operator): matches nothing, and says so.
    public var unreadable: Bool

    public init(matchLabels: [String: String] = [:], requirements: [Requirement] = [], unreadable: Bool = false) {
        self.matchLabels = matchLabels
        self.requirements = requirements
        self.unreadable = unreadable
    }

    /// The empty selector: matches everything.
    public static let everything = LabelSelector()

    /// Reads a selector (`{}` or null selects everything).
    public init(_ value: ManifestValue?) {
        guard let value, !value.isEmptyMapping else {
            self.init()
            return
        }
        var requirements: [Requirement] = []
        var unreadable = false
        for item in value["matchExpressions"]?.items ?? [] {
            guard let key = item["key"]?.string, let op = item["operator"]?.string.flatMap(Requirement.Operator.init) else {
                unreadable = true
                continue
            }
            requirements.append(Requirement(key: key, operator: op, values: item["values"]?.strings.sorted() ?? []))
        }
        self.init(matchLabels: value["matchLabels"]?.stringMap ?? [:], requirements: requirements, unreadable: unreadable)
    }

    public var isEverything: Bool { matchLabels.isEmpty && requirements.isEmpty && !unreadable }

    public func matches(_ labels: [String: String]) -> Bool {
        guard !unreadable else { return false }
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in requirements {
            let value = labels[requirement.key]
            switch requirement.operator {
            case .in: if value.map({ !requirement.values.contains($0) }) ?? true { return false }
            case .notIn: if let value, requirement.values.contains(value) { return false }
            case .exists: if value == nil { return false }
            case .doesNotExist: if value != nil { return false }
            }
        }
        return true
    }

    /// `{}` or `a=b,c in (d)`.
    public var description: String {
        if unreadable { return "<unreadable selector>" }
        if isEverything { return "{}" }
        var parts = matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        for requirement in requirements {
            switch requirement.operator {
            case .in: parts.append("\(requirement.key) in (\(requirement.values.joined(separator: ",")))")
            case .notIn: parts.append("\(requirement.key) notin (\(requirement.values.joined(separator: ",")))")
            case .exists: parts.append(requirement.key)
            case .doesNotExist: parts.append("!\(requirement.key)")
            }
        }
        return parts.joined(separator: ",")
    }
}
