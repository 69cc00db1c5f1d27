/// A Terraform type constraint (`string`, `list(string)`, `object({ … })`) for
/// `variable` blocks, turned into the ``HCLExpression`` Terraform expects.
public indirect enum HCLType: Sendable, Equatable {
    case string
    case number
    case bool
    case any
    case list(HCLType)
    case set(HCLType)
    case map(HCLType)
    /// An object type; attributes print in the order given.
    case object([Attribute])

    /// One attribute of an object type; `optional` attributes may carry a default.
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var type: HCLType
        public var optional: Bool
        public var defaultValue: HCLExpression?

        public init(_ name: String, _ type: HCLType, optional: Bool = false, default defaultValue: HCLExpression? = nil) {
            self.name = name
            self.type = type
            self.optional = optional || defaultValue != nil
            self.defaultValue = defaultValue
        }
    }

    /// The constraint as an expression: keywords are bare references, the rest calls.
    public var expression: HCLExpression {
        switch self {
        case .string: .reference("string")
        case .number: .reference("number")
        case .bool: .reference("bool")
        case .any: .reference("any")
        case .list(let element): .call("list", [element.expression])
        case .set(let element): .call("set", [element.expression])
        case .map(let element): .call("map", [element.expression])
        case .object(let attributes):
            .call("object", [.object(attributes.map { attribute in
                let type = attribute.type.expression
                guard attribute.optional else { return .init(attribute.name, type) }
                let arguments = [type] + (attribute.defaultValue.map { [$0] } ?? [])
                return .init(attribute.name, .call("optional", arguments))
            })])
        }
    }
}
