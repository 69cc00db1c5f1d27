import Foundation

/// A token of PostgreSQL text, enough to read the statements the migrations contain:
/// words, quoted identifiers, string literals, dollar-quoted bodies, numbers and symbols.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A key word or unquoted identifier (kept as written; compare with ``upper``).
        case word
        /// `"name"`: the text without quotes.
        case quotedIdentifier
        /// `'text'`: the text without quotes, doubled quotes undone.
        case string
        /// `$tag$ … $tag$`: the body.
        case dollarString
        case number
        /// Operators and punctuation: `(`, `)`, `,`, `;`, `.`, `=`, `::`, `<>` …
        case symbol
    }

    var kind: Kind
    var text: String
    /// 1-based line of the token's first character.
    var line: Int

    var upper: String { kind == .word ? text.uppercased() : text }

    func isWord(_ word: String) -> Bool { kind == .word && text.uppercased() == word }
    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// The token as it would be written back: key words upper case, plain names lower
    /// case, quotes only where a name needs them.
    var written: String {
        switch kind {
        case .word:
            SQLTokenizer.keywords.contains(text.uppercased()) ? text.uppercased() : text.lowercased()
        case .quotedIdentifier:
            SQLTokenizer.isPlainIdentifier(text) ? text : "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\""
        case .string:
            "'\(text.replacingOccurrences(of: "'", with: "''"))'"
        case .dollarString:
            "$$\(text)$$"
        case .number, .symbol:
            text
        }
    }
}

