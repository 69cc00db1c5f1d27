/// Reads row-level security and table privileges out of migration SQL: the statements
/// the generator's SQL printer emits (CREATE TABLE, ALTER TABLE … ROW LEVEL SECURITY,
/// CREATE/ALTER/DROP POLICY, GRANT/REVOKE on tables, DROP TABLE). Other statements
/// (functions, triggers, comments, indexes, DO blocks) do not change who sees which
/// rows and are skipped.
public enum SQLPolicyReader {
    /// A migration file that could not be read.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// Applies the files' statements in order.
    public static func read(_ files: [(path: String, sql: String)]) throws(ReadError) -> DatabasePolicy {
        var state = DatabasePolicy(files: files.map(\.path))
        for file in files {
            let statements: [[SQLToken]]
            do { statements = try SQLTokenizer.statements(file.sql) } catch {
                throw ReadError(file: file.path, line: error.line, message: error.message)
            }
            for statement in statements {
                var cursor = SQLCursor(tokens: statement, file: file.path)
                try apply(&cursor, to: &state)
            }
        }
        state.tables.sort()
        state.policies.sort()
        state.grants.sort()
        return state
    }

    /// Reads the migrations of a rendered tree (`ops/db/migrations/*.sql`, in name order).
    public static func read(_ tree: RenderedTree, folder: String = "ops/db/migrations") throws(ReadError) -> DatabasePolicy {
        try read(tree.paths(under: folder).filter { $0.hasSuffix(".sql") }.map { (path: $0, sql: tree.files[$0] ?? "") })
    }

    // MARK: Statements

    static func apply(_ c: inout SQLCursor, to state: inout DatabasePolicy) throws(ReadError) {
        let start = c.location
        if c.accept("CREATE", "TABLE") {
            _ = c.accept("IF", "NOT", "EXISTS")
            let name = try c.qualifiedName()
            try createTable(name, &c, start, &state)
        } else if c.accept("ALTER", "TABLE") {
            _ = c.accept("IF", "EXISTS")
            _ = c.accept("ONLY")
            let name = try c.qualifiedName()
            let at = c.location
            if c.accept("ENABLE", "ROW", "LEVEL", "SECURITY") {
                updateTable(name, &state) { $0.rowLevelSecurity = true; $0.rowLevelSecuritySetAt = at }
            } else if c.accept("DISABLE", "ROW", "LEVEL", "SECURITY") {
                updateTable(name, &state) { $0.rowLevelSecurity = false; $0.rowLevelSecuritySetAt = at }
            } else if c.accept("FORCE", "ROW", "LEVEL", "SECURITY") {
                updateTable(name, &state) { $0.forced = true; $0.forceSetAt = at }
            } else if c.accept("NO", "FORCE", "ROW", "LEVEL", "SECURITY") {
                updateTable(name, &state) { $0.forced = false; $0.forceSetAt = at }
            }
        } else if c.accept("DROP", "TABLE") {
            _ = c.accept("IF", "EXISTS")
            repeat {
                let name = try c.qualifiedName()
                state.tables.removeAll { $0.name == name }
                state.policies.removeAll { $0.table == name }
                state.grants.removeAll { $0.table == name }
            } while c.acceptSymbol(",")
        } else if c.accept("CREATE", "POLICY") {
            let name = try c.identifier()
            try c.expect("ON")
            let table = try c.qualifiedName()
            var policy = DatabasePolicy.Policy(name: name, table: table, permissive: true, command: "ALL", roles: ["PUBLIC"],
                                               using: nil, withCheck: nil, location: start)
            try policyClauses(&c, &policy)
            state.policies.removeAll { $0.id == policy.id }
            state.policies.append(policy)
        } else if c.accept("ALTER", "POLICY") {
            let name = try c.identifier()
            try c.expect("ON")
            let table = try c.qualifiedName()
            guard let index = state.policies.firstIndex(where: { $0.name == name && $0.table == table }) else {
                throw c.error("ALTER POLICY of unknown policy \(name) on \(table)")
            }
            if c.accept("RENAME", "TO") {
                state.policies[index].name = try c.identifier()
            } else {
                try policyClauses(&c, &state.policies[index])
            }
        } else if c.accept("DROP", "POLICY") {
            _ = c.accept("IF", "EXISTS")
            let name = try c.identifier()
            try c.expect("ON")
            let table = try c.qualifiedName()
            state.policies.removeAll { $0.name == name && $0.table == table }
        } else if c.accept("GRANT") {
            try privileges(&c, start, grant: true, &state)
        } else if c.accept("REVOKE") {
            _ = c.accept("GRANT", "OPTION", "FOR")
            try privileges(&c, start, grant: false, &state)
        }
    }

