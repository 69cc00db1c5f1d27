import Foundation

/// A schema-qualified SQL name (`app.organizations`), printed with quoting only where
/// PostgreSQL needs it.
public struct SQLName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The schema, or `nil` for an unqualified name resolved through `search_path`.
    public var schema: String?
    /// The object's own name.
    public var name: String

    /// Creates a name, optionally qualified by `schema`.
    public init(schema: String? = nil, _ name: String) {
        self.schema = schema
        self.name = name
    }

    /// The name as PostgreSQL reads it (`app.organizations`, `"user"`).
    public var description: String {
        let quotedName = SQLIdentifier.quoted(name)
        guard let schema else { return quotedName }
        return "\(SQLIdentifier.quoted(schema)).\(quotedName)"
    }

    public static func < (lhs: SQLName, rhs: SQLName) -> Bool {
        (lhs.schema ?? "", lhs.name) < (rhs.schema ?? "", rhs.name)
    }
}

/// Identifier quoting rules shared by every statement.
public enum SQLIdentifier {
    /// Returns `identifier` unchanged when PostgreSQL reads it as written (lower case, no
    /// reserved word), otherwise double-quoted with embedded quotes doubled.
    public static func quoted(_ identifier: String) -> String {
        if isPlain(identifier) && !reservedWords.contains(identifier) { return identifier }
        return "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// True for names made of `a-z`, `0-9`, `_` and `$` that do not start with a digit or `$`.
    static func isPlain(_ identifier: String) -> Bool {
        guard let first = identifier.unicodeScalars.first else { return false }
        guard ("a"..."z").contains(first) || first == "_" else { return false }
        return identifier.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "$"
        }
    }

    /// PostgreSQL 15's reserved key words (SQL Key Words appendix, "reserved" and
    /// "reserved (can be function or type)"), which must be quoted as identifiers.
    static let reservedWords: Set<String> = [
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
        "authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
        "column", "concurrently", "constraint", "create", "cross", "current_catalog",
        "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
        "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
        "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant",
        "group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is",
        "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
        "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
        "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
        "select", "session_user", "similar", "some", "symmetric", "system_user", "table",
        "tablesample", "then", "to", "trailing", "true", "union", "unique", "user", "using",
        "variadic", "verbose", "when", "where", "window", "with",
    ]
}

/// A column or value type.
public enum SQLType: Sendable, Hashable {
    case uuid
    case text
    case smallint
    case integer
    case bigint
    /// `bigserial`: a `bigint` filled from an owned sequence.
    case bigserial
    case boolean
    case timestamptz
    case jsonb
    case bytea
    /// A type this enum does not spell out (e.g. a domain or composite), by name.
    case named(SQLName)
}

/// The subquery of `EXISTS`: whether `table` has a row matching `predicate`.
public struct SQLExistsQuery: Sendable, Hashable {
    public var table: SQLName
    /// The alias the predicate uses for `table`'s columns.
    public var alias: String?
    public var predicate: SQLExpression

    public init(from table: SQLName, as alias: String? = nil, where predicate: SQLExpression) {
        self.table = table
        self.alias = alias
        self.predicate = predicate
    }
}

/// Binary operators the schema needs. Operands are parenthesised by the printer when
/// they are themselves compound, so precedence never depends on the reader.
public enum SQLBinaryOperator: String, Sendable, Hashable {
    case equal = "="
    case notEqual = "<>"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    /// POSIX regular expression match (`~`).
    case matches = "~"
    /// POSIX regular expression non-match (`!~`).
    case doesNotMatch = "!~"
    case isDistinctFrom = "IS DISTINCT FROM"
    case plus = "+"
    case minus = "-"
}

/// A scalar SQL expression: CHECK constraints, column defaults, policy predicates,
/// index predicates and trigger conditions are built from these.
public indirect enum SQLExpression: Sendable, Hashable {
    /// A (possibly qualified) column reference, e.g. `org_id` or `NEW.version`.
    case column(String, qualifier: String? = nil)
    /// A string literal; quotes are escaped by the printer.
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case null
    /// A function call such as `now()` or `current_setting('app.org_id', true)`.
    case call(SQLName, [SQLExpression])
    /// `expression::type`.
    case cast(SQLExpression, SQLType)
    case binary(SQLExpression, SQLBinaryOperator, SQLExpression)
    /// Conjunction of all operands (`a AND b AND c`).
    case and([SQLExpression])
    /// Disjunction of all operands (`a OR b OR c`).
    case or([SQLExpression])
    case not(SQLExpression)
    case isNull(SQLExpression)
    case isNotNull(SQLExpression)
    /// `expression IN (a, b, c)`.
    case inList(SQLExpression, [SQLExpression])
    /// `expression BETWEEN low AND high`.
    case between(SQLExpression, SQLExpression, SQLExpression)
    /// `EXISTS (SELECT FROM table AS alias WHERE predicate)`.
    case exists(SQLExistsQuery)

    /// A call to an unqualified built-in function (`now()`, `char_length(x)`).
    public static func function(_ name: String, _ arguments: SQLExpression...) -> SQLExpression {
        .call(SQLName(name), arguments)
    }

    /// `lhs = rhs`.
    public static func equal(_ lhs: SQLExpression, _ rhs: SQLExpression) -> SQLExpression {
        .binary(lhs, .equal, rhs)
    }

    /// `expression ~ 'pattern'`.
    public static func matches(_ expression: SQLExpression, _ pattern: String) -> SQLExpression {
        .binary(expression, .matches, .string(pattern))
    }

    /// `expression IN ('a', 'b', …)` over string literals, in the order given.
    public static func oneOf(_ expression: SQLExpression, _ values: [String]) -> SQLExpression {
        .inList(expression, values.map(SQLExpression.string))
    }
}
