/// One SQL statement of a migration, as a typed tree. `SQLPrinter` is the only code
/// that turns these into text.
public enum SQLStatement: Sendable, Hashable {
    /// A `-- comment` line (or lines) between statements; not a statement for PostgreSQL.
    case lineComment(String)
    case createSchema(SQLCreateSchema)
    /// A role created only when missing (roles are cluster-wide, so migrations of several
    /// databases in one cluster must tolerate an existing role); printed as a `DO` block.
    case createRoleIfMissing(SQLCreateRole)
    case createTable(SQLCreateTable)
    case createIndex(SQLCreateIndex)
    /// `ALTER TABLE … ENABLE|FORCE ROW LEVEL SECURITY`.
    case alterRowSecurity(SQLName, SQLRowSecurityChange)
    case createPolicy(SQLCreatePolicy)
    case grant(SQLGrant)
    case revoke(SQLGrant)
    case createFunction(SQLCreateFunction)
    case createTrigger(SQLCreateTrigger)
    /// An anonymous PL/pgSQL block (`DO $$ … $$`) with a verbatim body.
    case doBlock(body: String)
    case comment(SQLCommentOn)
}

/// `CREATE SCHEMA`.
public struct SQLCreateSchema: Sendable, Hashable {
    public var name: String
    /// The owning role; `nil` means the role running the migration.
    public var authorization: String?

    public init(_ name: String, authorization: String? = nil) {
        self.name = name
        self.authorization = authorization
    }
}

/// Role attributes accepted by `CREATE ROLE`.
public enum SQLRoleAttribute: String, Sendable, Hashable {
    case login = "LOGIN"
    case noLogin = "NOLOGIN"
    case inherit = "INHERIT"
    case noInherit = "NOINHERIT"
    case superuser = "SUPERUSER"
    case noSuperuser = "NOSUPERUSER"
    case createDatabase = "CREATEDB"
    case noCreateDatabase = "NOCREATEDB"
    case createRole = "CREATEROLE"
    case noCreateRole = "NOCREATEROLE"
    case replication = "REPLICATION"
    case noReplication = "NOREPLICATION"
    case bypassRowSecurity = "BYPASSRLS"
    case noBypassRowSecurity = "NOBYPASSRLS"
}

/// `CREATE ROLE name attributes…` (never with a password: passwords are supplied out of band).
public struct SQLCreateRole: Sendable, Hashable {
    public var name: String
    public var attributes: [SQLRoleAttribute]

    public init(_ name: String, attributes: [SQLRoleAttribute]) {
        self.name = name
        self.attributes = attributes
    }
}

/// A foreign-key action (`ON DELETE CASCADE`).
public enum SQLReferentialAction: String, Sendable, Hashable {
    case noAction = "NO ACTION"
    case restrict = "RESTRICT"
    case cascade = "CASCADE"
    case setNull = "SET NULL"
    case setDefault = "SET DEFAULT"
}

/// The target of a column-level `REFERENCES` clause.
public struct SQLReference: Sendable, Hashable {
    public var table: SQLName
    public var column: String
    public var onDelete: SQLReferentialAction?

    public init(_ table: SQLName, _ column: String, onDelete: SQLReferentialAction? = nil) {
        self.table = table
        self.column = column
        self.onDelete = onDelete
    }
}

/// A column of `CREATE TABLE`. Its clauses are printed in a fixed order (DEFAULT, NOT NULL,
/// PRIMARY KEY, UNIQUE, CHECK, REFERENCES) whatever order they were set in.
public struct SQLColumn: Sendable, Hashable {
    public var name: String
    public var type: SQLType
    /// `false` prints `NOT NULL` (implied, and so omitted, for a primary key).
    public var isNullable: Bool
    public var defaultValue: SQLExpression?
    public var isPrimaryKey: Bool
    public var isUnique: Bool
    public var check: SQLExpression?
    public var references: SQLReference?

    public init(
        _ name: String,
        _ type: SQLType,
        nullable: Bool = false,
        default defaultValue: SQLExpression? = nil,
        primaryKey: Bool = false,
        unique: Bool = false,
        check: SQLExpression? = nil,
        references: SQLReference? = nil
    ) {
        self.name = name
        self.type = type
        self.isNullable = nullable
        self.defaultValue = defaultValue
        self.isPrimaryKey = primaryKey
        self.isUnique = unique
        self.check = check
        self.references = references
    }
}

