import Foundation
public import Yams

/// A YAML value read back from rendered output, with the line it starts on.
///
/// The audit reads what was rendered, not the trees that rendered it: this is the
/// small, Sendable shape Yams' nodes are copied into (scalars kept as text).
public struct ManifestValue: Sendable, Equatable {
    /// The shapes a value takes.
    public indirect enum Shape: Sendable, Equatable {
        case scalar(String)
        case null
        case sequence([ManifestValue])
        case mapping([Entry])
    }

    /// One key of a mapping.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: ManifestValue

        public init(key: String, value: ManifestValue) {
            self.key = key
            self.value = value
        }
    }

    public var shape: Shape
    /// The 1-based line in the rendered file (0 when unknown).
    public var line: Int

    public init(_ shape: Shape, line: Int = 0) {
        self.shape = shape
        self.line = line
    }

    /// The value of `key` in a mapping.
    public subscript(key: String) -> ManifestValue? {
        guard case .mapping(let entries) = shape else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Items of a sequence (empty for anything else).
    public var items: [ManifestValue] {
        if case .sequence(let items) = shape { return items }
        return []
    }

    /// Entries of a mapping (empty for anything else).
    public var entries: [Entry] {
        if case .mapping(let entries) = shape { return entries }
        return []
    }

    /// The scalar's text.
    public var string: String? {
        if case .scalar(let text) = shape { return text }
        return nil
    }

    public var int: Int? { string.flatMap { Int($0) } }

    public var bool: Bool? {
        switch string?.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    public var isNull: Bool { shape == .null }

    /// True for a mapping without keys (`{}`) or null.
    public var isEmptyMapping: Bool {
        switch shape {
        case .null: true
        case .mapping(let entries): entries.isEmpty
        default: false
        }
    }

    /// A mapping of strings (labels, matchLabels), sorted by key.
    public var stringMap: [String: String] {
        var result: [String: String] = [:]
        for entry in entries { if let text = entry.value.string { result[entry.key] = text } }
        return result
    }

    /// The strings of a sequence of scalars.
    public var strings: [String] { items.compactMap(\.string) }

    /// Copies a Yams node.
    public init(_ node: Node) {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                self.init(.null, line: line)
            } else {
                self.init(.scalar(scalar.string), line: line)
            }
        case .sequence(let sequence):
            self.init(.sequence(sequence.map { ManifestValue($0) }), line: line)
        case .mapping(let mapping):
            self.init(.mapping(mapping.map { Entry(key: $0.key.string ?? "", value: ManifestValue($0.value)) }), line: line)
        case .alias:
            self.init(.null, line: line)
        }
    }
}
