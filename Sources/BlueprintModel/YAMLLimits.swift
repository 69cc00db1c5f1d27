// libyaml's event API, reached through Yams (the Yams package builds it as its `CYaml`
// module; Yams has no public event API of its own).
internal import CYaml

/// Bounds on a YAML file the loader accepts: blueprints, overlays and pins files.
///
/// Aliases make a small file stand for a huge tree ("billion laughs": ten anchors,
/// each a list of ten aliases of the previous one, is 10⁹ values in 400 bytes).
/// Yams shares an aliased node when it composes, but the located tree, the
/// overlay merge and Yams' own duplicate-key check walk every repetition. So the
/// file is scanned event by event with libyaml before it is composed, counting
/// each alias as every node it repeats, and refused as soon as a limit is crossed,
/// at the position that crossed it. The scan keeps one small record per open
/// collection and per anchor: its memory does not grow with the expansion.
public struct YAMLLimits: Sendable, Equatable {
    /// The largest file, in bytes.
    public var maxFileBytes: Int
    /// The most nodes (scalars, mappings, lists; keys count) after expanding aliases.
    public var maxNodes: Int
    /// The deepest nesting of mappings and lists (the top-level mapping is level 1).
    public var maxDepth: Int
    /// The longest scalar, in bytes of UTF-8.
    public var maxScalarBytes: Int

    public init(maxFileBytes: Int, maxNodes: Int, maxDepth: Int, maxScalarBytes: Int) {
        self.maxFileBytes = maxFileBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
        self.maxScalarBytes = maxScalarBytes
    }

    /// The limits of every file the loader reads (documented in docs/blueprint.md, "Limits").
    /// A synthetic platform of 1,000 organizations is about 0.3 MB and 30,000 nodes.
    public static let standard = YAMLLimits(maxFileBytes: 4 << 20, maxNodes: 1_000_000, maxDepth: 64, maxScalarBytes: 64 << 10)

    static let documentation = "see \"Limits\" in docs/blueprint.md"

    /// An error when `byteCount` bytes is more than a file may hold.
    func checkSize(_ byteCount: Int, path: String) throws(DiagnosticsError) {
        guard byteCount > maxFileBytes else { return }
        throw DiagnosticsError([.error(
            "`\(path)` is larger than \(Self.bytes(maxFileBytes))", at: SourceLocation(file: path, line: 1, column: 1),
            hint: "a blueprint, overlay or pins file is limited to \(Self.grouped(maxFileBytes)) bytes; \(Self.documentation)")])
    }

    /// Checks `text` (size, nodes with aliases expanded, depth, scalar sizes) without
    /// building it. Syntax errors are left to the composer, which reports them with
    /// its own messages: the scan stops quietly at the first one.
    public func check(_ text: String, file: String) throws(DiagnosticsError) {
        try checkSize(text.utf8.count, path: file)
        var text = text
        let problem = text.withUTF8 { scan($0, file: file) }
        if let problem { throw DiagnosticsError([problem]) }
    }

    private struct Collection {
        var anchor: String?
        /// Nodes so far, this collection included.
        var size = 1
        /// Levels of collections in it, this one included.
        var height = 1
    }

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> Diagnostic? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)

        var open: [Collection] = []
        // The expanded size and height of every anchored node (a later anchor of the
        // same name shadows an earlier one, as in the composer).
        var anchors: [String: (size: Int, height: Int)] = [:]
        var total = 0

        func location(_ mark: yaml_mark_t) -> SourceLocation {
            SourceLocation(file: file, line: mark.line + 1, column: mark.column + 1)
        }
        func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
        /// Adds a finished node (a scalar, an alias's expansion or a closed collection) to its parent.
        func finish(size: Int, height: Int, anchor: String?) {
            if let anchor { anchors[anchor] = (size, height) }
            guard !open.isEmpty else { return }
            open[open.count - 1].size += size
            open[open.count - 1].height = max(open[open.count - 1].height, height + 1)
        }
        func tooMany(_ message: String, at mark: yaml_mark_t) -> Diagnostic {
            .error(message, at: location(mark),
                   hint: "a file is limited to \(Self.grouped(maxNodes)) YAML nodes, every alias counted as all the nodes it repeats; write the values out or nest fewer aliases; \(Self.documentation)")
        }
        func tooDeep(_ message: String, at mark: yaml_mark_t) -> Diagnostic {
            .error(message, at: location(mark),
                   hint: "mappings and lists may nest at most \(maxDepth) levels deep; \(Self.documentation)")
        }

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let mark = event.start_mark
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                let length = Int(event.data.scalar.length)
                if length > maxScalarBytes {
                    return .error("YAML value of \(Self.grouped(length)) bytes is longer than \(Self.bytes(maxScalarBytes))", at: location(mark),
                                  hint: "a single value is limited to \(Self.grouped(maxScalarBytes)) bytes; \(Self.documentation)")
                }
                total += 1
                if total > maxNodes { return tooMany("the file has more than \(Self.grouped(maxNodes)) YAML nodes", at: mark) }
                finish(size: 1, height: 0, anchor: string(event.data.scalar.anchor))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                total += 1
                if total > maxNodes { return tooMany("the file has more than \(Self.grouped(maxNodes)) YAML nodes", at: mark) }
                if open.count + 1 > maxDepth { return tooDeep("YAML nested more than \(maxDepth) levels deep", at: mark) }
                let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                open.append(Collection(anchor: string(anchor)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return nil }
                finish(size: closed.size, height: closed.height, anchor: closed.anchor)
            case YAML_ALIAS_EVENT:
                // An undefined alias (or one inside its own anchor) is the composer's error.
                guard let name = string(event.data.alias.anchor), let anchored = anchors[name] else { return nil }
                total += anchored.size
                if total > maxNodes {
                    return tooMany("YAML alias `*\(name)` expands the file to more than \(Self.grouped(maxNodes)) nodes", at: mark)
                }
                if open.count + anchored.height > maxDepth {
                    return tooDeep("YAML alias `*\(name)` nests the file more than \(maxDepth) levels deep", at: mark)
                }
                finish(size: anchored.size, height: anchored.height, anchor: nil)
            default:
                break
            }
        }
    }

    /// `1048576` as `1,048,576` (no locale: diagnostics are the same everywhere).
    static func grouped(_ number: Int) -> String {
        var digits = String(number)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(Substring(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return groups.joined(separator: ",")
    }

    /// A size in bytes as KiB or MiB when it is a whole number of them.
    static func bytes(_ count: Int) -> String {
        if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count >= 1 << 10, count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        return "\(grouped(count)) bytes"
    }
}
