/// An ordered YAML tree: what translators build and ``YAMLPrinter`` prints.
///
/// Mappings keep the order they were built in (Kubernetes objects are built
/// `apiVersion, kind, metadata, spec…`); translators sort anything that comes
/// from a dictionary or a set. Literals make trees readable:
/// `["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]`.
public indirect enum YAMLNode: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case mapping([Pair])
    case sequence([YAMLNode])

    public struct Pair: Sendable, Equatable {
        public var key: String
        public var value: YAMLNode
        /// A comment printed after a scalar value on the same line (`uses: a@sha # v1.2.3`,
        /// which Dependabot and Renovate read); ignored on a nested mapping or sequence.
        public var comment: String?

        public init(_ key: String, _ value: YAMLNode, comment: String? = nil) {
            self.key = key
            self.value = value
            self.comment = comment
        }
    }

    /// A mapping from ordered pairs.
    public static func map(_ pairs: [(String, YAMLNode)]) -> YAMLNode {
        .mapping(pairs.map { Pair($0.0, $0.1) })
    }

    /// A mapping of strings, sorted by key (labels, annotations, data).
    public static func sortedStrings(_ values: [String: String]) -> YAMLNode {
        .mapping(values.keys.sorted().map { Pair($0, .string(values[$0]!)) })
    }

    /// The value for `key` when this is a mapping.
    public subscript(key: String) -> YAMLNode? {
        get {
            guard case .mapping(let pairs) = self else { return nil }
            return pairs.first { $0.key == key }?.value
        }
        set {
            guard case .mapping(var pairs) = self else { return }
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append(Pair(key, newValue))
            }
            self = .mapping(pairs)
        }
    }

    /// The text of a scalar.
    public var scalarText: String? {
        switch self {
        case .string(let text): text
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .null: nil
        case .mapping, .sequence: nil
        }
    }

    public var items: [YAMLNode] {
        if case .sequence(let items) = self { return items }
        return []
    }

    public var pairs: [Pair] {
        if case .mapping(let pairs) = self { return pairs }
        return []
    }
}

extension YAMLNode: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: YAMLNode...) { self = .sequence(elements) }
    public init(dictionaryLiteral elements: (String, YAMLNode)...) { self = .mapping(elements.map { Pair($0.0, $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}
