/// Row-level security and table privileges as the migrations leave the database, read
/// from the migration files' SQL (applied in file order).
public struct DatabasePolicy: Sendable, Equatable, Codable {
    /// A table and its row-level security switches.
    public struct Table: Sendable, Equatable, Codable, Comparable {
        /// `schema.table`.
        public var name: String
        public var columns: [String]
        /// Tables this one references, by referencing column (composite keys listed per column).
        public var references: [String: String]
        public var rowLevelSecurity: Bool
        public var forced: Bool
        /// Where the table is created.
        public var created: RenderedLocation
        /// Where row-level security was last switched on or off, and forced or not.
        public var rowLevelSecuritySetAt: RenderedLocation?
        public var forceSetAt: RenderedLocation?

        public static func < (lhs: Table, rhs: Table) -> Bool { lhs.name < rhs.name }
    }

    /// A row-level security policy.
    public struct Policy: Sendable, Equatable, Codable, Comparable {
        public var name: String
        public var table: String
        public var permissive: Bool
        /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
        public var command: String
        /// Role names, `PUBLIC` for everyone.
        public var roles: [String]
        /// The USING expression, normalised.
        public var using: String?
        /// The WITH CHECK expression, normalised.
        public var withCheck: String?
        public var location: RenderedLocation

        /// `table.policy`.
        public var id: String { "\(table).\(name)" }

        public static func < (lhs: Policy, rhs: Policy) -> Bool { lhs.id < rhs.id }

        /// Whether the policy applies to a command.
        public func applies(to command: String) -> Bool { self.command == "ALL" || self.command == command }

        /// Whether the policy applies to a role.
        public func applies(toRole role: String) -> Bool { roles.contains(role) || roles.contains("PUBLIC") }
    }

    /// A privilege a role holds on a table (column-limited when `columns` is not empty).
    public struct Grant: Sendable, Hashable, Codable, Comparable {
        public var table: String
        public var role: String
        public var privilege: String
        public var columns: [String]
        public var location: RenderedLocation

        public static func < (lhs: Grant, rhs: Grant) -> Bool {
            (lhs.table, lhs.role, lhs.privilege, lhs.columns.joined(separator: ",")) < (rhs.table, rhs.role, rhs.privilege, rhs.columns.joined(separator: ","))
        }

        /// `UPDATE (display_name, status)` or `SELECT`.
        public var text: String { columns.isEmpty ? privilege : "\(privilege) (\(columns.joined(separator: ", ")))" }
    }

    public var tables: [Table]
    public var policies: [Policy]
    public var grants: [Grant]
    /// The migration files read, in order.
    public var files: [String]

    public init(tables: [Table] = [], policies: [Policy] = [], grants: [Grant] = [], files: [String] = []) {
        self.tables = tables
        self.policies = policies
        self.grants = grants
        self.files = files
    }

    public func table(_ name: String) -> Table? { tables.first { $0.name == name } }
    public func policies(on table: String) -> [Policy] { policies.filter { $0.table == table } }

    /// The transaction settings a tenant predicate reads.
    public static let tenantSettings = ["app.org_id", "app.user_id"]
    /// Columns that hold a tenant key.
    public static let tenantColumns = ["org_id", "user_id"]

    /// Tables holding tenants' rows: a tenant key column, a policy keyed on a tenant
    /// setting, or the target of another table's tenant key (the organizations and users
    /// tables themselves). Read from the SQL alone.
    public var tenantTables: [String] {
        var names = Set<String>()
        for table in tables {
            if table.columns.contains(where: Self.tenantColumns.contains) { names.insert(table.name) }
            for (column, target) in table.references where Self.tenantColumns.contains(column) { names.insert(target) }
        }
        for policy in policies {
            let text = (policy.using ?? "") + " " + (policy.withCheck ?? "")
            if Self.tenantSettings.contains(where: { text.contains("'\($0)'") }) { names.insert(policy.table) }
        }
        return names.filter { table($0) != nil }.sorted()
    }
}
