/// What `scaffold diff` reports: the two renderings compared and every finding.
public struct DiffReport: Sendable, Codable, Equatable {
    public static let schemaID = "https://scaffold.dev/schemas/policy-diff-v1.json"

    public struct Side: Sendable, Codable, Equatable {
        public var label: String
        public var blueprint: String
        public var revision: String?
        public var contentHash: String
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var widening: Int
        public var narrowing: Int
        public var neutral: Int
    }

    public var schema: String
    public var generator: AuditReport.Generator
    public var from: Side
    public var to: Side
    public var summary: Summary
    public var findings: [Finding]

    public init(from old: AuditSubject, to new: AuditSubject, generatorVersion: String) {
        self.init(from: old, to: new, findings: PolicyDiff.findings(from: old, to: new), generatorVersion: generatorVersion)
    }

    public init(from old: AuditSubject, to new: AuditSubject, findings: [Finding], generatorVersion: String) {
        schema = Self.schemaID
        generator = .init(name: "scaffold", version: generatorVersion)
        from = Side(label: old.label, blueprint: old.blueprintPath, revision: old.revision, contentHash: old.contentHash)
        to = Side(label: new.label, blueprint: new.blueprintPath, revision: new.revision, contentHash: new.contentHash)
        summary = Summary(widening: findings.filter { $0.classification == .widening }.count,
                          narrowing: findings.filter { $0.classification == .narrowing }.count,
                          neutral: findings.filter { $0.classification == .neutral }.count)
        self.findings = findings
    }

    public func count(_ classification: Finding.Classification) -> Int {
        findings.filter { $0.classification == classification }.count
    }
}
