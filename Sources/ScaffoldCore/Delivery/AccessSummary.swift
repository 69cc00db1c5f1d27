import BlueprintModel
import PolicyAudit
import Renderer

/// What a change does to access, said by meaning for a pull request: the diff/audit
/// engine (``PolicyDiff``) run on the blueprint before and after the change, so a
/// reviewer reads "image digests only; no access widened" or the widenings themselves.
public struct AccessSummary: Codable, Sendable, Equatable {
    public var widening: Int
    public var narrowing: Int
    public var neutral: Int
    /// One line per widening (category, subject, detail).
    public var widenings: [String]
    /// The sentence a pull request body opens with.
    public var text: String

    /// Compares two renderings of the blueprint; nil when either cannot be read as a policy model.
    static func between(_ old: LoadedBlueprint, _ oldPlan: OutputPlan, and new: LoadedBlueprint, _ newPlan: OutputPlan,
                        blueprintPath: String) -> AccessSummary? {
        guard let before = try? AuditSubject(label: "base", blueprintPath: blueprintPath, loaded: old, plan: oldPlan,
                                             contentHash: Pipeline.contentHash(old)),
              let after = try? AuditSubject(label: "change", blueprintPath: blueprintPath, loaded: new, plan: newPlan,
                                            contentHash: Pipeline.contentHash(new))
        else { return nil }
        let findings = PolicyDiff.findings(from: before, to: after)
        let widenings = findings.filter { $0.classification == .widening }
        let count = { (classification: Finding.Classification) in findings.filter { $0.classification == classification }.count }
        let onlyImages = findings.allSatisfy { $0.category == .image }
        let text: String
        if findings.isEmpty {
            text = "No change of access, images or residency."
        } else if widenings.isEmpty {
            text = onlyImages ? "Image digests only; no access widened." : "No access widened (\(count(.narrowing)) narrowed, \(count(.neutral)) neutral)."
        } else {
            text = "\(widenings.count) widening\(widenings.count == 1 ? "" : "s") of access: review them below."
        }
        return AccessSummary(widening: widenings.count, narrowing: count(.narrowing), neutral: count(.neutral),
                             widenings: widenings.map { "\($0.category.title): \($0.subject) — \($0.detail)" }, text: text)
    }
}
