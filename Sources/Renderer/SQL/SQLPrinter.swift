import Foundation

/// The one printer for SQL: turns `SQLScript`/`SQLStatement`/`SQLExpression` trees into
/// canonical text (upper-case key words, four-space indentation, one clause per line for
/// multi-clause statements, a blank line between statements, a final newline).
///
/// The output is a pure function of the tree, so printing the same tree twice gives the
/// same bytes, and every statement ends with `;` outside any quoted text, so a statement
/// splitter can cut a script back into statements.
public enum SQLPrinter {
    static let indent = "    "

    /// Prints a whole file: the header as `--` lines, a blank line, then the statements.
    public static func print(_ script: SQLScript) -> String {
        var out = ""
        for line in script.header {
            out += commentLines(line) + "\n"
        }
        if !script.header.isEmpty && !script.statements.isEmpty { out += "\n" }
        for (index, statement) in script.statements.enumerated() {
            out += print(statement) + "\n"
            let isLast = index == script.statements.count - 1
            if !isLast, case .lineComment = statement {
                continue  // a comment sits directly above the statement it describes
            }
            if !isLast { out += "\n" }
        }
        return out
    }

    /// Prints one statement, terminated by `;` (comments have no terminator), without a final newline.
    public static func print(_ statement: SQLStatement) -> String {
        switch statement {
        case .lineComment(let text):
            return commentLines(text)
        case .createSchema(let schema):
            var text = "CREATE SCHEMA \(SQLIdentifier.quoted(schema.name))"
            if let owner = schema.authorization { text += " AUTHORIZATION \(SQLIdentifier.quoted(owner))" }
            return text + ";"
        case .createRoleIfMissing(let role):
            return printCreateRoleIfMissing(role)
        case .createTable(let table):
            return printCreateTable(table)
        case .createIndex(let index):
            var text = "CREATE \(index.isUnique ? "UNIQUE " : "")INDEX \(SQLIdentifier.quoted(index.name))"
            text += " ON \(index.table) (\(identifierList(index.columns)))"
            if let predicate = index.predicate { text += " WHERE \(print(predicate))" }
            return text + ";"
        case .alterRowSecurity(let table, let change):
            return "ALTER TABLE \(table) \(change.rawValue) ROW LEVEL SECURITY;"
        case .createPolicy(let policy):
            return printCreatePolicy(policy)
        case .grant(let grant):
            return "GRANT \(privilegeList(grant.privileges)) ON \(print(grant.object)) TO \(granteeList(grant.grantees));"
        case .revoke(let grant):
            return "REVOKE \(privilegeList(grant.privileges)) ON \(print(grant.object)) FROM \(granteeList(grant.grantees));"
        case .createFunction(let function):
            return printCreateFunction(function)
        case .createTrigger(let trigger):
            return printCreateTrigger(trigger)
        case .doBlock(let body):
            let tag = dollarQuoteTag(for: body)
            return "DO \(tag)\n\(trimmedBody(body))\n\(tag);"
        case .comment(let comment):
            return "COMMENT ON \(print(comment.target)) IS \(stringLiteral(comment.text));"
        }
    }

    /// Prints an expression. Compound operands are parenthesised, so the text never relies
    /// on operator precedence.
    public static func print(_ expression: SQLExpression) -> String {
        switch expression {
        case .column(let name, let qualifier):
            let column = SQLIdentifier.quoted(name)
            guard let qualifier else { return column }
            // NEW and OLD are the trigger row variables, written in upper case by convention.
            let prefix = (qualifier == "NEW" || qualifier == "OLD") ? qualifier : SQLIdentifier.quoted(qualifier)
            return "\(prefix).\(column)"
        case .string(let value):
            return stringLiteral(value)
        case .integer(let value):
            return String(value)
        case .boolean(let value):
            return value ? "true" : "false"
        case .null:
            return "NULL"
        case .call(let name, let arguments):
            return "\(functionName(name))(\(arguments.map(print).joined(separator: ", ")))"
        case .cast(let operand, let type):
            return "\(operandText(operand))::\(print(type))"
        case .binary(let lhs, let op, let rhs):
            return "\(operandText(lhs)) \(op.rawValue) \(operandText(rhs))"
        case .and(let operands):
            return operands.map(junctionOperandText).joined(separator: " AND ")
        case .or(let operands):
            return operands.map(junctionOperandText).joined(separator: " OR ")
        case .not(let operand):
            return "NOT \(operandText(operand))"
        case .isNull(let operand):
            return "\(operandText(operand)) IS NULL"
        case .isNotNull(let operand):
            return "\(operandText(operand)) IS NOT NULL"
        case .inList(let operand, let values):
            return "\(operandText(operand)) IN (\(values.map(print).joined(separator: ", ")))"
        case .between(let operand, let low, let high):
            return "\(operandText(operand)) BETWEEN \(operandText(low)) AND \(operandText(high))"
        case .exists(let query):
            let alias = query.alias.map { " AS \(SQLIdentifier.quoted($0))" } ?? ""
            return "EXISTS (SELECT FROM \(query.table)\(alias) WHERE \(print(query.predicate)))"
        }
    }

