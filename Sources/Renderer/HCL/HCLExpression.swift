/// An HCL expression: the value side of an attribute, as a typed tree that
/// ``HCLPrinter`` turns into text.
///
/// Translators build these instead of text, so quoting, escaping and
/// interpolation are decided in one place: `.string` is always a literal (a `${`
/// inside it is escaped to `$${` and stays literal), and interpolation happens
/// only where a `.template` says so. References are typed paths such as
/// `var.region` or `module.cluster.id`; `.call` is a function call, which is also
/// how type constraints (`list(string)`) are written.
public indirect enum HCLExpression: Sendable, Equatable {
    /// A literal string, printed quoted with every escape HCL needs.
    case string(String)
    /// A quoted template mixing literal text and `${…}` interpolations.
    case template([TemplatePart])
    case int(Int)
    case bool(Bool)
    case null
    /// A reference by path: `var.region`, `each.key`, `module.cluster.id`,
    /// `digitalocean_vpc.this.id`, or a bare keyword such as `string`.
    case reference(String)
    /// `collection[key]`.
    case index(HCLExpression, HCLExpression)
    /// `expression.name`, after an index or a call.
    case attribute(HCLExpression, String)
    /// `name(arguments…)`.
    case call(String, [HCLExpression])
    case list([HCLExpression])
    /// An object constructor `{ key = value … }`, in the order given.
    case object([ObjectItem])
    case unary(UnaryOperator, HCLExpression)
    case binary(BinaryOperator, HCLExpression, HCLExpression)
    /// `condition ? then : else`.
    case conditional(HCLExpression, HCLExpression, HCLExpression)
    /// `[for key, value in collection : result if condition]` (`key` and `if` optional).
    case forList(key: String?, value: String, in: HCLExpression, result: HCLExpression, if: HCLExpression? = nil)
    /// `{ for key, value in collection : resultKey => resultValue if condition }` (`key` and `if` optional).
    case forObject(key: String?, value: String, in: HCLExpression, resultKey: HCLExpression, resultValue: HCLExpression, if: HCLExpression? = nil)

    /// A piece of a ``HCLExpression/template(_:)``.
    public enum TemplatePart: Sendable, Equatable {
        case literal(String)
        case interpolation(HCLExpression)
    }

    /// One `key = value` item of an object constructor.
    public struct ObjectItem: Sendable, Equatable {
        /// The key: printed bare when it is an identifier, quoted otherwise.
        public var key: String
        public var value: HCLExpression

        public init(_ key: String, _ value: HCLExpression) {
            self.key = key
            self.value = value
        }
    }

    public enum UnaryOperator: String, Sendable {
        case not = "!"
        case negate = "-"
    }

    /// Binary operators with HCL's precedence (higher binds tighter).
    public enum BinaryOperator: String, Sendable {
        case or = "||"
        case and = "&&"
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case modulo = "%"

        public var precedence: Int {
            switch self {
            case .or: 1
            case .and: 2
            case .equal, .notEqual: 3
            case .less, .lessOrEqual, .greater, .greaterOrEqual: 4
            case .add, .subtract: 5
            case .multiply, .divide, .modulo: 6
            }
        }
    }

    /// An object from ordered pairs.
    public static func object(_ pairs: KeyValuePairs<String, HCLExpression>) -> HCLExpression {
        .object(pairs.map { ObjectItem($0.key, $0.value) })
    }

    /// An object of strings sorted by key (tags, labels).
    public static func sortedStrings(_ values: [String: String]) -> HCLExpression {
        .object(values.keys.sorted().map { ObjectItem($0, .string(values[$0]!)) })
    }

    /// A list of string literals.
    public static func strings(_ values: [String]) -> HCLExpression {
        .list(values.map { .string($0) })
    }

    /// `var.<name>`.
    public static func variable(_ name: String) -> HCLExpression { .reference("var.\(name)") }

    /// `local.<name>`.
    public static func local(_ name: String) -> HCLExpression { .reference("local.\(name)") }

    /// `expression.name`.
    public func dot(_ name: String) -> HCLExpression { .attribute(self, name) }

    /// `expression[key]`.
    public subscript(_ key: HCLExpression) -> HCLExpression { .index(self, key) }

    public static func && (lhs: HCLExpression, rhs: HCLExpression) -> HCLExpression { .binary(.and, lhs, rhs) }
    public static func || (lhs: HCLExpression, rhs: HCLExpression) -> HCLExpression { .binary(.or, lhs, rhs) }
}

extension HCLExpression: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: HCLExpression...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .null }
}
