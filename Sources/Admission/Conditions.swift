import Manifests

/// `preconditions` and `validate.deny.conditions` (KY `pkg/engine/variables/evaluate.go`,
/// `pkg/engine/variables/operator/*.go`).
enum Conditions {
    /// True when the conditions hold: every `all`, and at least one `any` when there are any.
    /// A plain list is the deprecated form of `all`.
    static func hold(_ conditions: ManifestValue, in context: RequestContext) throws(RequestContext.Failure) -> Bool {
        if case .sequence(let items) = conditions.shape {
            for item in items where try !holds(item, in: context) { return false }
            return true
        }
        let all = conditions["all"]?.items ?? []
        let any = conditions["any"]?.items ?? []
        for item in all where try !holds(item, in: context) { return false }
        if any.isEmpty { return true }
        for item in any where try holds(item, in: context) { return true }
        return false
    }

    static func holds(_ condition: ManifestValue, in context: RequestContext) throws(RequestContext.Failure) -> Bool {
        let key = try context.substitute(condition["key"] ?? ManifestValue(.null))
        let value = try context.substitute(condition["value"] ?? ManifestValue(.null))
        let op = condition["operator"]?.string ?? ""
        switch op.lowercased() {
        case "equals", "equal": return equal(key, value)
        case "notequals", "notequal": return !equal(key, value)
        case "in": return allIn(key, value)
        case "notin": return !allIn(key, value)
        case "anyin": return elements(key).contains { contained($0, in: value) }
        case "allin": return allIn(key, value)
        case "anynotin": return elements(key).contains { !contained($0, in: value) }
        case "allnotin": return elements(key).allSatisfy { !contained($0, in: value) }
        case "greaterthan": return numeric(key, value) { $0 > $1 }
        case "greaterthanorequals": return numeric(key, value) { $0 >= $1 }
        case "lessthan": return numeric(key, value) { $0 < $1 }
        case "lessthanorequals": return numeric(key, value) { $0 <= $1 }
        default: throw .undecidable("condition operator \(op) is not evaluated offline")
        }
    }

    private static func elements(_ value: ManifestValue) -> [ManifestValue] {
        if case .sequence(let items) = value.shape { return items }
        return [value]
    }

    private static func allIn(_ key: ManifestValue, _ value: ManifestValue) -> Bool {
        elements(key).allSatisfy { contained($0, in: value) }
    }

    /// One key element in the value (a list, or one scalar), value entries being wildcards
    /// (`anyKeyExistsInArray` uses `wildcard.Match(value, key)`).
    private static func contained(_ element: ManifestValue, in value: ManifestValue) -> Bool {
        elements(value).contains { candidate in
            if let pattern = candidate.string, let text = element.string { return Wildcard.match(pattern, text) }
            return candidate.normalized == element.normalized
        }
    }

    // EqualHandler: durations and quantities by value, strings with the value as wildcard, else deep equality.
    private static func equal(_ key: ManifestValue, _ value: ManifestValue) -> Bool {
        if let keyText = key.string, let valueText = value.string {
            if let a = Quantity.duration(keyText), let b = Quantity.duration(valueText), keyText.contains(where: \.isLetter) { return a == b }
            if let a = Quantity.parse(keyText), let b = Quantity.parse(valueText) { return a == b }
            return Wildcard.match(valueText, keyText)
        }
        return key.normalized == value.normalized
    }

    private static func numeric(_ key: ManifestValue, _ value: ManifestValue, _ compare: (Double, Double) -> Bool) -> Bool {
        guard let keyText = key.string, let valueText = value.string else { return false }
        if let a = Quantity.parse(keyText), let b = Quantity.parse(valueText) { return compare(a, b) }
        if let a = Quantity.duration(keyText), let b = Quantity.duration(valueText) { return compare(a, b) }
        return false
    }
}

extension ManifestValue {
    /// The value without line numbers, for equality.
    var normalized: ManifestValue {
        switch shape {
        case .scalar, .null: ManifestValue(shape)
        case .sequence(let items): ManifestValue(.sequence(items.map(\.normalized)))
        case .mapping(let entries): ManifestValue(.mapping(entries.map { Entry(key: $0.key, value: $0.value.normalized) }))
        }
    }
}
