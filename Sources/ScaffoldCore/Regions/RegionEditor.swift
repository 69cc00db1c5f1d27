public import BlueprintModel
import Foundation

/// Adds one region at the end of a blueprint's `regions:`, as text.
///
/// Like ``PinsEditor``, the edit is minimal so a review shows only the new region:
/// every other byte stays (comments, key order, blank lines, line endings). The new
/// entry copies the layout of the last region: a block or flow sequence, a block or
/// flow mapping, its indentation, its key order and the style of its `environments`
/// list. Positions come from the loader's located tree, not from patterns. The result
/// is parsed back and must equal the old tree plus the new region; otherwise the
/// edit is refused and the file is left to be edited by hand.
public enum RegionEditor {
    /// The region to add, as it will be written.
    public struct NewRegion: Sendable, Equatable {
        public var id: String
        public var country: String
        public var cloud: String
        public var location: String?
        public var residency: String
        public var environments: [String]

        public init(id: String, country: String, cloud: String, location: String?, residency: String, environments: [String]) {
            self.id = id
            self.country = country
            self.cloud = cloud
            self.location = location
            self.residency = residency
            self.environments = environments
        }

        /// The keys in the order the schema lists them.
        static let canonicalKeys = ["id", "country", "cloud", "location", "residency", "environments"]

        func value(_ key: String) -> RegionValue? {
            switch key {
            case "id": .scalar(id)
            case "country": .scalar(country)
            case "cloud": .scalar(cloud)
            case "location": location.map(RegionValue.scalar)
            case "residency": .scalar(residency)
            case "environments": .list(environments)
            default: nil
            }
        }
    }

    enum RegionValue {
        case scalar(String)
        case list([String])
    }

    /// The text with `region` appended to `regions:`. Throws a located diagnostic when the
    /// id is taken or the file's layout cannot be edited in place.
    public static func adding(_ region: NewRegion, to text: String, file: String) throws(DiagnosticsError) -> String {
        let root = try SourceNode.parse(text, file: file)
        guard let entry = root.entry("regions") else {
            throw DiagnosticsError([.error("\(file) has no `regions:`", at: root.location, hint: "add the first region by hand")])
        }
        let items = entry.value.items
        guard let last = items.last else {
            throw DiagnosticsError([.error("`regions` is not a list of regions", at: entry.value.location, hint: "add the region by hand")])
        }
        if let existing = items.first(where: { $0["id"]?.string == region.id }) {
            throw DiagnosticsError([.error("region `\(region.id)` already exists",
                                           at: existing["id"]?.location ?? existing.location, hint: "choose another id")])
        }
        let keys = keyOrder(following: last.entries.map(\.key))
        var lines = PinsEditor.lines(of: text)
        let edited: String?
        if character(at: entry.value.location, in: lines) == "[" {
            edited = insertIntoFlowSequence(region, keys: keys, sequence: entry.value, text: text, lines: lines)
        } else {
            let nextKeyLine = root.entries.first { $0.keyLocation.line > entry.keyLocation.line }?.keyLocation.line
            edited = insertIntoBlockSequence(region, keys: keys, last: last, nextKeyLine: nextKeyLine, lines: &lines)
        }
        guard let edited, let reread = try? SourceNode.parse(edited, file: file),
              shape(reread) == shape(root, appendingRegion: region, keys: keys)
        else {
            throw DiagnosticsError([.error("cannot add a region to this layout of `regions:` in place", at: entry.keyLocation,
                                           hint: "add region `\(region.id)` by hand; `scaffold validate` then checks it")])
        }
        return edited
    }

    /// The new region's keys: those the last region has, in its order, with each other
    /// key placed after the last of the keys the schema lists before it.
    static func keyOrder(following existing: [String]) -> [String] {
        var order = existing.filter { NewRegion.canonicalKeys.contains($0) }
        for (index, key) in NewRegion.canonicalKeys.enumerated() where !order.contains(key) {
            let position = NewRegion.canonicalKeys[..<index].compactMap { order.firstIndex(of: $0) }.max().map { $0 + 1 } ?? 0
            order.insert(key, at: position)
        }
        return order
    }

    // MARK: Block style

