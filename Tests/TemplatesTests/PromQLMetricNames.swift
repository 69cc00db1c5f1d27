/// The metric names a PromQL expression selects: every identifier that is not a function or
/// aggregation (followed by `(`), an operator keyword, or a label name (inside `{…}`, or the
/// list after `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`). String
/// literals, range and subquery brackets, numbers and durations are skipped.
/// Small on purpose: enough for the expressions scaffold writes, checked by its own tests.
enum PromQLMetricNames {
    static let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"]
    static let labelLists: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    static let aggregations: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
        "limitk", "limit_ratio",
    ]

    static func of(_ expr: String) -> [String] {
        let chars = Array(expr)
        var names: [String] = []
        var index = 0
        func isStart(_ c: Character) -> Bool { c.isLetter || c == "_" || c == ":" }
        func isPart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == ":" }
        /// Skips a quoted string starting at `index`.
        func skipString() {
            let quote = chars[index]
            index += 1
            while index < chars.count, chars[index] != quote {
                index += chars[index] == "\\" ? 2 : 1
            }
            index += 1
        }
        /// Skips from an opening bracket to its closing one, strings included.
        func skipBalanced(_ open: Character, _ close: Character) {
            var depth = 0
            while index < chars.count {
                let c = chars[index]
                if c == "\"" || c == "'" || c == "`" { skipString(); continue }
                if c == open { depth += 1 }
                if c == close { depth -= 1; if depth == 0 { index += 1; return } }
                index += 1
            }
        }
        func nextNonSpace(from position: Int) -> Int {
            var position = position
            while position < chars.count, chars[position].isWhitespace { position += 1 }
            return position
        }
        while index < chars.count {
            let c = chars[index]
            if c == "\"" || c == "'" || c == "`" {
                skipString()
            } else if c == "{" {
                skipBalanced("{", "}")
            } else if c == "[" {
                skipBalanced("[", "]")
            } else if c.isNumber || (c == "." && index + 1 < chars.count && chars[index + 1].isNumber) {
                while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "." { index += 1 }
            } else if isStart(c) {
                let start = index
                while index < chars.count, isPart(chars[index]) { index += 1 }
                let word = String(chars[start..<index])
                let next = nextNonSpace(from: index)
                let followedByParen = next < chars.count && chars[next] == "("
                if labelLists.contains(word) {
                    if followedByParen { index = next; skipBalanced("(", ")") }
                } else if keywords.contains(word) || aggregations.contains(word) || followedByParen {
                    continue
                } else if !names.contains(word) {
                    names.append(word)
                }
            } else {
                index += 1
            }
        }
        return names
    }
}
