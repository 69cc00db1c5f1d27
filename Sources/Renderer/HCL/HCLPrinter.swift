/// Prints HCL trees exactly as `terraform fmt` formats them, so generated
/// Terraform passes `terraform fmt -check` without a byte changing.
///
/// The rules are those of `hclwrite.Format`, which `terraform fmt` uses:
/// - two spaces per open bracket group; a line that opens several brackets
///   indents the next lines by one level only, and its closing line closes them
///   all (`map(object({` … `}))`);
/// - in each run of consecutive single-line `key = value` lines (broken by a
///   blank line, a comment, a block or a multi-line value), the `=` signs are
///   aligned one space after the longest key;
/// - one space around binary operators, `?`, `:` and `=>`, after commas, and
///   inside the braces of a `for` object; none inside `[]`/`()`;
/// - `"${expr}"` alone is printed as `expr` (Terraform unwraps it);
/// - a negation right after `${`, `=>`, `in` or `if` gets a space (`=> - 1`):
///   `hclwrite` reads a `-` there as subtraction.
///
/// Index keys that are bare `true`, `false` or `null` index nothing and are not
/// supported (`terraform fmt` deletes them from `x[true]`).
///
/// The printer also fixes what `terraform fmt` leaves to the author: a blank
/// line around every nested block, no blank lines at the start or end of a body,
/// objects one item per line, lists one element per line once they hold
/// structures or get long, and exactly one trailing newline.
public enum HCLPrinter {
    /// Lists whose one-line form is longer than this are printed one element per line.
    static let maximumInlineListLength = 80

    /// The text of a whole file.
    public static func print(_ file: HCLFile) -> String {
        var out = ""
        for line in file.header { out += line.isEmpty ? "#\n" : "# \(line)\n" }
        let body = print(body: file.body)
        if !file.header.isEmpty, !body.isEmpty { out += "\n" }
        out += body
        return out
    }

    /// The text of a body at the top level (each line ends with a newline).
    public static func print(body: [HCLBodyItem]) -> String {
        var out = ""
        writeBody(body, indent: 0, into: &out)
        return out
    }

    /// The text of one expression as it would follow `key = ` at the top level.
    public static func print(_ expression: HCLExpression) -> String {
        render(expression, indent: 0)
    }

    // MARK: Bodies

    static func writeBody(_ items: [HCLBodyItem], indent: Int, into out: inout String) {
        let lines = layout(items)
        var index = 0
        while index < lines.count {
            switch lines[index] {
            case .blankLine:
                out += "\n"
                index += 1
            case .comment(let text):
                out += spaces(indent) + (text.isEmpty ? "#" : "# \(text)") + "\n"
                index += 1
            case .block(let block):
                writeBlock(block, indent: indent, into: &out)
                index += 1
            case .attribute:
                // A run of attributes: single-line values align their `=`, as
                // `terraform fmt` does; a multi-line value ends the run.
                var run: [(key: String, value: String)] = []
                while index < lines.count, case .attribute(let key, let value) = lines[index] {
                    precondition(isIdentifier(key), "HCL attribute name `\(key)` is not an identifier")
                    run.append((key, render(value, indent: indent)))
                    index += 1
                }
                writeAligned(run, indent: indent, into: &out)
            }
        }
    }

    /// The body with blank lines placed: around nested blocks (a comment stays
    /// attached to the block it precedes), never doubled, never leading or trailing.
    static func layout(_ items: [HCLBodyItem]) -> [HCLBodyItem] {
        var result: [HCLBodyItem] = []
        func appendBlank() {
            if let last = result.last, last != .blankLine { result.append(.blankLine) }
        }
        for item in items {
            switch item {
            case .blankLine:
                appendBlank()
            case .block:
                if case .comment = result.last {} else { appendBlank() }
                result.append(item)
            case .attribute, .comment:
                if case .block = result.last { appendBlank() }
                result.append(item)
            }
        }
        if result.last == .blankLine { result.removeLast() }
        return result
    }

