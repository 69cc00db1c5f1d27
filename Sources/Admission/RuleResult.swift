/// What a Kyverno rule decided about one request (KY `pkg/engine/api/ruleresponse.go` statuses).
public enum RuleOutcome: String, Sendable, Hashable {
    case pass
    case fail
    /// The rule matched the object but did not apply (conditional anchors, preconditions, no image matched).
    case skip
    /// Kyverno would report an error (a variable that does not resolve); errors block under `failurePolicy: Fail`.
    case error
    /// Needs the cluster or a registry (signatures, attestations, digest lookups, JMESPath Kyverno does
    /// not evaluate offline here): neither a pass nor a failure.
    case undecidable
}

/// `Enforce` refuses the request, `Audit` admits and reports.
public enum FailureAction: String, Sendable, Hashable {
    case enforce = "Enforce"
    case audit = "Audit"

    /// Reads `Enforce`/`enforce`, `Audit`/`audit` (the CRD accepts both spellings).
    init?(text: String?) {
        switch text?.lowercased() {
        case "enforce": self = .enforce
        case "audit": self = .audit
        default: return nil
        }
    }
}

/// One rule's result for one object.
public struct RuleResult: Sendable, Hashable, CustomStringConvertible {
    public var policy: String
    /// The rule's name as Kyverno reports it: `autogen-<rule>` / `autogen-cronjob-<rule>` for controllers.
    public var rule: String
    public var outcome: RuleOutcome
    /// The rule's own action (`validate.failureAction` / `verifyImages[].failureAction`, else the
    /// policy's `validationFailureAction`, else Audit). Whether the policy blocks is decided per policy:
    /// see `KyvernoDecision.blockingPolicies`.
    public var action: FailureAction
    /// Kyverno's message: `validation error: <message>. rule <rule> failed at path <path>` for patterns.
    public var message: String
    /// The failing path of a pattern (`/spec/containers/0/image/`), when there is one.
    public var path: String?

    public init(policy: String, rule: String, outcome: RuleOutcome, action: FailureAction, message: String, path: String? = nil) {
        self.policy = policy
        self.rule = rule
        self.outcome = outcome
        self.action = action
        self.message = message
        self.path = path
    }

    public var description: String { "\(policy)/\(rule): \(outcome.rawValue) (\(action.rawValue)): \(message)" }
}

/// Kyverno's answer for one admission request.
public struct KyvernoDecision: Sendable, Hashable {
    /// Why Kyverno does not look at the object at all (resource filters, webhook namespace selector), if so.
    public var filteredBecause: String?
    /// Every rule that matched the object, in policy and rule order.
    public var results: [RuleResult]
    /// Policies that refuse the request: a failed rule and the policy's action Enforce, or an error
    /// under `failurePolicy: Fail` (KY `pkg/utils/engine/response.go#BlockRequest`).
    public var blockingPolicies: [String]
    /// The webhook's denial text, when refused (KY `pkg/webhooks/utils/block.go#GetBlockedMessages`).
    public var denialMessage: String?

    public var isAdmitted: Bool { blockingPolicies.isEmpty }

    /// Results that cannot be decided offline, for the caller to list.
    public var undecidable: [RuleResult] { results.filter { $0.outcome == .undecidable } }

    public func results(ofPolicy policy: String) -> [RuleResult] { results.filter { $0.policy == policy } }
}
