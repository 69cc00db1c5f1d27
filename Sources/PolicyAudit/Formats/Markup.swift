/// An XML or HTML tree: elements with ordered attributes, text, and (inside `style`
/// and `script` only) raw text. One printer escapes everything, so no report can be
/// broken by a name or message containing `<`, `&` or quotes.
public indirect enum Markup: Sendable, Equatable {
    case element(String, attributes: [Attribute], children: [Markup])
    case text(String)
    /// Unescaped text for `<style>`/`<script>` bodies (must not contain `</`).
    case rawText(String)

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// An element; attributes in the order given.
    public static func el(_ name: String, _ attributes: [(String, String)] = [], _ children: [Markup] = []) -> Markup {
        .element(name, attributes: attributes.map { Attribute($0.0, $0.1) }, children: children)
    }

    /// An element holding only text.
    public static func el(_ name: String, _ attributes: [(String, String)] = [], text: String) -> Markup {
        .el(name, attributes, [.text(text)])
    }
}

/// Prints ``Markup`` as XML or HTML.
public enum MarkupPrinter {
    public enum Dialect: Sendable { case xml, html }

    static let voidElements: Set<String> = ["meta", "br", "hr", "img", "link", "input", "col"]
    /// Elements whose content is printed on one line.
    static let inlineElements: Set<String> = [
        "a", "b", "code", "em", "span", "strong", "td", "th", "li", "summary", "title", "h1", "h2", "h3", "p", "dt", "dd",
        "option", "label", "button", "failure", "skipped", "system-out", "property",
    ]

    public static func print(_ root: Markup, dialect: Dialect) -> String {
        var out = dialect == .xml ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : "<!DOCTYPE html>\n"
        write(root, dialect: dialect, depth: 0, into: &out)
        return out
    }

    static func write(_ node: Markup, dialect: Dialect, depth: Int, into out: inout String) {
        let indent = String(repeating: "  ", count: depth)
        switch node {
        case .text(let text):
            out += indent + escape(text, attribute: false) + "\n"
        case .rawText(let text):
            precondition(!text.contains("</"), "raw text must not contain `</`")
            out += text.hasSuffix("\n") ? text : text + "\n"
        case .element(let name, let attributes, let children):
            out += indent + openTag(name, attributes)
            if children.isEmpty {
                if dialect == .html && voidElements.contains(name) {
                    out += "\n"
                } else if dialect == .xml {
                    out.removeLast()
                    out += "/>\n"
                } else {
                    out += "</\(name)>\n"
                }
                return
            }
            if inlineElements.contains(name) || (children.count == 1 && isText(children[0])) {
                for child in children { inline(child, dialect: dialect, into: &out) }
                out += "</\(name)>\n"
                return
            }
            out += "\n"
            for child in children { write(child, dialect: dialect, depth: depth + 1, into: &out) }
            out += indent + "</\(name)>\n"
        }
    }

    static func inline(_ node: Markup, dialect: Dialect, into out: inout String) {
        switch node {
        case .text(let text):
            out += escape(text, attribute: false)
        case .rawText(let text):
            out += text
        case .element(let name, let attributes, let children):
            out += openTag(name, attributes)
            if children.isEmpty {
                if dialect == .html && voidElements.contains(name) { return }
                if dialect == .xml {
                    out.removeLast()
                    out += "/>"
                    return
                }
            }
            for child in children { inline(child, dialect: dialect, into: &out) }
            out += "</\(name)>"
        }
    }

    static func isText(_ node: Markup) -> Bool {
        if case .text = node { return true }
        return false
    }

    static func openTag(_ name: String, _ attributes: [Markup.Attribute]) -> String {
        var tag = "<\(name)"
        for attribute in attributes { tag += " \(attribute.name)=\"\(escape(attribute.value, attribute: true))\"" }
        return tag + ">"
    }

    /// Escapes text for XML 1.0 and HTML: markup characters, and control characters XML
    /// cannot carry are replaced.
    public static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value): out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