    static func insertIntoBlockSequence(_ region: NewRegion, keys: [String], last: SourceNode, nextKeyLine: Int?,
                                        lines: inout [PinsEditor.Line]) -> String? {
        let itemLine = last.location.line - 1
        guard itemLine >= 0, itemLine < lines.count else { return nil }
        let dashLine = Array(lines[itemLine].text)
        let dashIndent = dashLine.prefix { $0 == " " }.count
        guard dashIndent < dashLine.count, dashLine[dashIndent] == "-" else { return nil }
        let keyColumn = last.location.column - 1
        guard keyColumn > dashIndent else { return nil }

        // The last region ends at its last line indented deeper than its dash (comments
        // included); blank lines and shallower comments after it stay where they are.
        var end = itemLine
        let bound = min((nextKeyLine ?? lines.count + 1) - 1, lines.count)
        for index in (itemLine + 1)..<max(itemLine + 1, bound) {
            let text = lines[index].text
            let indent = text.prefix { $0 == " " }.count
            if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if indent > dashIndent { end = index } else if !text.dropFirst(indent).hasPrefix("#") { break }
        }

        let dash = String(repeating: " ", count: dashIndent) + "-" + String(repeating: " ", count: keyColumn - dashIndent - 1)
        let indent = String(repeating: " ", count: keyColumn)
        var new: [String] = []
        if character(at: last.location, in: lines) == "{" {
            new = [dash + flowMapping(region, keys: keys)]
        } else {
            let environments = last["environments"]
            let flowList = environments.map { character(at: $0.location, in: lines) == "[" } ?? true
            // A block list's items: where the last region put its own.
            var itemPrefix = indent + "  - "
            if let first = environments?.items.first, first.location.line - 1 < lines.count, !flowList {
                let line = Array(lines[first.location.line - 1].text)
                let column = first.location.column - 1
                if column <= line.count, let dashAt = line[..<column].lastIndex(of: "-") {
                    itemPrefix = String(repeating: " ", count: dashAt) + "-" + String(repeating: " ", count: column - dashAt - 1)
                }
            }
            for (index, key) in keys.enumerated() {
                guard let value = region.value(key) else { continue }
                let lead = index == 0 ? dash : indent
                switch value {
                case .scalar(let text):
                    new.append("\(lead)\(key): \(scalar(text))")
                case .list(let values) where flowList:
                    new.append("\(lead)\(key): [\(values.map(scalar).joined(separator: ", "))]")
                case .list(let values):
                    new.append("\(lead)\(key):")
                    new += values.map { itemPrefix + scalar($0) }
                }
            }
        }
        insert(new, after: end, into: &lines)
        return lines.map { $0.text + $0.end }.joined()
    }

    /// Inserts lines after line `index`, ending each the way that line ends (a CRLF
    /// file stays CRLF); after a last line without a break, that line gets one.
    static func insert(_ new: [String], after index: Int, into lines: inout [PinsEditor.Line]) {
        let style = lines[index].end.isEmpty ? "\n" : lines[index].end
        var added = new.map { PinsEditor.Line(text: $0, end: style) }
        if lines[index].end.isEmpty {
            lines[index].end = style
            added[added.count - 1].end = ""
        }
        lines.insert(contentsOf: added, at: index + 1)
    }

    // MARK: Flow style