/// A table-level constraint, optionally named (`CONSTRAINT name …`).
public enum SQLTableConstraint: Sendable, Hashable {
    case primaryKey(name: String? = nil, columns: [String])
    case unique(name: String? = nil, columns: [String])
    case foreignKey(
        name: String? = nil, columns: [String], references: SQLName, referencedColumns: [String],
        onDelete: SQLReferentialAction? = nil)
    case check(name: String? = nil, SQLExpression)
}

/// `CREATE TABLE`.
public struct SQLCreateTable: Sendable, Hashable {
    public var name: SQLName
    public var columns: [SQLColumn]
    public var constraints: [SQLTableConstraint]

    public init(_ name: SQLName, columns: [SQLColumn], constraints: [SQLTableConstraint] = []) {
        self.name = name
        self.columns = columns
        self.constraints = constraints
    }
}

/// `CREATE [UNIQUE] INDEX name ON table (columns) [WHERE predicate]`.
public struct SQLCreateIndex: Sendable, Hashable {
    public var name: String
    public var table: SQLName
    public var columns: [String]
    public var isUnique: Bool
    /// A partial index's predicate.
    public var predicate: SQLExpression?

    public init(_ name: String, on table: SQLName, columns: [String], unique: Bool = false, where predicate: SQLExpression? = nil) {
        self.name = name
        self.table = table
        self.columns = columns
        self.isUnique = unique
        self.predicate = predicate
    }
}

/// The row-level security switches of `ALTER TABLE`.
public enum SQLRowSecurityChange: String, Sendable, Hashable {
    /// Policies apply to everyone except the table owner and roles with BYPASSRLS.
    case enable = "ENABLE"
    /// Policies apply to the table owner too.
    case force = "FORCE"
}

/// The command a policy or privilege concerns.
public enum SQLPolicyCommand: String, Sendable, Hashable {
    case all = "ALL"
    case select = "SELECT"
    case insert = "INSERT"
    case update = "UPDATE"
    case delete = "DELETE"
}

/// A role a privilege or policy is granted to.
public enum SQLGrantee: Sendable, Hashable {
    case role(String)
    /// Every role (`PUBLIC`).
    case `public`
}

/// `CREATE POLICY`.
public struct SQLCreatePolicy: Sendable, Hashable {
    public var name: String
    public var table: SQLName
    /// `false` prints `AS RESTRICTIVE`.
    public var isPermissive: Bool
    public var command: SQLPolicyCommand
    public var roles: [SQLGrantee]
    /// Which existing rows are visible / may be changed.
    public var using: SQLExpression?
    /// Which new rows may be written.
    public var withCheck: SQLExpression?

    public init(
        _ name: String, on table: SQLName, permissive: Bool = true, for command: SQLPolicyCommand,
        to roles: [SQLGrantee], using: SQLExpression? = nil, withCheck: SQLExpression? = nil
    ) {
        self.name = name
        self.table = table
        self.isPermissive = permissive
        self.command = command
        self.roles = roles
        self.using = using
        self.withCheck = withCheck
    }
}

/// One privilege, optionally limited to some columns (`UPDATE (status)`).
public struct SQLPrivilege: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case all = "ALL"
        case select = "SELECT"
        case insert = "INSERT"
        case update = "UPDATE"
        case delete = "DELETE"
        case truncate = "TRUNCATE"
        case references = "REFERENCES"
        case trigger = "TRIGGER"
        case usage = "USAGE"
        case create = "CREATE"
        case execute = "EXECUTE"
        case connect = "CONNECT"
        case temporary = "TEMPORARY"
    }

    public var kind: Kind
    public var columns: [String]

    public init(_ kind: Kind, columns: [String] = []) {
        self.kind = kind
        self.columns = columns
    }

    public static let all = SQLPrivilege(.all)
    public static let select = SQLPrivilege(.select)
    public static let insert = SQLPrivilege(.insert)
    public static let delete = SQLPrivilege(.delete)
    public static let usage = SQLPrivilege(.usage)
    public static let create = SQLPrivilege(.create)
    public static let execute = SQLPrivilege(.execute)

    /// `UPDATE (columns…)`: only the listed columns may be changed.
    public static func update(_ columns: String...) -> SQLPrivilege {
        SQLPrivilege(.update, columns: columns)
    }
}

/// The object a privilege is on.
public enum SQLGrantObject: Sendable, Hashable {
    case table(SQLName)
    case schema(String)
    case sequence(SQLName)
    /// A function, identified by name and argument types.
    case function(SQLName, arguments: [SQLType])
}

/// `GRANT privileges ON object TO roles` (or `REVOKE … FROM …` when used with `.revoke`).
public struct SQLGrant: Sendable, Hashable {
    public var privileges: [SQLPrivilege]
    public var object: SQLGrantObject
    public var grantees: [SQLGrantee]

