import Manifests

/// Kyverno's `validate.pattern` matching with anchors, on rendered values
/// (KY `pkg/engine/validate/validate.go#MatchPattern`, `pkg/engine/anchor/handlers.go`).
///
/// Paths are Kyverno's: `/spec/containers/0/image/`, each segment followed by `/`.
enum PatternMatcher {
    /// Why a pattern did not match.
    struct Mismatch: Error, Equatable {
        enum Kind: Equatable {
            case fail
            /// `X(key)` found the key (`negationAnchorError`): always a failure.
            case negation
            /// `(key)` did not hold (`conditionalAnchorError`): the element, or the rule, is skipped.
            case conditional
            /// `<(key)` did not hold (`globalAnchorError`): the whole rule is skipped.
            case global
        }
        var kind: Kind
        var path: String
        var detail: String

        var skips: Bool { kind == .conditional || kind == .global }
    }

    /// nil when the resource matches.
    static func match(_ resource: ManifestValue, _ pattern: ManifestValue) -> Mismatch? {
        element(resource, pattern, path: "/")
    }

    // validateResourceElement
    private static func element(_ resource: ManifestValue?, _ pattern: ManifestValue, path: String) -> Mismatch? {
        let resource = resource?.present
        switch pattern.shape {
        case .mapping(let patternEntries):
            guard case .mapping(let entries)? = resource?.shape else {
                return Mismatch(kind: .fail, path: path, detail: "pattern and resource have different structures. Path: \(path)")
            }
            return map(entries, patternEntries, path: path)
        case .sequence(let patternItems):
            guard case .sequence(let items)? = resource?.shape else {
                return Mismatch(kind: .fail, path: path, detail: "validation rule failed at path \(path), resource does not satisfy the expected overlay pattern")
            }
            return array(items, patternItems, path: path)
        case .scalar, .null:
            if case .sequence(let items)? = resource?.shape {
                for item in items where !ScalarPattern.matches(item.present, pattern) {
                    return Mismatch(kind: .fail, path: path, detail: "resource value does not match '\(pattern.text)' at path \(path)")
                }
                return nil
            }
            if !ScalarPattern.matches(resource, pattern) {
                return Mismatch(kind: .fail, path: path, detail: "value '\(resource?.text ?? "<nil>")' does not match '\(pattern.text)' at path \(path)")
            }
            return nil
        }
    }

    // validateMap: anchors that decide (conditional, global, existence, negation) first, sorted by key;
    // then the rest, keys holding nested anchors first (getSortedNestedAnchorResource).
    private static func map(_ resource: [ManifestValue.Entry], _ pattern: [ManifestValue.Entry], path: String) -> Mismatch? {
        let parsed = pattern.map { (Anchor($0.key), $0.value) }
        let deciding = parsed.filter { $0.0.decides }.sorted { $0.0.raw < $1.0.raw }
        for (anchor, value) in deciding {
            if let mismatch = handle(anchor, value, resource, path: path) { return mismatch }
        }
        var ordered: [(Anchor, ManifestValue)] = []
        for (anchor, value) in parsed.filter({ !$0.0.decides }).sorted(by: { $0.0.raw < $1.0.raw }) {
            if case .sequence = value.shape {
                ordered.append((anchor, value))
            } else if hasNestedAnchors(value) {
                ordered.insert((anchor, value), at: 0)
            } else {
                ordered.append((anchor, value))
            }
        }
        for (anchor, value) in ordered {
            if let mismatch = handle(anchor, value, resource, path: path) { return mismatch }
        }
        return nil
    }

