import Foundation
import Manifests

/// The admission request a rule's `{{…}}` variables read (KY `pkg/engine/context`), offline.
struct RequestContext {
    var operation: String
    var object: ManifestObject
    /// For autogen rules: Kyverno rewrites `request.object.spec` to
    /// `request.object.spec.template.spec` (and `.metadata`) in the generated rule
    /// (KY `pkg/autogen/v1/rule.go#updateGenRuleByte`); this is the template's path.
    var templatePath: [String]

    /// Why a variable cannot be substituted.
    enum Failure: Error {
        /// The path does not exist in the request: Kyverno reports an error.
        case unresolved(String)
        /// Needs something offline evaluation does not have (user info, JMESPath functions, API calls).
        case undecidable(String)
    }

    /// Substitutes every `{{…}}` in the value's scalars (KY `pkg/engine/variables/vars.go#SubstituteAll`).
    /// A scalar that is exactly one variable takes the variable's value (which may be a list or map).
    func substitute(_ value: ManifestValue) throws(Failure) -> ManifestValue {
        switch value.shape {
        case .scalar(let text):
            guard text.contains("{{") else { return value }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.components(separatedBy: "{{").count == 2 {
                var resolved = try resolve(String(trimmed.dropFirst(2).dropLast(2)))
                resolved.line = value.line
                return resolved
            }
            return ManifestValue(.scalar(try interpolate(text)), line: value.line)
        case .sequence(let items):
            var result: [ManifestValue] = []
            for item in items { result.append(try substitute(item)) }
            return ManifestValue(.sequence(result), line: value.line)
        case .mapping(let entries):
            var result: [ManifestValue.Entry] = []
            for entry in entries { result.append(ManifestValue.Entry(key: entry.key, value: try substitute(entry.value))) }
            return ManifestValue(.mapping(result), line: value.line)
        case .null:
            return value
        }
    }

    /// Substitutes the variables of a message or string.
    func interpolate(_ text: String) throws(Failure) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                result += rest[open.lowerBound...]
                return result
            }
            let resolved = try resolve(String(rest[open.upperBound..<close.lowerBound]))
            result += resolved.string ?? (resolved.isNull ? "" : resolved.text)
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// The value of one variable: `request.operation`, `request.namespace`, `request.name`,
    /// `request.kind.kind`, `request.object.<path>`; anything else is undecidable offline.
    func resolve(_ rawExpression: String) throws(Failure) -> ManifestValue {
        let expression = rawExpression.trimmingCharacters(in: .whitespaces)
        switch expression {
        case "request.operation": return ManifestValue(.scalar(operation))
        case "request.namespace": return ManifestValue(.scalar(object.namespace ?? (object.kind == "Namespace" ? object.name : "")))
        case "request.name": return ManifestValue(.scalar(object.name))
        case "request.kind.kind": return ManifestValue(.scalar(object.kind))
        case "request.object": return object.body
        default: break
        }
        let objectPrefix = "request.object."
        guard expression.hasPrefix(objectPrefix), let segments = Self.segments(String(expression.dropFirst(objectPrefix.count))) else {
            throw .undecidable("variable {{\(expression)}} is not known offline")
        }
        var path: [PathSegment] = segments
        if !templatePath.isEmpty, case .key(let first)? = segments.first, first == "spec" || first == "metadata" {
            path = templatePath.map(PathSegment.key) + segments
        }
        var current: ManifestValue? = object.body
        for segment in path {
            switch segment {
            case .key(let key): current = current?[key]?.present
            case .index(let index): current = current.flatMap { $0.items.indices.contains(index) ? $0.items[index] : nil }
            }
            if current == nil { throw .unresolved("failed to resolve \(expression): Unknown key \(segment) in path") }
        }
        return current!
    }

    enum PathSegment: CustomStringConvertible {
        case key(String)
        case index(Int)
        var description: String {
            switch self {
            case .key(let key): "\"\(key)\""
            case .index(let index): "[\(index)]"
            }
        }
    }

    /// `metadata.labels."app.kubernetes.io/name"`, `spec.containers[0].image`; nil for JMESPath
    /// beyond plain paths (functions, pipes, filters, `||` defaults).
    static func segments(_ path: String) -> [PathSegment]? {
        var result: [PathSegment] = []
        var index = path.startIndex
        var expectKey = true
        while index < path.endIndex {
            let character = path[index]
            if character == "." && !expectKey {
                expectKey = true
                index = path.index(after: index)
            } else if character == "[" {
                guard let close = path[index...].firstIndex(of: "]"), let number = Int(path[path.index(after: index)..<close]) else { return nil }
                result.append(.index(number))
                index = path.index(after: close)
                expectKey = false
            } else if character == "\"" && expectKey {
                guard let close = path[path.index(after: index)...].firstIndex(of: "\"") else { return nil }
                result.append(.key(String(path[path.index(after: index)..<close])))
                index = path.index(after: close)
                expectKey = false
            } else if expectKey {
                let end = path[index...].firstIndex { $0 == "." || $0 == "[" } ?? path.endIndex
                let key = path[index..<end]
                guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), !key.isEmpty else { return nil }
                result.append(.key(String(key)))
                index = end
                expectKey = false
            } else {
                return nil
            }
        }
        return expectKey && !result.isEmpty ? nil : result
    }
}