/// Splits PostgreSQL text into tokens and statements. Comments are dropped.
enum SQLTokenizer {
    struct SyntaxError: Error, Sendable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// Key words written upper case when an expression is normalised.
    static let keywords: Set<String> = [
        "AND", "OR", "NOT", "NULL", "IS", "IN", "EXISTS", "SELECT", "FROM", "WHERE", "AS", "TRUE", "FALSE", "BETWEEN",
        "LIKE", "ILIKE", "SIMILAR", "TO", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "ANY", "ALL", "SOME",
    ]

    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return !keywords.contains(text.uppercased())
            && text.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    static func tokens(_ text: String) throws(SyntaxError) -> [SQLToken] {
        let chars = Array(text.unicodeScalars)
        var tokens: [SQLToken] = []
        var index = 0
        var line = 1
        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < chars.count ? chars[index + offset] : nil
        }
        func advance() {
            if chars[index] == "\n" { line += 1 }
            index += 1
        }
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || isDigit(c) || c == "$" }

        while let c = peek() {
            let startLine = line
            if c.properties.isWhitespace {
                advance()
            } else if c == "-", peek(1) == "-" {
                while let d = peek(), d != "\n" { advance() }
            } else if c == "/", peek(1) == "*" {
                var depth = 0
                repeat {
                    if peek() == "/", peek(1) == "*" {
                        depth += 1
                        advance(); advance()
                    } else if peek() == "*", peek(1) == "/" {
                        depth -= 1
                        advance(); advance()
                    } else if peek() == nil {
                        throw SyntaxError(line: startLine, message: "unterminated comment")
                    } else {
                        advance()
                    }
                } while depth > 0
            } else if c == "'" || ((c == "E" || c == "e") && peek(1) == "'") {
                if c != "'" { advance() }
                advance()
                var value = ""
                while true {
                    guard let d = peek() else { throw SyntaxError(line: startLine, message: "unterminated string literal") }
                    advance()
                    if d == "'" {
                        if peek() == "'" {
                            value.unicodeScalars.append("'")
                            advance()
                        } else {
                            break
                        }
                    } else {
                        value.unicodeScalars.append(d)
                    }
                }
                tokens.append(SQLToken(kind: .string, text: value, line: startLine))
            } else if c == "\"" {
                advance()
                var value = ""
                while true {
                    guard let d = peek() else { throw SyntaxError(line: startLine, message: "unterminated quoted identifier") }
                    advance()
                    if d == "\"" {
                        if peek() == "\"" {
                            value.unicodeScalars.append("\"")
                            advance()
                        } else {
                            break
                        }
                    } else {
                        value.unicodeScalars.append(d)
                    }
                }
                tokens.append(SQLToken(kind: .quotedIdentifier, text: value, line: startLine))
            } else if c == "$", let tag = dollarTag(chars, at: index) {
                let tagScalars = Array(tag.unicodeScalars)
                for _ in 0..<tagScalars.count { advance() }
                var body = ""
                while true {
                    guard peek() != nil else { throw SyntaxError(line: startLine, message: "unterminated \(tag) quoted text") }
                    if index + tagScalars.count <= chars.count, Array(chars[index..<index + tagScalars.count]) == tagScalars {
                        for _ in 0..<tagScalars.count { advance() }
                        break
                    }
                    body.unicodeScalars.append(chars[index])
                    advance()
                }
                tokens.append(SQLToken(kind: .dollarString, text: body, line: startLine))
            } else if isWordStart(c) {
                var value = ""
                while let d = peek(), isWordPart(d) {
                    value.unicodeScalars.append(d)
                    advance()
                }
                tokens.append(SQLToken(kind: .word, text: value, line: startLine))
            } else if isDigit(c) {
                var value = ""
                while let d = peek(), isDigit(d) || d == "." {
                    value.unicodeScalars.append(d)
                    advance()
                }
                tokens.append(SQLToken(kind: .number, text: value, line: startLine))
            } else {
                let pairs = ["::", "<>", "!=", "<=", ">=", "!~", "~*", "||"]
                if let next = peek(1), pairs.contains(String(c) + String(next)) {
                    advance(); advance()
                    tokens.append(SQLToken(kind: .symbol, text: String(c) + String(next), line: startLine))
                } else {
                    advance()
                    tokens.append(SQLToken(kind: .symbol, text: String(c), line: startLine))
                }
            }
        }
        return tokens
    }

    /// `$$` or `$tag$` starting at `index`, if one does.
    static func dollarTag(_ chars: [Unicode.Scalar], at index: Int) -> String? {
        var end = index + 1
        while end < chars.count, chars[end] != "$" {
            let c = chars[end]
            let digit = c.value >= 48 && c.value <= 57
            guard c == "_" || c.properties.isAlphabetic || (end > index + 1 && digit) else { return nil }
            end += 1
        }
        guard end < chars.count else { return nil }
        var tag = ""
        for scalar in chars[index...end] { tag.unicodeScalars.append(scalar) }
        return tag
    }

    /// Statements: token runs ended by `;` (dollar bodies and strings are single tokens,
    /// so a `;` inside them does not end a statement).
    static func statements(_ text: String) throws(SyntaxError) -> [[SQLToken]] {
        var statements: [[SQLToken]] = []
        var current: [SQLToken] = []
        for token in try tokens(text) {
            if token.isSymbol(";") {
                if !current.isEmpty { statements.append(current) }
                current = []
            } else {
                current.append(token)
            }
        }
        if !current.isEmpty { statements.append(current) }
        return statements
    }

    /// Tokens written back with single spaces, upper-case key words, lower-case plain
    /// names and unnecessary quotes removed: the same expression always reads the same.
    static func normalized(_ tokens: ArraySlice<SQLToken>) -> String {
        var out = ""
        var previous: SQLToken?
        for token in tokens {
            if let previous, needsSpace(previous, token) { out += " " }
            out += token.written
            previous = token
        }
        return out
    }

    static func needsSpace(_ a: SQLToken, _ b: SQLToken) -> Bool {
        if a.isSymbol("(") || a.isSymbol(".") || a.isSymbol("::") { return false }
        if b.isSymbol(")") || b.isSymbol(",") || b.isSymbol(".") || b.isSymbol("::") { return false }
        if b.isSymbol("("), a.kind == .word || a.kind == .quotedIdentifier {
            return keywords.contains(a.upper)
        }
        return true
    }
}
