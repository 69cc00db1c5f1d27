import Foundation
import Manifests

/// One scalar of a pattern against one resource value (KY `pkg/engine/pattern/pattern.go#Validate`).
///
/// `ManifestValue` keeps scalars as text without their YAML tag, so types are recovered from the
/// text as YAML 1.1 resolves plain scalars: `true`/`false` are booleans, `42`/`1.5` numbers. That
/// is what the API server would have decoded for typed fields; Kyverno compares a string pattern
/// with a boolean or number by formatting it (`validateString`), so `"false"` and `false` agree.
enum ScalarPattern {
    static func matches(_ value: ManifestValue?, _ pattern: ManifestValue) -> Bool {
        switch pattern.shape {
        case .null: return nilPattern(value)
        case .scalar(let text):
            if let bool = boolean(text) { return boolPattern(value, bool) }
            if let number = number(text) { return numberPattern(value, number) }
            return stringPattern(value, text)
        default: return false
        }
    }

    // validateNilPattern: null matches absent, "", 0 and false.
    private static func nilPattern(_ value: ManifestValue?) -> Bool {
        guard let value = value?.present else { return true }
        guard let text = value.string else { return false }
        return text.isEmpty || number(text) == 0 || boolean(text) == false
    }

    private static func boolPattern(_ value: ManifestValue?, _ pattern: Bool) -> Bool {
        guard let text = value?.present?.string, let bool = boolean(text) else {
            // A boolean-looking string pattern still matches a string by wildcard (validateString).
            return value?.present?.string.map { Wildcard.match(pattern ? "true" : "false", $0) } ?? false
        }
        return bool == pattern
    }

    // validateIntPattern / validateFloatPattern: the value as a number, or a string that parses as one.
    private static func numberPattern(_ value: ManifestValue?, _ pattern: Double) -> Bool {
        guard let text = value?.present?.string, let number = number(text) else { return false }
        return number == pattern
    }

    // validateStringPattern: `|` alternatives of `&` conjunctions of operator patterns.
    static func stringPattern(_ value: ManifestValue?, _ pattern: String) -> Bool {
        if value?.present?.string == pattern { return true }
        for alternative in pattern.components(separatedBy: "|") {
            let conjunction = alternative.trimmingCharacters(in: .whitespaces).components(separatedBy: "&")
            if conjunction.allSatisfy({ operatorPattern(value, $0.trimmingCharacters(in: .whitespaces)) }) { return true }
        }
        return false
    }

    enum Operator: String, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", notEqual = "!", greater = ">", less = "<", equal = ""
    }

    // validateStringPatterns
    private static func operatorPattern(_ value: ManifestValue?, _ pattern: String) -> Bool {
        if let range = range(pattern) {
            guard let number = Quantity.parse(numberText(value)) else { return false }
            let inside = range.low <= number && number <= range.high
            return range.negated ? !inside : inside
        }
        let op = Operator.allCases.first { !$0.rawValue.isEmpty && pattern.hasPrefix($0.rawValue) } ?? .equal
        let operand = String(pattern.dropFirst(op.rawValue.count)).trimmingCharacters(in: .whitespaces)
        let leadingNumber = operand.prefix { $0.isNumber || $0 == "." }
        if leadingNumber.isEmpty { return stringCompare(value, operand, op) }
        // validateNumberWithStr: an absent value counts as 0 (convertNumberToString).
        let valueText = numberText(value)
        if let patternQuantity = Quantity.parse(operand) {
            guard let quantity = Quantity.parse(valueText) else { return false }
            return compare(quantity, patternQuantity, op)
        }
        if let patternDuration = Quantity.duration(operand) {
            guard let duration = Quantity.duration(valueText) else { return false }
            return compare(duration, patternDuration, op)
        }
        return stringCompare(value, operand, op)
    }

    private static func numberText(_ value: ManifestValue?) -> String { value?.present?.string ?? "0" }

    // validateString: only equality and inequality apply to strings, with wildcards.
    private static func stringCompare(_ value: ManifestValue?, _ pattern: String, _ op: Operator) -> Bool {
        guard let text = value?.present?.string else { return false }
        switch op {
        case .equal: return Wildcard.match(pattern, text)
        case .notEqual: return !Wildcard.match(pattern, text)
        default: return false
        }
    }

    private static func compare(_ value: Double, _ pattern: Double, _ op: Operator) -> Bool {
        switch op {
        case .equal: value == pattern
        case .notEqual: value != pattern
        case .greater: value > pattern
        case .greaterOrEqual: value >= pattern
        case .less: value < pattern
        case .lessOrEqual: value <= pattern
        }
    }

    // `10-20` and `10!-20` (operator.InRange / NotInRange).
    private static func range(_ pattern: String) -> (low: Double, high: Double, negated: Bool)? {
        let negated = pattern.contains("!-")
        let separator = negated ? "!-" : "-"
        guard !pattern.hasPrefix("-"), let split = pattern.range(of: separator) else { return nil }
        guard let low = Quantity.parse(String(pattern[..<split.lowerBound])),
              let high = Quantity.parse(String(pattern[split.upperBound...])) else { return nil }
        return (low, high, negated)
    }

    static func boolean(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    static func number(_ text: String) -> Double? {
        guard let first = text.first, first.isNumber || first == "-" || first == "." else { return nil }
        return Double(text)
    }
}
