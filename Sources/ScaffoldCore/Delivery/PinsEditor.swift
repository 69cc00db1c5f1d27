import BlueprintModel
import Foundation
import Renderer

/// Rewrites one pin in the machine-owned pins file.
///
/// The edit is textual and minimal, so a pull request shows a one-line diff:
/// the value on the `    <entry>: sha256:…` line under `  <service>:` is
/// replaced (comments and order stay), or a line is added when the entry is
/// new. The result is read back and compared with the intended pins; if the
/// file's layout defeated the line edit, the whole file is printed canonically
/// instead (header comments kept, services and entries in their previous order).
public enum PinsEditor {
    /// The pins file text with `service`'s `entry` (`environment` or
    /// `environment/region`) set to `digest`.
    public static func setting(_ digest: String, service: String, entry: String, in text: String) throws -> String {
        let before = try parse(text)
        var expected = before
        expected.set(service: service, entry: entry, digest: digest)
        if let edited = lineEdit(text, service: service, entry: entry, digest: digest),
           (try? parse(edited)) == expected {
            return edited
        }
        return canonical(expected, header: headerComments(of: text))
    }

    /// Pins as ordered (service → ordered entries) for comparison and printing.
    struct OrderedPins: Equatable {
        var services: [(name: String, entries: [(name: String, digest: String)])] = []

        static func == (lhs: OrderedPins, rhs: OrderedPins) -> Bool {
            lhs.services.count == rhs.services.count && zip(lhs.services, rhs.services).allSatisfy { left, right in
                left.name == right.name && left.entries.count == right.entries.count
                    && zip(left.entries, right.entries).allSatisfy { $0.name == $1.name && $0.digest == $1.digest }
            }
        }

        mutating func set(service: String, entry: String, digest: String) {
            if let index = services.firstIndex(where: { $0.name == service }) {
                if let position = services[index].entries.firstIndex(where: { $0.name == entry }) {
                    services[index].entries[position].digest = digest
                } else {
                    services[index].entries.append((entry, digest))
                }
            } else {
                services.append((service, [(entry, digest)]))
            }
        }
    }

    /// Reads pins with the loader's own reader (its limits and its rules: plain string
    /// keys, no duplicates), so the editor accepts and writes exactly what `validate`
    /// and `generate` will read back. (It used Yams directly: a complex `? key` the
    /// loader refuses was edited into a file the loader could not read; found by fuzzing.)
    static func parse(_ text: String) throws -> OrderedPins {
        let root = try SourceNode.parse(text, file: "<pins file>")
        var result = OrderedPins()
        guard let pins = root["pins"] else { return result }
        for service in pins.entries {
            result.services.append((service.key, service.value.entries.map { ($0.key, $0.value.string ?? "") }))
        }
        return result
    }

    /// One line of the file and the break that ends it ("" for the last), so an edit
    /// keeps every line ending as it was (LF, CRLF, CR or a Unicode break).
    struct Line {
        var text: String
        var end: String
    }

    /// Splits at YAML's line breaks (LF, CR, CRLF, and NEL/LS/PS as libyaml reads them).
    /// Splitting at "\n" alone missed them twice over: a Swift `Character` holds CRLF as
    /// one grapheme, so a CRLF file was one "line"; and a CR inserted before an LF merged
    /// two lines into one (found by fuzzing: the same edit twice was not a fixed point).
    static func lines(of text: String) -> [Line] {
        var lines: [Line] = []
        var current = ""
        for character in text {
            switch character {
            case "\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(Line(text: current, end: String(character)))
                current = ""
            default:
                current.append(character)
            }
        }
        lines.append(Line(text: current, end: ""))
        return lines
    }

    /// Replaces or inserts one line; nil when the layout is not the canonical block style.
    static func lineEdit(_ text: String, service: String, entry: String, digest: String) -> String? {
        var file = lines(of: text)
        func insert(_ new: [String], at position: Int) {
            // New lines end the way the line before them does (a CRLF file stays CRLF).
            let style = position > 0 && !file[position - 1].end.isEmpty ? file[position - 1].end : "\n"
            var added = new.map { Line(text: $0, end: style) }
            if position == file.count, position > 0 {
                // After the last line, which had no break: it gets one, the new last line none.
                added[added.count - 1].end = file[position - 1].end
                file[position - 1].end = "\n"
            }
            file.insert(contentsOf: added, at: position)
        }
        func joined() -> String { file.map { $0.text + $0.end }.joined() }
        func key(of line: String, indent: Int) -> String? {
            guard line.hasPrefix(String(repeating: " ", count: indent)) else { return nil }
            let rest = line.dropFirst(indent)
            guard let first = rest.first, first != " ", first != "#", let colon = rest.firstIndex(of: ":") else { return nil }
            var name = String(rest[..<colon])
            if name.count >= 2, let quote = name.first, quote == "\"" || quote == "'", name.last == quote {
                name = String(name.dropFirst().dropLast())
            }
            return name
        }
        func isBlankOrComment(_ line: String) -> Bool {
            line.trimmingCharacters(in: .whitespaces).isEmpty || line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
        }
        guard let pinsLine = file.firstIndex(where: { $0.text == "pins:" || $0.text.hasPrefix("pins: #") || $0.text.hasPrefix("pins:  #") })
        else { return nil }
        var end = pinsLine + 1
        while end < file.count, isBlankOrComment(file[end].text) || file[end].text.hasPrefix(" ") { end += 1 }
        // Trailing blank lines belong to the file, not the block.
        while end > pinsLine + 1, file[end - 1].text.trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }

        var serviceLine: Int?
        for index in (pinsLine + 1)..<end where key(of: file[index].text, indent: 2) == service {
            serviceLine = index
        }
        guard let serviceLine else {
            insert(["  \(service):", "    \(entry): \(digest)"], at: end)
            return joined()
        }
        var lastEntry = serviceLine
        var index = serviceLine + 1
        while index < end, isBlankOrComment(file[index].text) || file[index].text.hasPrefix("    ") {
            if let name = key(of: file[index].text, indent: 4) {
                if name == entry {
                    let line = file[index].text
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    let afterColon = line[line.index(after: colon)...]
                    let valueStart = afterColon.firstIndex { $0 != " " } ?? afterColon.endIndex
                    let valueEnd = afterColon[valueStart...].firstIndex(of: " ") ?? afterColon.endIndex
                    file[index].text = String(line[...colon]) + " " + digest + String(afterColon[valueEnd...])
                    return joined()
                }
                lastEntry = index
            }
            index += 1
        }
        insert(["    \(entry): \(digest)"], at: lastEntry + 1)
        return joined()
    }

    static func headerComments(of text: String) -> [String] {
        var header: [String] = []
        // YAML breaks lines at CR and NEL/LS/PS too: a comment "line" split only at LF
        // could carry content past a CR into the rewritten header (found by fuzzing).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            guard line.hasPrefix("#") else { break }
            header.append(line.dropFirst().trimmingCharacters(in: .whitespaces))
        }
        return header
    }

    static func canonical(_ pins: OrderedPins, header: [String]) -> String {
        let node = YAMLNode.map([
            ("apiVersion", "scaffold.dev/v1"),
            ("kind", "Pins"),
            ("pins", .mapping(pins.services.map { service in
                YAMLNode.Pair(service.name, .mapping(service.entries.map { YAMLNode.Pair($0.name, .string($0.digest)) }))
            })),
        ])
        var out = ""
        for line in header { out += line.isEmpty ? "#\n" : "# \(line)\n" }
        return out + YAMLPrinter.print(node)
    }
}