    static func createTable(_ name: String, _ c: inout SQLCursor, _ start: RenderedLocation, _ state: inout DatabasePolicy) throws(ReadError) {
        try c.expectSymbol("(")
        var table = DatabasePolicy.Table(name: name, columns: [], references: [:], rowLevelSecurity: false, forced: false,
                                         created: start, rowLevelSecuritySetAt: nil, forceSetAt: nil)
        for element in c.parenthesisedList() {
            var e = SQLCursor(tokens: Array(element), file: c.file)
            if e.accept("CONSTRAINT") { _ = try e.identifier() }
            if e.peekWord("PRIMARY") || e.peekWord("UNIQUE") || e.peekWord("CHECK") || e.peekWord("EXCLUDE") {
                continue
            }
            if e.accept("FOREIGN", "KEY") {
                try e.expectSymbol("(")
                let columns = e.parenthesisedList().compactMap { $0.first.map(SQLCursor.identifierText) }
                try e.expect("REFERENCES")
                let target = try e.qualifiedName()
                for column in columns { table.references[column] = target }
                continue
            }
            let column = try e.identifier()
            table.columns.append(column)
            while !e.atEnd {
                if e.accept("REFERENCES") {
                    table.references[column] = try e.qualifiedName()
                } else {
                    e.skip()
                }
            }
        }
        state.tables.removeAll { $0.name == name }
        state.tables.append(table)
    }

    static func updateTable(_ name: String, _ state: inout DatabasePolicy, _ change: (inout DatabasePolicy.Table) -> Void) {
        guard let index = state.tables.firstIndex(where: { $0.name == name }) else { return }
        change(&state.tables[index])
    }

    static func policyClauses(_ c: inout SQLCursor, _ policy: inout DatabasePolicy.Policy) throws(ReadError) {
        while !c.atEnd {
            if c.accept("AS", "PERMISSIVE") {
                policy.permissive = true
            } else if c.accept("AS", "RESTRICTIVE") {
                policy.permissive = false
            } else if c.accept("FOR") {
                policy.command = try c.word().uppercased()
            } else if c.accept("TO") {
                var roles: [String] = []
                repeat {
                    let role = try c.identifierOrWord()
                    roles.append(role.uppercased() == "PUBLIC" ? "PUBLIC" : role)
                } while c.acceptSymbol(",")
                policy.roles = roles.sorted()
            } else if c.accept("USING") {
                try c.expectSymbol("(")
                policy.using = SQLTokenizer.normalized(c.parenthesisedBody())
            } else if c.accept("WITH", "CHECK") {
                try c.expectSymbol("(")
                policy.withCheck = SQLTokenizer.normalized(c.parenthesisedBody())
            } else {
                throw c.error("unexpected `\(c.current?.text ?? "")` in a policy")
            }
        }
    }

    static let tablePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]

    static func privileges(_ c: inout SQLCursor, _ start: RenderedLocation, grant: Bool, _ state: inout DatabasePolicy) throws(ReadError) {
        var privileges: [(String, [String])] = []
        repeat {
            let word = try c.word().uppercased()
            if word == "ALL" {
                _ = c.accept("PRIVILEGES")
                privileges += tablePrivileges.map { ($0, []) }
            } else {
                var columns: [String] = []
                if c.acceptSymbol("(") { columns = c.parenthesisedList().compactMap { $0.first.map(SQLCursor.identifierText) } }
                privileges.append((word, columns))
            }
        } while c.acceptSymbol(",")
        try c.expect("ON")
        // Only tables matter to row access: schemas, functions and sequences are skipped.
        for other in ["SCHEMA", "FUNCTION", "SEQUENCE", "ALL", "DATABASE", "TYPE", "DOMAIN", "LANGUAGE", "PROCEDURE", "ROUTINE"] where c.peekWord(other) {
            return
        }
        _ = c.accept("TABLE")
        var tables: [String] = []
        repeat { tables.append(try c.qualifiedName()) } while c.acceptSymbol(",")
        try c.expect(grant ? "TO" : "FROM")
        var roles: [String] = []
        repeat {
            _ = c.accept("GROUP")
            let role = try c.identifierOrWord()
            roles.append(role.uppercased() == "PUBLIC" ? "PUBLIC" : role)
        } while c.acceptSymbol(",")
        for table in tables {
            for role in roles {
                for (privilege, columns) in privileges {
                    let sorted = columns.sorted()
                    if grant {
                        if !state.grants.contains(where: { $0.table == table && $0.role == role && $0.privilege == privilege && $0.columns == sorted }) {
                            state.grants.append(DatabasePolicy.Grant(table: table, role: role, privilege: privilege, columns: sorted, location: start))
                        }
                    } else {
                        state.grants.removeAll {
                            $0.table == table && $0.role == role && $0.privilege == privilege && (columns.isEmpty || $0.columns == sorted)
                        }
                    }
                }
            }
        }
    }
}

