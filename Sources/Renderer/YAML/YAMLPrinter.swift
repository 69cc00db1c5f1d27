/// Prints ``YAMLNode`` trees as canonical block YAML, the way `kubectl` prints
/// objects: two-space indentation, sequences under a key not indented, strings
/// plain when YAML 1.1 and 1.2 readers both read them back as the same string,
/// double-quoted otherwise, multi-line strings as literal blocks.
///
/// This printer is ours rather than Yams' emitter because key order, quoting and
/// line breaks must be byte-for-byte stable across versions and it is on the
/// hot path of large generations; the tests read everything it prints back with
/// Yams and compare trees.
public enum YAMLPrinter {
    /// Prints documents separated by `---`, preceded by `header` comment lines.
    public static func print(documents: [YAMLNode], header: [String] = []) -> String {
        var out = ""
        out.reserveCapacity(1024 * documents.count)
        for line in header { out += line.isEmpty ? "#\n" : "# \(line)\n" }
        for (index, document) in documents.enumerated() {
            if index > 0 || !header.isEmpty { out += "---\n" }
            write(document, indent: 0, into: &out)
        }
        return out
    }

    /// Prints one node as a document (no header, no separator).
    public static func print(_ node: YAMLNode) -> String {
        var out = ""
        write(node, indent: 0, into: &out)
        return out
    }

    static func write(_ node: YAMLNode, indent: Int, into out: inout String) {
        switch node {
        case .mapping(let pairs) where !pairs.isEmpty:
            writeMapping(pairs, indent: indent, firstLinePrefixed: false, into: &out)
        case .sequence(let items) where !items.isEmpty:
            writeSequence(items, indent: indent, into: &out)
        default:
            out += spaces(indent)
            writeScalar(node, indent: indent, into: &out)
            out += "\n"
        }
    }

    /// Writes mapping pairs. When `firstLinePrefixed`, the first key follows a `- ` already written.
    static func writeMapping(_ pairs: [YAMLNode.Pair], indent: Int, firstLinePrefixed: Bool, into out: inout String) {
        for (index, pair) in pairs.enumerated() {
            if !(firstLinePrefixed && index == 0) { out += spaces(indent) }
            out += key(pair.key)
            out += ":"
            switch pair.value {
            case .mapping(let nested) where !nested.isEmpty:
                out += "\n"
                writeMapping(nested, indent: indent + 2, firstLinePrefixed: false, into: &out)
            case .sequence(let items) where !items.isEmpty:
                out += "\n"
                writeSequence(items, indent: indent, into: &out)
            default:
                out += " "
                writeScalar(pair.value, indent: indent + 2, into: &out)
                if let comment = pair.comment, !comment.contains("\n"), !(pair.value.scalarText?.contains("\n") ?? false) {
                    out += " # \(comment)"
                }
                out += "\n"
            }
        }
    }

    static func writeSequence(_ items: [YAMLNode], indent: Int, into out: inout String) {
        for item in items {
            out += spaces(indent)
            out += "- "
            switch item {
            case .mapping(let pairs) where !pairs.isEmpty:
                writeMapping(pairs, indent: indent + 2, firstLinePrefixed: true, into: &out)
            case .sequence(let nested) where !nested.isEmpty:
                out += "\n"
                writeSequence(nested, indent: indent + 2, into: &out)
            default:
                writeScalar(item, indent: indent + 2, into: &out)
                out += "\n"
            }
        }
    }

    /// Writes a scalar (or an empty collection) without the trailing newline.
    static func writeScalar(_ node: YAMLNode, indent: Int, into out: inout String) {
        switch node {
        case .string(let text):
            if text.utf8.contains(UInt8(ascii: "\n")), let block = literalBlock(text, indent: indent) {
                out += block
            } else {
                out += scalar(text)
            }
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .mapping: out += "{}"
        case .sequence: out += "[]"
        }
    }

    static func key(_ text: String) -> String { scalar(text) }