    /// Prints a type name.
    public static func print(_ type: SQLType) -> String {
        switch type {
        case .uuid: return "uuid"
        case .text: return "text"
        case .smallint: return "smallint"
        case .integer: return "integer"
        case .bigint: return "bigint"
        case .bigserial: return "bigserial"
        case .boolean: return "boolean"
        case .timestamptz: return "timestamptz"
        case .jsonb: return "jsonb"
        case .bytea: return "bytea"
        case .named(let name): return name.description
        }
    }

    /// A string literal with single quotes doubled (standard_conforming_strings is on in every
    /// supported PostgreSQL, so backslashes need no escaping).
    public static func stringLiteral(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The shortest dollar-quote tag (`$$`, `$body$`, `$body1$`, …) that does not occur in `body`.
    public static func dollarQuoteTag(for body: String) -> String {
        if !body.contains("$$") { return "$$" }
        var candidate = "$body$"
        var counter = 1
        while body.contains(candidate) {
            candidate = "$body\(counter)$"
            counter += 1
        }
        return candidate
    }

    // MARK: - Statements

    private static func printCreateRoleIfMissing(_ role: SQLCreateRole) -> String {
        let attributes = role.attributes.map(\.rawValue).joined(separator: " ")
        let create = "CREATE ROLE \(SQLIdentifier.quoted(role.name))" + (attributes.isEmpty ? "" : " \(attributes)")
        // Roles are shared by all databases of a cluster: a migration of another database may
        // create the role at the same moment, which surfaces as one of these two errors.
        let body = """
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = \(stringLiteral(role.name))) THEN
                    \(create);
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END
            """
        let tag = dollarQuoteTag(for: body)
        return "DO \(tag)\n\(body)\n\(tag);"
    }

    private static func printCreateTable(_ table: SQLCreateTable) -> String {
        var lines = table.columns.map(columnDefinition)
        lines += table.constraints.map(constraintDefinition)
        let body = lines.map { indent + $0 }.joined(separator: ",\n")
        return "CREATE TABLE \(table.name) (\n\(body)\n);"
    }

    private static func columnDefinition(_ column: SQLColumn) -> String {
        var text = "\(SQLIdentifier.quoted(column.name)) \(print(column.type))"
        if let value = column.defaultValue { text += " DEFAULT \(print(value))" }
        if !column.isNullable && !column.isPrimaryKey { text += " NOT NULL" }
        if column.isPrimaryKey { text += " PRIMARY KEY" }
        if column.isUnique { text += " UNIQUE" }
        if let check = column.check { text += " CHECK (\(print(check)))" }
        if let reference = column.references {
            text += " REFERENCES \(reference.table) (\(SQLIdentifier.quoted(reference.column)))"
            if let action = reference.onDelete { text += " ON DELETE \(action.rawValue)" }
        }
        return text
    }

    private static func constraintDefinition(_ constraint: SQLTableConstraint) -> String {
        func named(_ name: String?) -> String {
            name.map { "CONSTRAINT \(SQLIdentifier.quoted($0)) " } ?? ""
        }
        switch constraint {
        case .primaryKey(let name, let columns):
            return "\(named(name))PRIMARY KEY (\(identifierList(columns)))"
        case .unique(let name, let columns):
            return "\(named(name))UNIQUE (\(identifierList(columns)))"
        case .foreignKey(let name, let columns, let table, let referencedColumns, let onDelete):
            var text = "\(named(name))FOREIGN KEY (\(identifierList(columns))) REFERENCES \(table) (\(identifierList(referencedColumns)))"
            if let onDelete { text += " ON DELETE \(onDelete.rawValue)" }
            return text
        case .check(let name, let expression):
            return "\(named(name))CHECK (\(print(expression)))"
        }
    }

    private static func printCreatePolicy(_ policy: SQLCreatePolicy) -> String {
        var lines = ["CREATE POLICY \(SQLIdentifier.quoted(policy.name)) ON \(policy.table)"]
        lines.append(indent + "AS \(policy.isPermissive ? "PERMISSIVE" : "RESTRICTIVE")")
        lines.append(indent + "FOR \(policy.command.rawValue)")
        lines.append(indent + "TO \(granteeList(policy.roles))")
        if let using = policy.using { lines.append(indent + "USING (\(print(using)))") }
        if let check = policy.withCheck { lines.append(indent + "WITH CHECK (\(print(check)))") }
        return lines.joined(separator: "\n") + ";"
    }

    private static func printCreateFunction(_ function: SQLCreateFunction) -> String {
        let arguments = function.arguments
            .map { "\(SQLIdentifier.quoted($0.name)) \(print($0.type))" }
            .joined(separator: ", ")
        var lines = ["CREATE FUNCTION \(function.name)(\(arguments))"]
        switch function.returns {
        case .type(let type): lines.append(indent + "RETURNS \(print(type))")
        case .setOf(let type): lines.append(indent + "RETURNS SETOF \(print(type))")
        case .trigger: lines.append(indent + "RETURNS trigger")
        case .void: lines.append(indent + "RETURNS void")
        }
        lines.append(indent + "LANGUAGE \(function.language.rawValue)")
        lines.append(indent + function.volatility.rawValue)
        if function.isStrict { lines.append(indent + "STRICT") }
        if function.isSecurityDefiner { lines.append(indent + "SECURITY DEFINER") }
        if !function.searchPath.isEmpty {
            lines.append(indent + "SET search_path = \(identifierList(function.searchPath))")
        }
        let body = trimmedBody(function.body)
        let tag = dollarQuoteTag(for: body)
        lines.append("AS \(tag)")
        lines.append(body)
        return lines.joined(separator: "\n") + "\n\(tag);"
    }

    private static func printCreateTrigger(_ trigger: SQLCreateTrigger) -> String {
        let events = trigger.events.map { event -> String in
            switch event {
            case .insert: return "INSERT"
            case .update(let columns): return columns.isEmpty ? "UPDATE" : "UPDATE OF \(identifierList(columns))"
            case .delete: return "DELETE"
            case .truncate: return "TRUNCATE"
            }
        }
        var lines = ["CREATE TRIGGER \(SQLIdentifier.quoted(trigger.name))"]
        lines.append(indent + "\(trigger.timing.rawValue) \(events.joined(separator: " OR ")) ON \(trigger.table)")
        lines.append(indent + "FOR EACH \(trigger.level.rawValue)")
        if let condition = trigger.condition { lines.append(indent + "WHEN (\(print(condition)))") }
        lines.append(indent + "EXECUTE FUNCTION \(trigger.function)()")
        return lines.joined(separator: "\n") + ";"
    }

    // MARK: - Pieces

    private static func print(_ object: SQLGrantObject) -> String {
        switch object {
        case .table(let name): return "TABLE \(name)"
        case .schema(let name): return "SCHEMA \(SQLIdentifier.quoted(name))"
        case .sequence(let name): return "SEQUENCE \(name)"
        case .function(let name, let arguments):
            return "FUNCTION \(name)(\(arguments.map(print).joined(separator: ", ")))"
        }
    }

    private static func print(_ target: SQLCommentTarget) -> String {
        switch target {
        case .schema(let name): return "SCHEMA \(SQLIdentifier.quoted(name))"
        case .table(let name): return "TABLE \(name)"
        case .column(let table, let column): return "COLUMN \(table).\(SQLIdentifier.quoted(column))"
        case .function(let name, let arguments):
            return "FUNCTION \(name)(\(arguments.map(print).joined(separator: ", ")))"
        case .role(let name): return "ROLE \(SQLIdentifier.quoted(name))"
        }
    }

    private static func privilegeList(_ privileges: [SQLPrivilege]) -> String {
        privileges.map { privilege in
            privilege.columns.isEmpty
                ? privilege.kind.rawValue
                : "\(privilege.kind.rawValue) (\(identifierList(privilege.columns)))"
        }.joined(separator: ", ")
    }

    private static func granteeList(_ grantees: [SQLGrantee]) -> String {
        grantees.map { grantee in
            switch grantee {
            case .role(let name): return SQLIdentifier.quoted(name)
            case .public: return "PUBLIC"
            }
        }.joined(separator: ", ")
    }

    private static func identifierList(_ names: [String]) -> String {
        names.map(SQLIdentifier.quoted).joined(separator: ", ")
    }

    /// Function names are printed as written when plain: many built-ins (`nullif`,
    /// `coalesce`) are key words that must not be quoted in call position.
    private static func functionName(_ name: SQLName) -> String {
        func part(_ text: String) -> String {
            SQLIdentifier.isPlain(text) ? text : SQLIdentifier.quoted(text)
        }
        guard let schema = name.schema else { return part(name.name) }
        return "\(part(schema)).\(part(name.name))"
    }

    private static func operandText(_ expression: SQLExpression) -> String {
        switch expression {
        case .binary, .and, .or, .not, .isNull, .isNotNull, .inList, .between:
            return "(\(print(expression)))"
        case .column, .string, .integer, .boolean, .null, .call, .cast, .exists:
            return print(expression)
        }
    }

    private static func junctionOperandText(_ expression: SQLExpression) -> String {
        switch expression {
        case .and, .or, .between: return "(\(print(expression)))"
        default: return print(expression)
        }
    }

    private static func commentLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "--" : "-- \($0)" }
            .joined(separator: "\n")
    }

    /// A verbatim body without leading/trailing blank lines, so the quote tags sit on their own lines.
    private static func trimmedBody(_ body: String) -> String {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