/// A position in one statement's tokens.
struct SQLCursor {
    var tokens: [SQLToken]
    var file: String
    var index = 0

    var atEnd: Bool { index >= tokens.count }
    var current: SQLToken? { atEnd ? nil : tokens[index] }
    var location: RenderedLocation { RenderedLocation(file: file, line: current?.line ?? tokens.last?.line ?? 1) }

    func error(_ message: String) -> SQLPolicyReader.ReadError {
        SQLPolicyReader.ReadError(file: file, line: current?.line ?? tokens.last?.line ?? 1, message: message)
    }

    func peekWord(_ word: String) -> Bool { current?.isWord(word) ?? false }

    /// Consumes the words when they all follow, in order.
    mutating func accept(_ words: String...) -> Bool {
        guard index + words.count <= tokens.count else { return false }
        for (offset, word) in words.enumerated() where !tokens[index + offset].isWord(word) { return false }
        index += words.count
        return true
    }

    mutating func acceptSymbol(_ symbol: String) -> Bool {
        guard current?.isSymbol(symbol) == true else { return false }
        index += 1
        return true
    }

    mutating func expect(_ word: String) throws(SQLPolicyReader.ReadError) {
        guard accept(word) else { throw error("expected \(word), found `\(current?.text ?? "end of statement")`") }
    }

    mutating func expectSymbol(_ symbol: String) throws(SQLPolicyReader.ReadError) {
        guard acceptSymbol(symbol) else { throw error("expected `\(symbol)`, found `\(current?.text ?? "end of statement")`") }
    }

    mutating func skip() { index += 1 }

    mutating func word() throws(SQLPolicyReader.ReadError) -> String {
        guard let token = current, token.kind == .word else { throw error("expected a key word, found `\(current?.text ?? "end of statement")`") }
        index += 1
        return token.text
    }

    static func identifierText(_ token: SQLToken) -> String {
        token.kind == .word ? token.text.lowercased() : token.text
    }

    mutating func identifier() throws(SQLPolicyReader.ReadError) -> String {
        guard let token = current, token.kind == .word || token.kind == .quotedIdentifier else {
            throw error("expected a name, found `\(current?.text ?? "end of statement")`")
        }
        index += 1
        return Self.identifierText(token)
    }

    /// A role name: quoted, a plain name, or `PUBLIC`/`CURRENT_USER` (upper case).
    mutating func identifierOrWord() throws(SQLPolicyReader.ReadError) -> String {
        guard let token = current else { throw error("expected a role") }
        if token.kind == .word, ["PUBLIC", "CURRENT_USER", "CURRENT_ROLE", "SESSION_USER"].contains(token.upper) {
            index += 1
            return token.upper
        }
        return try identifier()
    }

    /// `schema.name` or `name`, unquoted.
    mutating func qualifiedName() throws(SQLPolicyReader.ReadError) -> String {
        var parts = [try identifier()]
        while acceptSymbol(".") { parts.append(try identifier()) }
        return parts.joined(separator: ".")
    }

    /// After `(`: the tokens up to the matching `)`, which is consumed.
    mutating func parenthesisedBody() -> ArraySlice<SQLToken> {
        let start = index
        var depth = 1
        while !atEnd {
            if tokens[index].isSymbol("(") { depth += 1 }
            if tokens[index].isSymbol(")") {
                depth -= 1
                if depth == 0 {
                    let body = tokens[start..<index]
                    index += 1
                    return body
                }
            }
            index += 1
        }
        return tokens[start..<index]
    }

    /// After `(`: the comma-separated elements up to the matching `)`.
    mutating func parenthesisedList() -> [ArraySlice<SQLToken>] {
        let body = parenthesisedBody()
        var elements: [ArraySlice<SQLToken>] = []
        var depth = 0
        var start = body.startIndex
        for position in body.indices {
            let token = body[position]
            if token.isSymbol("(") { depth += 1 }
            if token.isSymbol(")") { depth -= 1 }
            if token.isSymbol(","), depth == 0 {
                elements.append(body[start..<position])
                start = position + 1
            }
        }
        if start < body.endIndex { elements.append(body[start..<body.endIndex]) }
        return elements
    }
}