    /// A string scalar: plain when unambiguous, double-quoted otherwise.
    public static func scalar(_ text: String) -> String {
        isPlainSafe(text) ? text : doubleQuoted(text)
    }

    /// Words YAML 1.1 or 1.2 reads as booleans or null, compared case-insensitively.
    static let reserved: Set<String> = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ]

    /// Works on UTF-8 bytes: every character a plain scalar may hold is ASCII, so any
    /// other byte makes the string quoted.
    static func isPlainSafe(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, let last = bytes.last else { return false }
        if bytes.count <= 5 {
            let lowered = bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
            if reserved.contains(String(decoding: lowered, as: UTF8.self)) { return false }
        }
        if first == UInt8(ascii: " ") || last == UInt8(ascii: " ") || last == UInt8(ascii: ":") { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
        let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        if isDigit || first == UInt8(ascii: ".") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            // Numbers, dates, times and YAML 1.1 sexagesimals must stay strings: only
            // quantity-like words (`500m`, `10Gi`, `2d`) are left plain.
            return isQuantityLike(text)
        }
        guard isLetter(first) || first == UInt8(ascii: "/") || first == UInt8(ascii: "_") else { return false }
        var previous = UInt8(ascii: " ")
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                break
            case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "="),
                 UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: "'"), UInt8(ascii: "*"),
                 UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: ":"):
                break
            case UInt8(ascii: " "):
                if previous == UInt8(ascii: ":") || previous == UInt8(ascii: " ") { return false }
            case UInt8(ascii: "#"):
                if previous == UInt8(ascii: " ") { return false }
            default:
                return false
            }
            previous = byte
        }
        // (`key: value` inside a value was refused in the loop: a space after ':'.)
        return true
    }

    /// `[0-9]+(\.[0-9]+)?[A-Za-z]+` where the letters are not an exponent (`1e3`).
    static func isQuantityLike(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            return index - start
        }
        guard digits() > 0 else { return false }
        if index < scalars.count, scalars[index] == "." {
            index += 1
            guard digits() > 0 else { return false }
        }
        let suffixStart = index
        while index < scalars.count, ("a"..."z").contains(scalars[index]) || ("A"..."Z").contains(scalars[index]) { index += 1 }
        guard index == scalars.count, index > suffixStart else { return false }
        let suffix = String(String.UnicodeScalarView(scalars[suffixStart...]))
        return !["e", "E"].contains(suffix)
    }

    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            // YAML's other line breaks: raw, a reader folds them (libyaml breaks the line).
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else if scalar.value == 0xFEFF || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    // A byte-order mark, or not a character: not printable in YAML.
                    out += "\\u" + String(scalar.value, radix: 16, uppercase: true)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A literal block (`|` keeping one final newline, `|-` for none), or nil when
    /// the text cannot be a literal block unambiguously.
    static func literalBlock(_ text: String, indent: Int) -> String? {
        if text.hasPrefix(" ") || text.hasPrefix("\n") || text.utf8.contains(UInt8(ascii: "\r")) || text.utf8.contains(UInt8(ascii: "\t")) || text.hasSuffix("\n\n") {
            return nil
        }
        // A block holds printable characters and `\n` only: YAML's other breaks (NEL, LS,
        // PS) would end a line there, and controls need the escapes of a quoted scalar.
        if text.unicodeScalars.contains(where: { scalar in
            let value = scalar.value
            return (value < 0x20 && value != 0x0A) || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
                || value == 0xFEFF || value == 0xFFFE || value == 0xFFFF
        }) {
            return nil
        }
        let keepsNewline = text.hasSuffix("\n")
        let body = keepsNewline ? String(text.dropLast()) : text
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.contains(where: { $0.hasSuffix(" ") }) { return nil }
        var out = keepsNewline ? "|" : "|-"
        let pad = spaces(max(indent, 2))
        for line in lines {
            out += "\n"
            if !line.isEmpty { out += pad + line }
        }
        return out
    }

    static func spaces(_ count: Int) -> String { String(repeating: " ", count: count) }
}
