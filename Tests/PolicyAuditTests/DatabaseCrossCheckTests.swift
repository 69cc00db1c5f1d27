import Foundation
import MigrationRunner
@testable import PolicyAudit
import PostgresNIO
import Testing
import TestSupport

/// The SQL reader against PostgreSQL itself: the example's rendered migrations applied
/// to a throwaway PostgreSQL, then the catalog (`pg_class.relrowsecurity`,
/// `relforcerowsecurity`, `pg_policies`, table and column ACLs) compared with what the
/// reader concluded from the text alone.
@Suite(.enabled(if: PostgresBinaries.availableOrCI, "PostgreSQL server binaries (initdb, pg_ctl) are not installed"))
struct DatabaseCrossCheckTests {
    static let logger: Logger = {
        var logger = Logger(label: "scaffold.policy-audit-tests")
        logger.logLevel = .warning
        return logger
    }()

    @Test func readerAgreesWithTheCatalog() async throws {
        let subject = try Galaxy.load()
        let expected = subject.model.database
        let scripts = try expected.files.map { path -> MigrationScript in
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let version = try #require(Int(stem.prefix(4)), "\(path) starts with its version")
            return MigrationScript(version: version, name: String(stem.dropFirst(5)), sql: try #require(subject.tree.files[path]))
        }
        let server = try await LocalPostgres.start(options: .init(database: "audit"), logger: Self.logger)
        do {
            _ = try await MigrationRunner().apply(scripts, databaseURL: server.migratorURL, logger: Self.logger)
            try await server.asSuperuser(database: "audit", logger: Self.logger) { connection in
                try await Self.compare(expected, connection)
            }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func rows(_ connection: PostgresConnection, _ sql: String) async throws -> [[String]] {
        var result: [[String]] = []
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await row in rows {
            var values: [String] = []
            for cell in row { values.append(try cell.decode(String?.self) ?? "") }
            result.append(values)
        }
        return result
    }

    static func compare(_ expected: DatabasePolicy, _ connection: PostgresConnection) async throws {
        // Tables and their switches.
        let tables = try await rows(connection, """
            SELECT n.nspname || '.' || c.relname, c.relrowsecurity::text, c.relforcerowsecurity::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname = 'app' ORDER BY 1
            """)
        #expect(tables.map { $0[0] } == expected.tables.map(\.name))
        for row in tables {
            let table = try #require(expected.table(row[0]))
            #expect(row[1] == String(table.rowLevelSecurity) && row[2] == String(table.forced), "\(row)")
        }

        // Policies: name, table, kind, roles, command, and which expressions exist.
        let policies = try await rows(connection, """
            SELECT schemaname || '.' || tablename, policyname, permissive, array_to_string(roles, ','), cmd,
                   coalesce(qual, ''), coalesce(with_check, '')
            FROM pg_policies WHERE schemaname = 'app' ORDER BY 1, 2
            """)
        #expect(policies.map { "\($0[0]).\($0[1])" } == expected.policies.map(\.id))
        for row in policies {
            let policy = try #require(expected.policies.first { $0.id == "\(row[0]).\(row[1])" })
            #expect(row[2] == (policy.permissive ? "PERMISSIVE" : "RESTRICTIVE"), "\(policy.id)")
            let roles = row[3].split(separator: ",").map { $0 == "public" ? "PUBLIC" : String($0) }.sorted()
            #expect(roles == policy.roles, "\(policy.id)")
            #expect(row[4] == policy.command, "\(policy.id)")
            #expect(row[5].isEmpty == (policy.using == nil) && row[6].isEmpty == (policy.withCheck == nil), "\(policy.id)")
            // The expressions read the same settings.
            for (catalog, text) in [(row[5], policy.using ?? ""), (row[6], policy.withCheck ?? "")] {
                for setting in DatabasePolicy.tenantSettings {
                    #expect(catalog.contains("'\(setting)'") == text.contains("'\(setting)'"), "\(policy.id): \(catalog) vs \(text)")
                }
            }
        }

        // Table privileges (not the owner's), and column privileges.
        let tableGrants = try await rows(connection, """
            SELECT n.nspname || '.' || c.relname, coalesce(r.rolname, 'PUBLIC'), a.privilege_type
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
            WHERE n.nspname = 'app' AND c.relkind = 'r' AND a.grantee <> c.relowner ORDER BY 1, 2, 3
            """)
        let columnGrants = try await rows(connection, """
            SELECT n.nspname || '.' || c.relname, coalesce(r.rolname, 'PUBLIC'), a.privilege_type, string_agg(at.attname, ',' ORDER BY at.attname)
            FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL aclexplode(at.attacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
            WHERE n.nspname = 'app' AND c.relkind = 'r' AND a.grantee <> c.relowner
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """)
        let catalog = Set(tableGrants.map { "\($0[0]) \($0[1]) \($0[2])" } + columnGrants.map { "\($0[0]) \($0[1]) \($0[2]) (\($0[3]))" })
        let read = Set(expected.grants.map { grant in
            "\(grant.table) \(grant.role) \(grant.privilege)" + (grant.columns.isEmpty ? "" : " (\(grant.columns.joined(separator: ",")))")
        })
        #expect(catalog == read, "only in the catalog: \(catalog.subtracting(read).sorted()); only read: \(read.subtracting(catalog).sorted())")
        #expect(!tables.isEmpty && !policies.isEmpty && !tableGrants.isEmpty)
        print("cross-checked with PostgreSQL: \(tables.count) tables, \(policies.count) policies, \(catalog.count) privileges")
    }
}

enum PostgresBinaries {
    /// Under CI a missing PostgreSQL fails (the start throws), never skips.
    static let availableOrCI: Bool = TestTools.isCI
        || (((try? TestTools.require("initdb")) ?? false) && ((try? TestTools.require("pg_ctl")) ?? false))
}