    public init(_ privileges: [SQLPrivilege], on object: SQLGrantObject, to grantees: [SQLGrantee]) {
        self.privileges = privileges
        self.object = object
        self.grantees = grantees
    }
}

/// A named function argument.
public struct SQLFunctionArgument: Sendable, Hashable {
    public var name: String
    public var type: SQLType

    public init(_ name: String, _ type: SQLType) {
        self.name = name
        self.type = type
    }
}

/// What a function returns.
public enum SQLFunctionReturn: Sendable, Hashable {
    case type(SQLType)
    /// A set-returning function (`RETURNS SETOF type`).
    case setOf(SQLType)
    /// A trigger function (`RETURNS trigger`).
    case trigger
    case void
}

/// A function's language.
public enum SQLFunctionLanguage: String, Sendable, Hashable {
    case sql
    case plpgsql
}

/// A function's volatility class.
public enum SQLVolatility: String, Sendable, Hashable {
    case immutable = "IMMUTABLE"
    case stable = "STABLE"
    case volatile = "VOLATILE"
}

/// `CREATE FUNCTION` with a verbatim body (SQL or PL/pgSQL), dollar-quoted by the printer.
public struct SQLCreateFunction: Sendable, Hashable {
    public var name: SQLName
    public var arguments: [SQLFunctionArgument]
    public var returns: SQLFunctionReturn
    public var language: SQLFunctionLanguage
    public var volatility: SQLVolatility
    /// `STRICT`: returns NULL for any NULL argument without running.
    public var isStrict: Bool
    /// `SECURITY DEFINER`: runs with the owner's privileges (always paired with a fixed `search_path`).
    public var isSecurityDefiner: Bool
    /// `SET search_path = …` for the duration of the call; empty prints nothing.
    public var searchPath: [String]
    public var body: String

    public init(
        _ name: SQLName, arguments: [SQLFunctionArgument] = [], returns: SQLFunctionReturn,
        language: SQLFunctionLanguage, volatility: SQLVolatility = .volatile, strict: Bool = false,
        securityDefiner: Bool = false, searchPath: [String] = [], body: String
    ) {
        self.name = name
        self.arguments = arguments
        self.returns = returns
        self.language = language
        self.volatility = volatility
        self.isStrict = strict
        self.isSecurityDefiner = securityDefiner
        self.searchPath = searchPath
        self.body = body
    }
}

/// When a trigger fires relative to its event.
public enum SQLTriggerTiming: String, Sendable, Hashable {
    case before = "BEFORE"
    case after = "AFTER"
}

/// The event a trigger fires on.
public enum SQLTriggerEvent: Sendable, Hashable {
    case insert
    /// `UPDATE` or, with columns, `UPDATE OF columns`.
    case update(columns: [String] = [])
    case delete
    case truncate
}

/// Whether a trigger fires per row or per statement.
public enum SQLTriggerLevel: String, Sendable, Hashable {
    case row = "ROW"
    case statement = "STATEMENT"
}

/// `CREATE TRIGGER … EXECUTE FUNCTION`.
public struct SQLCreateTrigger: Sendable, Hashable {
    public var name: String
    public var table: SQLName
    public var timing: SQLTriggerTiming
    public var events: [SQLTriggerEvent]
    public var level: SQLTriggerLevel
    public var condition: SQLExpression?
    public var function: SQLName

    public init(
        _ name: String, on table: SQLName, _ timing: SQLTriggerTiming, _ events: [SQLTriggerEvent],
        forEach level: SQLTriggerLevel, when condition: SQLExpression? = nil, execute function: SQLName
    ) {
        self.name = name
        self.table = table
        self.timing = timing
        self.events = events
        self.level = level
        self.condition = condition
        self.function = function
    }
}

/// The object of a `COMMENT ON`.
public enum SQLCommentTarget: Sendable, Hashable {
    case schema(String)
    case table(SQLName)
    case column(SQLName, String)
    case function(SQLName, arguments: [SQLType])
    case role(String)
}

/// `COMMENT ON target IS 'text'`: the explanation travels with the schema into `\d+`.
public struct SQLCommentOn: Sendable, Hashable {
    public var target: SQLCommentTarget
    public var text: String

    public init(_ target: SQLCommentTarget, _ text: String) {
        self.target = target
        self.text = text
    }
}

/// A whole SQL file: header comment lines, then statements.
public struct SQLScript: Sendable, Hashable {
    /// Lines printed as `-- line` at the top of the file.
    public var header: [String]
    public var statements: [SQLStatement]

    public init(header: [String] = [], statements: [SQLStatement]) {
        self.header = header
        self.statements = statements
    }
}