    static func writeBlock(_ block: HCLBlock, indent: Int, into out: inout String) {
        precondition(isIdentifier(block.type), "HCL block type `\(block.type)` is not an identifier")
        out += spaces(indent) + block.type
        for label in block.labels { out += " " + quoted(label) }
        if layout(block.body).isEmpty {
            out += " {}\n"
            return
        }
        out += " {\n"
        writeBody(block.body, indent: indent + 1, into: &out)
        out += spaces(indent) + "}\n"
    }

    /// Writes `key = value` lines; runs of single-line values share one `=` column.
    static func writeAligned(_ items: [(key: String, value: String)], indent: Int, into out: inout String) {
        var start = 0
        while start < items.count {
            var end = start
            var width = 0
            while end < items.count, !items[end].value.contains("\n") {
                width = max(width, items[end].key.count)
                end += 1
            }
            if end == start {
                // A multi-line value: one space before `=`, never aligned.
                out += spaces(indent) + items[start].key + " = " + items[start].value + "\n"
                start += 1
                continue
            }
            for item in items[start..<end] {
                let padding = String(repeating: " ", count: width - item.key.count)
                out += spaces(indent) + item.key + padding + " = " + item.value + "\n"
            }
            start = end
        }
    }

    // MARK: Expressions

    /// Renders an expression whose first line continues a line indented `indent`
    /// levels; later lines carry their own indentation.
    static func render(_ expression: HCLExpression, indent: Int) -> String {
        switch expression {
        case .string(let text):
            return quoted(text)
        case .template(let parts):
            return renderTemplate(parts)
        case .int(let value):
            return String(value)
        case .bool(let value):
            return value ? "true" : "false"
        case .null:
            return "null"
        case .reference(let path):
            precondition(isReferencePath(path), "HCL reference `\(path)` is not a dotted identifier path")
            return path
        case .index(let collection, let key):
            switch key {
            case .bool, .null: preconditionFailure("HCL index keys cannot be true, false or null")
            default: return operand(collection, indent: indent, indexed: true) + "[" + singleLine(key, "an index key") + "]"
            }
        case .attribute(let base, let name):
            precondition(isIdentifier(name), "HCL attribute access `.\(name)` is not an identifier")
            return operand(base, indent: indent) + "." + name
        case .call(let name, let arguments):
            precondition(isIdentifier(name), "HCL function name `\(name)` is not an identifier")
            return name + "(" + renderArguments(arguments, indent: indent, closing: ")")
        case .list(let elements):
            return renderList(elements, indent: indent)
        case .object(let items):
            return renderObject(items, indent: indent)
        case .unary(let op, let operand):
            let text = render(operand, indent: indent)
            switch operand {
            case .binary, .conditional, .unary: return op.rawValue + "(" + text + ")"
            default: return op.rawValue + text
            }
        case .binary(let op, let lhs, let rhs):
            let left = singleLine(lhs, "the left operand of `\(op.rawValue)`")
            let right = render(rhs, indent: indent)
            return parenthesized(left, if: needsParentheses(lhs, under: op, right: false)) + " " + op.rawValue + " "
                + parenthesized(right, if: needsParentheses(rhs, under: op, right: true))
        case .conditional(let condition, let then, let otherwise):
            let conditionText = singleLine(condition, "a condition")
            let thenText = singleLine(then, "the `?` branch of a conditional")
            return parenthesized(conditionText, if: isConditional(condition)) + " ? "
                + parenthesized(thenText, if: isConditional(then)) + " : " + render(otherwise, indent: indent)
        case .forList(let key, let value, let collection, let result, let condition):
            return "[for " + forHead(key, value, collection) + " : " + render(result, indent: indent) + forFilter(condition) + "]"
        case .forObject(let key, let value, let collection, let resultKey, let resultValue, let condition):
            return "{ for " + forHead(key, value, collection) + " : " + singleLine(resultKey, "a for key")
                + " => " + afterWord(render(resultValue, indent: indent)) + forFilter(condition) + " }"
        }
    }

