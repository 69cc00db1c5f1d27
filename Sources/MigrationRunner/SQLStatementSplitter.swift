/// Cuts a SQL script into statements at the semicolons that lie outside string literals,
/// quoted identifiers, dollar-quoted bodies and comments.
///
/// PostgresNIO speaks only the extended query protocol, which runs one statement per
/// message, so a migration file is sent statement by statement (inside one transaction).
/// The lexical rules are PostgreSQL's: `'…'` with `''`, `E'…'` with backslash escapes,
/// `"…"` with `""`, `$tag$…$tag$`, `-- …` to end of line and nested `/* … */`.
/// SQL-standard function bodies (`BEGIN ATOMIC … END`) are not supported: write function
/// bodies dollar-quoted.
public enum SQLStatementSplitter {
    /// One statement of a script.
    public struct Statement: Sendable, Equatable {
        /// The statement's text without the terminating semicolon, surrounding whitespace trimmed.
        public var text: String
        /// The 1-based line of the script on which the statement starts.
        public var line: Int
    }

    /// A script whose quoting never closes.
    public struct UnterminatedError: Error, Equatable, CustomStringConvertible {
        /// What is left open: "string literal", "quoted identifier", "dollar-quoted string" or "comment".
        public var construct: String
        /// The 1-based line where it opens.
        public var line: Int
        public var description: String { "unterminated \(construct) starting on line \(line)" }

        public init(construct: String, line: Int) {
            self.construct = construct
            self.line = line
        }
    }

    /// Splits `script` into statements; empty statements and comment-only stretches are dropped.
    public static func split(_ script: String) throws -> [Statement] {
        let bytes = Array(script.utf8)
        var statements: [Statement] = []
        var firstContent: Int?  // first byte of real content (not whitespace or comment)
        var line = 1
        var contentLine = 1
        var index = 0

        func noteContent() {
            if firstContent == nil {
                firstContent = index
                contentLine = line
            }
        }

        func finishStatement(at end: Int) {
            if let first = firstContent {
                var last = end
                while last > first, isSQLWhitespace(bytes[last - 1]) { last -= 1 }
                statements.append(Statement(text: String(decoding: bytes[first..<last], as: UTF8.self), line: contentLine))
            }
            firstContent = nil
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                index += 1
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                let openLine = line
                var depth = 0
                repeat {
                    if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "*")
                        && bytes[index + 1] == UInt8(ascii: "/")
                    {
                        depth -= 1
                        index += 2
                    } else if index < bytes.count {
                        if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                        index += 1
                    } else {
                        throw UnterminatedError(construct: "comment", line: openLine)
                    }
                } while depth > 0
            case UInt8(ascii: "'"):
                noteContent()
                let escapes = index > 0 && (bytes[index - 1] == UInt8(ascii: "E") || bytes[index - 1] == UInt8(ascii: "e"))
                    && (index < 2 || !isIdentifierByte(bytes[index - 2]))
                try skipQuoted(bytes, &index, &line, quote: UInt8(ascii: "'"), backslashEscapes: escapes, construct: "string literal")
            case UInt8(ascii: "\""):
                noteContent()
                try skipQuoted(bytes, &index, &line, quote: UInt8(ascii: "\""), backslashEscapes: false, construct: "quoted identifier")
            case UInt8(ascii: "$"):
                noteContent()
                if let tag = dollarTag(bytes, at: index) {
                    let openLine = line
                    index += tag.count
                    while true {
                        guard index < bytes.count else {
                            throw UnterminatedError(construct: "dollar-quoted string", line: openLine)
                        }
                        if bytes[index] == UInt8(ascii: "$") && bytes[index...].starts(with: tag) {
                            index += tag.count
                            break
                        }
                        if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                        index += 1
                    }
                } else {
                    index += 1
                }
            case UInt8(ascii: ";"):
                finishStatement(at: index)
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0C, 0x0B:
                index += 1  // PostgreSQL's whitespace: space, tab, CR, form feed, vertical tab (and newline above)
            default:
                noteContent()
                // Consume a whole word, so a `$` inside an identifier (`a$b`) is not read as a dollar quote.
                if isIdentifierByte(byte) {
                    // Stops before a quote, so the `'` of an E'…' literal is lexed (with escapes) next.
                    while index < bytes.count && (isIdentifierByte(bytes[index]) || bytes[index] == UInt8(ascii: "$")) {
                        index += 1
                    }
                } else {
                    index += 1
                }
            }
        }
        finishStatement(at: bytes.count)
        return statements
    }

    /// PostgreSQL's whitespace bytes (`scan.l`: space, tab, newline, CR, form feed, vertical tab).
    /// Other Unicode spaces are identifier characters to PostgreSQL, so they are not trimmed.
    public static func isSQLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    /// The `$tag$` opening at `index`, if one does (`$$`, `$body$`; not `$1`).
    private static func dollarTag(_ bytes: [UInt8], at index: Int) -> ArraySlice<UInt8>? {
        var end = index + 1
        if end < bytes.count, bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9") { return nil }
        while end < bytes.count, isIdentifierByte(bytes[end]) { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "$") else { return nil }
        return bytes[index...end]
    }

    private static func skipQuoted(
        _ bytes: [UInt8], _ index: inout Int, _ line: inout Int, quote: UInt8, backslashEscapes: Bool, construct: String
    ) throws {
        let openLine = line
        index += 1
        while true {
            guard index < bytes.count else { throw UnterminatedError(construct: construct, line: openLine) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") { line += 1 }
            if backslashEscapes && byte == UInt8(ascii: "\\") {
                if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") { line += 1 }
                index += 2
                continue
            }
            if byte == quote {
                if index + 1 < bytes.count && bytes[index + 1] == quote {
                    index += 2  // doubled quote: an escaped quote character
                    continue
                }
                index += 1
                return
            }
            index += 1
        }
    }
}