    private static func handle(_ anchor: Anchor, _ pattern: ManifestValue, _ resource: [ManifestValue.Entry], path: String) -> Mismatch? {
        let value = resource.first { $0.key == anchor.key }?.value.present
        let current = path + anchor.key + "/"
        switch anchor.kind {
        case .none:
            // defaultHandler: `key: "*"` only asks for presence, and reports the parent path.
            if pattern.string == "*" {
                return value == nil ? Mismatch(kind: .fail, path: path, detail: "validation rule failed at path \(path)") : nil
            }
            return element(value, pattern, path: current)
        case .equality:
            guard let value else { return nil }
            return element(value, pattern, path: current)
        case .negation:
            return value == nil ? nil : Mismatch(kind: .negation, path: current, detail: "\(current) is not allowed")
        case .conditional:
            guard let value else {
                return Mismatch(kind: .conditional, path: current, detail: "conditional anchor key doesn't exist in the resource")
            }
            if let mismatch = element(value, pattern, path: current) {
                return mismatch.kind == .global ? mismatch : Mismatch(kind: .conditional, path: mismatch.path, detail: mismatch.detail)
            }
            return nil
        case .global:
            guard let value else { return nil }
            if let mismatch = element(value, pattern, path: current) {
                return Mismatch(kind: .global, path: mismatch.path, detail: mismatch.detail)
            }
            return nil
        case .existence:
            guard let value else { return nil }
            guard case .sequence(let items) = value.shape else {
                return Mismatch(kind: .fail, path: current, detail: "invalid resource type: Existence ^ () anchor can be used only on list/array type resource")
            }
            guard case .sequence(let patternItems) = pattern.shape else {
                return Mismatch(kind: .fail, path: current, detail: "invalid pattern type: Pattern has to be of list to compare against resource")
            }
            // Every pattern element must match at least one resource element (validateExistenceListResource).
            for patternItem in patternItems {
                let found = items.indices.contains { element(items[$0], patternItem, path: current + "\($0)/") == nil }
                if !found { return Mismatch(kind: .fail, path: current, detail: "existence anchor validation failed at path \(current)") }
            }
            return nil
        }
    }

    // validateArray
    private static func array(_ resource: [ManifestValue], _ pattern: [ManifestValue], path: String) -> Mismatch? {
        guard let first = pattern.first else { return Mismatch(kind: .fail, path: path, detail: "pattern Array empty") }
        switch first.shape {
        case .mapping:
            // validateArrayOfMaps: the first pattern element applies to every element; elements whose
            // conditional anchors fail are skipped, and if all are skipped the rule is.
            var applied = 0
            var skipped: Mismatch?
            for (index, item) in resource.enumerated() {
                if let mismatch = element(item, first, path: path + "\(index)/") {
                    if mismatch.kind == .conditional {
                        skipped = skipped ?? mismatch
                        continue
                    }
                    return mismatch
                }
                applied += 1
            }
            if applied == 0, let skipped { return Mismatch(kind: .conditional, path: path, detail: skipped.detail) }
            return nil
        case .scalar, .null:
            return element(ManifestValue(.sequence(resource)), first, path: path)
        case .sequence:
            guard resource.count >= pattern.count else {
                return Mismatch(kind: .fail, path: path, detail: "validate Array failed, array length mismatch, resource Array len is \(resource.count) and pattern Array len is \(pattern.count)")
            }
            for (index, item) in pattern.enumerated() {
                if let mismatch = element(resource[index], item, path: path + "\(index)/"), !mismatch.skips { return mismatch }
            }
            return nil
        }
    }

    private static func hasNestedAnchors(_ value: ManifestValue) -> Bool {
        switch value.shape {
        case .mapping(let entries): entries.contains { Anchor($0.key).kind != .none || hasNestedAnchors($0.value) }
        case .sequence(let items): items.contains(where: hasNestedAnchors)
        default: false
        }
    }
}

/// A pattern key with its anchor (KY `pkg/engine/anchor/anchor.go#Parse`).
struct Anchor {
    enum Kind { case none, equality, conditional, negation, existence, global }
    var raw: String
    var kind: Kind
    var key: String

    init(_ raw: String) {
        self.raw = raw
        guard raw.hasSuffix(")"), let open = raw.firstIndex(of: "("), raw.count > 2 else {
            kind = .none
            key = raw
            return
        }
        let modifier = raw[raw.startIndex..<open]
        let inner = String(raw[raw.index(after: open)..<raw.index(before: raw.endIndex)])
        switch modifier {
        case "": kind = .conditional
        case "=": kind = .equality
        case "X": kind = .negation
        case "^": kind = .existence
        case "<": kind = .global
        case "+": kind = .equality // add-if-absent is a mutate anchor; for validation it acts like `=()`
        default:
            kind = .none
            key = raw
            return
        }
        key = inner
    }

    /// Anchors evaluated before the other keys (`GetAnchorsResourcesFromMap`).
    var decides: Bool { kind == .conditional || kind == .global || kind == .existence || kind == .negation }
}

extension ManifestValue {
    /// Text for messages.
    var text: String {
        switch shape {
        case .scalar(let text): text
        case .null: "<nil>"
        case .sequence(let items): "[" + items.map(\.text).joined(separator: " ") + "]"
        case .mapping(let entries): "map[" + entries.map { "\($0.key):\($0.value.text)" }.joined(separator: " ") + "]"
        }
    }
}