    /// Arguments after the opening `(`: inline when they fit on one line; a
    /// multi-line last argument hugs the call (`merge(var.tags, {` … `})`);
    /// otherwise one argument per line.
    static func renderArguments(_ arguments: [HCLExpression], indent: Int, closing: String) -> String {
        let inline = arguments.map { render($0, indent: indent) }
        let multiLine = inline.map { $0.contains("\n") }
        if !multiLine.contains(true) {
            return inline.joined(separator: ", ") + closing
        }
        if !multiLine.dropLast().contains(true), let last = arguments.last, opensAndClosesOwnLines(last) {
            return inline.joined(separator: ", ") + closing
        }
        let inner = spaces(indent + 1)
        return "\n" + arguments.map { inner + render($0, indent: indent + 1) }.joined(separator: ",\n")
            + "\n" + spaces(indent) + closing
    }

    static func renderList(_ elements: [HCLExpression], indent: Int) -> String {
        if elements.isEmpty { return "[]" }
        let inline = elements.map { render($0, indent: indent) }
        let structured = elements.contains { element in
            switch element {
            case .list(let items): !items.isEmpty
            case .object(let items): !items.isEmpty
            default: false
            }
        }
        let oneLine = "[" + inline.joined(separator: ", ") + "]"
        if !structured, !inline.contains(where: { $0.contains("\n") }), oneLine.count <= maximumInlineListLength {
            return oneLine
        }
        let inner = spaces(indent + 1)
        return "[\n" + elements.map { inner + render($0, indent: indent + 1) + ",\n" }.joined() + spaces(indent) + "]"
    }

    static func renderObject(_ items: [HCLExpression.ObjectItem], indent: Int) -> String {
        if items.isEmpty { return "{}" }
        var out = "{\n"
        writeAligned(items.map { (objectKey($0.key), render($0.value, indent: indent + 1)) }, indent: indent + 1, into: &out)
        return out + spaces(indent) + "}"
    }

    static func renderTemplate(_ parts: [HCLExpression.TemplatePart]) -> String {
        // Merge neighbouring literals so escaping sees whole runs of text.
        var merged: [HCLExpression.TemplatePart] = []
        for part in parts {
            if case .literal(let text) = part, case .literal(let previous) = merged.last {
                merged[merged.count - 1] = .literal(previous + text)
            } else if part != .literal("") {
                merged.append(part)
            }
        }
        if merged.count == 1, case .interpolation(let expression) = merged[0] {
            return render(expression, indent: 0)
        }
        var out = "\""
        for (index, part) in merged.enumerated() {
            switch part {
            case .literal(var text):
                // `$` right before `${` would read as the escape `$${`: move the
                // run of dollars into an interpolated string literal.
                var dollars = ""
                if index + 1 < merged.count {
                    while text.hasSuffix("$") {
                        text.removeLast()
                        dollars += "$"
                    }
                }
                out += escaped(text)
                if !dollars.isEmpty { out += "${\"\(dollars)\"}" }
            case .interpolation(let expression):
                out += "${" + afterWord(singleLine(expression, "an interpolation")) + "}"
            }
        }
        return out + "\""
    }

    static func forHead(_ key: String?, _ value: String, _ collection: HCLExpression) -> String {
        precondition(key.map(isIdentifier) ?? true && isIdentifier(value), "for-expression variables must be identifiers")
        return (key.map { "\($0), " } ?? "") + value + " in " + afterWord(singleLine(collection, "a for collection"))
    }

    static func forFilter(_ condition: HCLExpression?) -> String {
        condition.map { " if " + afterWord(singleLine($0, "a for condition")) } ?? ""
    }

