/// Checks a located tree against a ``Schema`` and reports every structural
/// problem at once: unknown keys (with "did you mean"), missing keys, wrong
/// types, values outside an enum, malformed strings, duplicate names.
public struct SchemaChecker {
    public private(set) var diagnostics = DiagnosticCollector()

    public init() {}

    public static func check(_ node: SourceNode, against schema: Schema) -> [Diagnostic] {
        var checker = SchemaChecker()
        checker.check(node, schema, path: "")
        return checker.diagnostics.diagnostics
    }

    mutating func check(_ node: SourceNode, _ schema: Schema, path: String) {
        switch schema {
        case .object(let object):
            checkObject(node, object, path: path)
        case .map(let keys, let values, _):
            guard case .mapping(let entries) = node.value else { return typeMismatch(node, "a mapping", path) }
            for entry in entries {
                if !keys.accepts(entry.key) {
                    diagnostics.error("invalid key `\(entry.key)` in `\(path)`", at: entry.keyLocation, hint: "expected \(keys.example)")
                }
                check(entry.value, values, path: join(path, entry.key))
            }
        case .array(let items, _, let minItems, let uniqueBy):
            guard case .sequence(let elements) = node.value else { return typeMismatch(node, "a list", path) }
            if elements.count < minItems {
                diagnostics.error("`\(path)` needs at least \(minItems) item\(minItems == 1 ? "" : "s")", at: node.location)
            }
            var seen: [String: SourceLocation] = [:]
            for (index, element) in elements.enumerated() {
                check(element, items, path: "\(path)[\(index)]")
                if let uniqueBy, let value = element[uniqueBy] {
                    guard let key = value.string else { continue }
                    if let first = seen[key] {
                        diagnostics.error("duplicate \(uniqueBy) `\(key)` in `\(path)`", at: value.location,
                                          hint: "already declared at \(first); names must be unique")
                    } else {
                        seen[key] = value.location
                    }
                }
            }
        case .string(let format, _, let enumValues, _):
            guard case .scalar(let text, _) = node.value else { return typeMismatch(node, "a string", path) }
            if let enumValues {
                if !enumValues.contains(text) {
                    diagnostics.error("`\(text)` is not a valid value for `\(path)`", at: node.location,
                                      hint: Suggestion.hint(for: text, in: enumValues))
                }
            } else if !format.accepts(text) {
                diagnostics.error("`\(text)` is not valid for `\(path)`", at: node.location, hint: "expected \(format.example)")
            }
        case .integer(_, let minimum, let maximum, _):
            guard let value = node.int else { return typeMismatch(node, "a whole number", path) }
            if let minimum, value < minimum {
                diagnostics.error("`\(path)` is \(value); it must be at least \(minimum)", at: node.location)
            }
            if let maximum, value > maximum {
                diagnostics.error("`\(path)` is \(value); it must be at most \(maximum)", at: node.location)
            }
        case .boolean:
            if node.bool == nil { typeMismatch(node, "`true` or `false`", path) }
        case .scalar:
            if case .scalar = node.value { return }
            typeMismatch(node, "a plain value (string, number or boolean)", path)
        }
    }

    private mutating func checkObject(_ node: SourceNode, _ object: ObjectSchema, path: String) {
        guard case .mapping(let entries) = node.value else { return typeMismatch(node, "a mapping", path) }
        let allowed = object.properties.map(\.name)
        for entry in entries {
            guard let property = object.property(entry.key) else {
                let location = path.isEmpty ? "the top level" : "`\(path)`"
                var hint = Suggestion.hint(for: entry.key, in: allowed, noun: "key")
                if ["value", "password", "token", "secretValue", "data", "stringData"].contains(entry.key), path.contains("secrets") {
                    hint = "secret values never go in a blueprint: reference the secret store `key` instead"
                }
                diagnostics.error("unknown key `\(entry.key)` in \(location)", at: entry.keyLocation, hint: hint)
                continue
            }
            check(entry.value, property.schema, path: join(path, entry.key))
        }
        for property in object.properties where property.required && !entries.contains(where: { $0.key == property.name }) {
            diagnostics.error("missing required key `\(property.name)`\(path.isEmpty ? "" : " in `\(path)`")", at: node.location,
                              hint: "add `\(property.name):` (\(property.schema.description.lowercasedFirst.trimmingSuffix(".")))")
        }
        for group in object.exactlyOneOf {
            let present = group.filter { key in entries.contains { $0.key == key } }
            if present.count != 1 {
                let names = group.map { "`\($0)`" }.joined(separator: " or ")
                let message = present.isEmpty ? "`\(path)` needs \(names)" : "`\(path)` has both \(present.map { "`\($0)`" }.joined(separator: " and "))"
                diagnostics.error(message, at: node.location, hint: "give exactly one of \(names)")
            }
        }
    }

    private mutating func typeMismatch(_ node: SourceNode, _ expected: String, _ path: String) {
        diagnostics.error("`\(path)` must be \(expected), not \(node.kindName)", at: node.location)
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