    /// `regions: [{…}, {…}]`: the new mapping goes before the closing bracket, on its own
    /// line when the last region is on a line of its own.
    static func insertIntoFlowSequence(_ region: NewRegion, keys: [String], sequence: SourceNode, text: String, lines: [PinsEditor.Line]) -> String? {
        let characters = Array(text)
        guard let open = offset(of: sequence.location, in: lines), open < characters.count, characters[open] == "[",
              let close = matchingBracket(in: characters, from: open),
              let last = sequence.items.last
        else { return nil }
        // The end of the last item: the last character before `]` that is not blank or a comment.
        var end = close
        var index = open + 1
        var quote: Character?
        var inComment = false
        while index < close {
            let character = characters[index]
            if inComment {
                if character.isNewline { inComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
                end = index + 1
            } else if character == "\"" || character == "'" {
                quote = character
                end = index + 1
            } else if character == "#", index > 0, characters[index - 1].isWhitespace {
                inComment = true
            } else if !character.isWhitespace {
                end = index + 1
            }
            index += 1
        }
        let item = flowMapping(region, keys: keys)
        var result = characters
        if last.location.line == sequence.location.line {
            result.insert(contentsOf: Array(", " + item), at: end)
            return String(result)
        }
        // One region per line: the new one on a line of its own, indented like the last,
        // after the last one's comment (which stays with it).
        let lineIndex = last.location.line - 1
        let newline = lines[lineIndex].end.isEmpty ? "\n" : lines[lineIndex].end
        let indent = String(lines[lineIndex].text.prefix { $0 == " " })
        let lineEnd = characters[end...].firstIndex { $0.isNewline } ?? characters.count
        if close < lineEnd {
            result.insert(contentsOf: Array("," + newline + indent + item), at: end)
        } else {
            result.insert(contentsOf: Array(newline + indent + item), at: lineEnd)
            result.insert(",", at: end)
        }
        return String(result)
    }

    static func matchingBracket(in characters: [Character], from open: Int) -> Int? {
        var depth = 0
        var quote: Character?
        var inComment = false
        var index = open
        while index < characters.count {
            let character = characters[index]
            if inComment {
                if character.isNewline { inComment = false }
            } else if let open = quote {
                if character == "\\", open == "\"" { index += 1 } else if character == open { quote = nil }
            } else {
                switch character {
                case "\"", "'": quote = character
                case "#" where index > 0 && characters[index - 1].isWhitespace: inComment = true
                case "[", "{": depth += 1
                case "]", "}":
                    depth -= 1
                    if depth == 0 { return character == "]" ? index : nil }
                default: break
                }
            }
            index += 1
        }
        return nil
    }

    static func flowMapping(_ region: NewRegion, keys: [String]) -> String {
        let pairs = keys.compactMap { key -> String? in
            switch region.value(key) {
            case .scalar(let text): "\(key): \(scalar(text))"
            case .list(let values): "\(key): [\(values.map(scalar).joined(separator: ", "))]"
            case nil: nil
            }
        }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    // MARK: Text

    /// A plain scalar when YAML reads it back as the same string in every reader
    /// (including YAML 1.1's booleans such as `NO`, Norway's code), else double-quoted.
    static func scalar(_ text: String) -> String {
        let plain = text.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } ?? false
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._/".contains($0)) }
        let special = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"].contains(text.lowercased())
            || Double(text) != nil || Int(text) != nil
        if plain, !special { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029:
                quoted += String(format: "\\u%04X", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// The character a location points at.
    static func character(at location: SourceLocation, in lines: [PinsEditor.Line]) -> Character? {
        guard location.line >= 1, location.line <= lines.count else { return nil }
        let line = Array(lines[location.line - 1].text)
        return location.column >= 1 && location.column <= line.count ? line[location.column - 1] : nil
    }

    /// The offset in the text's characters of a location.
    static func offset(of location: SourceLocation, in lines: [PinsEditor.Line]) -> Int? {
        guard location.line >= 1, location.line <= lines.count else { return nil }
        var offset = 0
        for line in lines[..<(location.line - 1)] {
            offset += line.text.count + line.end.count
        }
        return offset + location.column - 1
    }

    // MARK: Checking the edit

    /// The tree without positions or quoting: what must be equal after the edit.
    indirect enum Shape: Equatable {
        case scalar(String)
        case mapping([String], [Shape])
        case sequence([Shape])
        case null
    }

    static func shape(_ node: SourceNode) -> Shape {
        switch node.value {
        case .scalar(let text, _): .scalar(text)
        case .mapping(let entries): .mapping(entries.map(\.key), entries.map { shape($0.value) })
        case .sequence(let items): .sequence(items.map(shape))
        case .null: .null
        }
    }

    static func shape(_ root: SourceNode, appendingRegion region: NewRegion, keys: [String]) -> Shape {
        guard case .mapping(let entries) = root.value else { return shape(root) }
        return .mapping(entries.map(\.key), entries.map { entry in
            guard entry.key == "regions", case .sequence(let items) = shape(entry.value) else { return shape(entry.value) }
            let present = keys.filter { region.value($0) != nil }
            let added = Shape.mapping(present, present.map { key in
                switch region.value(key)! {
                case .scalar(let text): .scalar(text)
                case .list(let values): .sequence(values.map(Shape.scalar))
                }
            })
            return .sequence(items + [added])
        })
    }
}