    /// `terraform fmt` reads a `-` as negation (no space after it) only after an
    /// opening bracket, `=`, `:`, `,`, `?` or an operator; after `${`, `=>`, `in`
    /// and `if` it takes it for subtraction and puts a space after it. So do we.
    static func afterWord(_ text: String) -> String {
        text.hasPrefix("-") ? "- " + text.dropFirst() : text
    }

    /// Renders an expression that must fit on one line (HCL would indent a line
    /// that closes and reopens brackets differently from what we print).
    static func singleLine(_ expression: HCLExpression, _ role: String) -> String {
        let text = render(expression, indent: 0)
        precondition(!text.contains("\n"), "HCL \(role) must fit on one line: \(text)")
        return text
    }

    /// The base of an index or attribute access, parenthesized when it is an
    /// operation (and, before `[`, when it is a string: `terraform fmt` would put a
    /// space between a closing quote and the bracket).
    static func operand(_ expression: HCLExpression, indent: Int, indexed: Bool = false) -> String {
        switch expression {
        case .binary, .unary, .conditional: "(" + singleLine(expression, "an operand") + ")"
        case .string, .template where indexed: "(" + singleLine(expression, "an operand") + ")"
        default: singleLine(expression, "an operand")
        }
    }

    static func needsParentheses(_ operand: HCLExpression, under parent: HCLExpression.BinaryOperator, right: Bool) -> Bool {
        switch operand {
        case .conditional: true
        case .binary(let op, _, _): right ? op.precedence <= parent.precedence : op.precedence < parent.precedence
        default: false
        }
    }

    static func isConditional(_ expression: HCLExpression) -> Bool {
        if case .conditional = expression { return true }
        return false
    }

    static func parenthesized(_ text: String, if condition: Bool) -> String {
        condition ? "(" + text + ")" : text
    }

    /// True for expressions whose multi-line form opens on its first line and
    /// closes on its last, so it can hug the call around it.
    static func opensAndClosesOwnLines(_ expression: HCLExpression) -> Bool {
        switch expression {
        case .list, .object, .call, .forList, .forObject: true
        default: false
        }
    }

    // MARK: Tokens

    static func spaces(_ indent: Int) -> String { String(repeating: "  ", count: indent) }

    /// HCL identifiers: a letter or `_`, then letters, digits, `_` and `-`.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// `name(.name|[digits]|[*])*`, e.g. `var.region`, `module.cluster.id`, `aws_x.y[0].id`.
    static func isReferencePath(_ path: String) -> Bool {
        var rest = Substring(path)
        func identifier() -> Bool {
            let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            guard isIdentifier(String(name)) else { return false }
            rest = rest.dropFirst(name.count)
            return true
        }
        guard identifier() else { return false }
        while let next = rest.first {
            if next == "." {
                rest = rest.dropFirst()
                guard identifier() else { return false }
            } else if next == "[" {
                let inside = rest.dropFirst().prefix { $0 != "]" }
                guard inside == "*" || (!inside.isEmpty && inside.allSatisfy { $0.isASCII && $0.isNumber }),
                      rest.dropFirst(inside.count + 1).first == "]" else { return false }
                rest = rest.dropFirst(inside.count + 2)
            } else {
                return false
            }
        }
        return true
    }

    static let keywords: Set<String> = ["true", "false", "null", "for", "in", "if", "endif", "endfor", "else"]

    /// An object key: bare when it is an identifier and not a keyword, quoted otherwise.
    static func objectKey(_ key: String) -> String {
        isIdentifier(key) && !keywords.contains(key) ? key : quoted(key)
    }

    static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }

    /// Escapes literal text for a quoted HCL string: backslash escapes, and `${`
    /// and `%{` doubled so they stay literal.
    static func escaped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "{" where previous == "$" || previous == "%":
                out.append(previous!)
                out.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
            previous = scalar
        }
        return String(out)
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
