internal import Yams

/// A YAML value that remembers the file, line and column it came from.
///
/// Blueprints, overlays and pins files are loaded into this tree first; overlays
/// merge onto it (each merged value keeps its own file), the schema checks it,
/// and the typed model is decoded from it. Every diagnostic can therefore point
/// at the exact line of the right file.
public struct SourceNode: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        /// A scalar: its text, and whether it was quoted (a quoted `"8"` is a string, a plain `8` a number).
        case scalar(String, quoted: Bool)
        case mapping([Entry])
        case sequence([SourceNode])
        case null
    }

    /// A mapping entry: the key with its own location, and the value.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: SourceNode

        public init(key: String, keyLocation: SourceLocation, value: SourceNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    // MARK: Accessors

    /// The entry for `key` when this is a mapping.
    public func entry(_ key: String) -> Entry? {
        guard case .mapping(let entries) = value else { return nil }
        return entries.first { $0.key == key }
    }

    /// The value for `key` when this is a mapping and the key is present.
    public subscript(key: String) -> SourceNode? { entry(key)?.value }

    public var entries: [Entry] {
        if case .mapping(let entries) = value { return entries }
        return []
    }

    public var items: [SourceNode] {
        if case .sequence(let items) = value { return items }
        return []
    }

    /// The scalar text, for any scalar.
    public var string: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    public var int: Int? {
        if case .scalar(let text, quoted: false) = value { return Int(text) }
        return nil
    }

    public var bool: Bool? {
        if case .scalar(let text, quoted: false) = value {
            switch text {
            case "true": return true
            case "false": return false
            default: return nil
            }
        }
        return nil
    }

    public var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// A short name of this node's kind for error messages.
    public var kindName: String {
        switch value {
        case .scalar(let text, let quoted):
            if !quoted, Int(text) != nil { return "a number" }
            if !quoted, text == "true" || text == "false" { return "a boolean" }
            return "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .null: return "null"
        }
    }

    // MARK: Loading

    /// Parses YAML text into a located tree. Syntax errors come back as a diagnostic
    /// with the position libyaml reports. Anchors and aliases are resolved by Yams,
    /// after `limits` checked the file (aliases counted as the nodes they repeat),
    /// so the tree built here is bounded.
    public static func parse(_ text: String, file: String, limits: YAMLLimits = .standard) throws(DiagnosticsError) -> SourceNode {
        try limits.check(text, file: file)
        let root: Yams.Node?
        do {
            // No implicit tag resolution: scalars stay text (with their quoting), and
            // Yams skips its per-scalar regular expressions, which dominate large files.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw DiagnosticsError([Self.diagnostic(for: error, file: file)])
        } catch {
            throw DiagnosticsError([.error("cannot read YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))])
        }
        guard let root else {
            return SourceNode(.null, at: SourceLocation(file: file, line: 1, column: 1))
        }
        var collector = DiagnosticCollector()
        let node = convert(root, file: file, diagnostics: &collector)
        if collector.hasErrors { throw DiagnosticsError(collector.diagnostics) }
        return node
    }

    private static func location(_ node: Yams.Node, file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    private static func convert(_ node: Yams.Node, file: String, diagnostics: inout DiagnosticCollector) -> SourceNode {
        let here = location(node, file: file)
        switch node {
        case .scalar(let scalar):
            let quoted = scalar.style != .plain
            if !quoted, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return SourceNode(.null, at: here)
            }
            return SourceNode(.scalar(scalar.string, quoted: quoted), at: here)
        case .mapping(let mapping):
            var entries: [Entry] = []
            var seen: Set<String> = []
            for (key, value) in mapping {
                let keyLocation = location(key, file: file)
                guard case .scalar(let keyScalar) = key else {
                    diagnostics.error("mapping keys must be plain strings", at: keyLocation)
                    continue
                }
                // Yams tells keys apart by their tags too (`!a api` and `!b api`); here, as in
                // everything that reads the tree, a key is its text.
                guard seen.insert(keyScalar.string).inserted else {
                    diagnostics.error("duplicate key `\(keyScalar.string)`", at: keyLocation, hint: "a key may appear once in a mapping; keep one")
                    continue
                }
                entries.append(Entry(key: keyScalar.string, keyLocation: keyLocation, value: convert(value, file: file, diagnostics: &diagnostics)))
            }
            return SourceNode(.mapping(entries), at: here)
        case .sequence(let sequence):
            return SourceNode(.sequence(sequence.map { convert($0, file: file, diagnostics: &diagnostics) }), at: here)
        case .alias:
            diagnostics.error("YAML aliases are not supported in blueprints", at: here, hint: "write the value out")
            return SourceNode(.null, at: here)
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = SourceLocation(file: file, line: mark.line, column: mark.column)
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return .error("invalid YAML: \(detail)", at: where_, hint: "check indentation and quoting around this position")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return .error("duplicate key \(names)", at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                          hint: "a key may appear once in a mapping; keep one")
        default:
            return .error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}
