import BlueprintModel

/// A change of access between two renderings, said by meaning: what widened, what
/// narrowed, and the blueprint line that caused it.
public struct Finding: Sendable, Hashable, Codable, Comparable {
    public enum Category: String, Sendable, Codable, CaseIterable, Comparable {
        case network
        case admission
        case rbac
        case quota
        case rowLevelSecurity = "row-level-security"
        case residency
        case image

        public static func < (lhs: Category, rhs: Category) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        public var title: String {
            switch self {
            case .network: "Network reachability"
            case .admission: "Admission (Kyverno)"
            case .rbac: "RBAC and Argo CD projects"
            case .quota: "Resource quotas"
            case .rowLevelSecurity: "Row-level security"
            case .residency: "Data residency"
            case .image: "Images"
            }
        }
    }

    public enum Change: String, Sendable, Codable, Comparable {
        case added, removed, changed
        public static func < (lhs: Change, rhs: Change) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Whether access grew, shrank, or neither.
    public enum Classification: String, Sendable, Codable, CaseIterable, Comparable {
        case widening, narrowing, neutral

        public static func < (lhs: Classification, rhs: Classification) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var category: Category
    public var change: Change
    public var classification: Classification
    /// What changed (`apps/frontend → apps/backend-ai`, `app.projects`, `Group x in tenant-y`).
    public var subject: String
    /// How it changed.
    public var detail: String
    /// The clusters it changed in (empty for the database and the infrastructure).
    public var clusters: [String]
    /// The blueprint (or overlay, or pins) line that caused it, when one did.
    public var cause: SourcePosition?
    /// Where the change is in the rendered output (the newer side, the older for removals).
    public var rendered: RenderedLocation?
    /// A stable rule id: `network/connection-added`.
    public var rule: String

    enum CodingKeys: String, CodingKey {
        case category, change, classification = "class", subject, detail, clusters, cause, rendered, rule
    }

    public init(_ category: Category, _ change: Change, _ classification: Classification, subject: String, detail: String,
                rule: String, clusters: [String] = [], cause: SourcePosition? = nil, rendered: RenderedLocation? = nil) {
        self.category = category
        self.change = change
        self.classification = classification
        self.subject = subject
        self.detail = detail
        self.rule = rule
        self.clusters = clusters
        self.cause = cause
        self.rendered = rendered
    }

    public static func < (lhs: Finding, rhs: Finding) -> Bool {
        (lhs.classification, lhs.category, lhs.subject, lhs.detail, lhs.clusters.joined(separator: ","))
            < (rhs.classification, rhs.category, rhs.subject, rhs.detail, rhs.clusters.joined(separator: ","))
    }
}

/// A file position in machine-readable form (a `SourceLocation` as data).
public struct SourcePosition: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public init(_ location: SourceLocation) {
        self.init(file: location.file, line: location.line, column: location.column)
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}
