import Foundation

/// Prints a ``Schema`` as JSON Schema (draft 2020-12) for editors: yaml-language-server
/// completes and checks a blueprint that starts with
/// `# yaml-language-server: $schema=<path or URL of this schema>`.
public enum JSONSchemaPrinter {
    public static func print(_ schema: Schema, id: String, title: String) -> String {
        var root = object(for: schema)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = id
        root["title"] = title
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func object(for schema: Schema) -> [String: Any] {
        switch schema {
        case .object(let object):
            var properties: [String: Any] = [:]
            for property in object.properties { properties[property.name] = Self.object(for: property.schema) }
            var result: [String: Any] = [
                "type": "object", "description": object.description,
                "properties": properties, "additionalProperties": false,
            ]
            let required = object.properties.filter(\.required).map(\.name)
            if !required.isEmpty { result["required"] = required }
            if !object.exactlyOneOf.isEmpty {
                result["oneOf"] = object.exactlyOneOf.flatMap { group in group.map { ["required": [$0]] } }
            }
            return result
        case .map(let keys, let values, let description):
            var result: [String: Any] = ["type": "object", "description": description, "additionalProperties": object(for: values)]
            if let pattern = keys.pattern { result["propertyNames"] = ["pattern": pattern] }
            return result
        case .array(let items, let description, let minItems, _):
            var result: [String: Any] = ["type": "array", "description": description, "items": object(for: items)]
            if minItems > 0 { result["minItems"] = minItems }
            return result
        case .string(let format, let description, let enumValues, let defaultValue):
            var result: [String: Any] = ["type": "string", "description": description]
            if let enumValues { result["enum"] = enumValues } else if let pattern = format.pattern { result["pattern"] = pattern }
            if let defaultValue { result["default"] = defaultValue }
            return result
        case .integer(let description, let minimum, let maximum, let defaultValue):
            var result: [String: Any] = ["type": "integer", "description": description]
            if let minimum { result["minimum"] = minimum }
            if let maximum { result["maximum"] = maximum }
            if let defaultValue { result["default"] = defaultValue }
            return result
        case .boolean(let description, let defaultValue):
            var result: [String: Any] = ["type": "boolean", "description": description]
            if let defaultValue { result["default"] = defaultValue }
            return result
        case .scalar(let description):
            return ["type": ["string", "number", "boolean"], "description": description]
        }
    }
}
