import Foundation
import Logging
import PostgresNIO

/// platform-api's access to PostgreSQL as the application role.
///
/// Every repository call is one transaction that first sets the tenant
/// (`set_config('app.org_id', …, true)` and `app.user_id`, transaction-local), so
/// row-level security confines it to that tenant; without a tenant a query sees nothing.
/// Events ride on the transaction (`pg_notify`) or follow the commit (Redis).
public final class PostgresDatabase: Sendable {
    let client: PostgresClient
    let transport: any EventTransport
    let logger: Logger

    /// Creates the database access; `client` must be run as a service.
    public init(client: PostgresClient, transport: any EventTransport, logger: Logger) {
        self.client = client
        self.transport = transport
        self.logger = logger
    }

    /// The repositories over this database.
    public var repositories: Repositories {
        let repositories = PostgresRepositories(database: self)
        return Repositories(
            guests: repositories, organizations: repositories, projects: repositories, chats: repositories, configs: repositories)
    }

    /// Whether the database answers a trivial query.
    public func ping() async -> Bool {
        do {
            try await client.query("SELECT 1", logger: logger)
            return true
        } catch {
            return false
        }
    }

    /// A role row-level security does not hold: superusers and BYPASSRLS roles read every
    /// tenant's rows whatever the policies say.
    public struct UnguardedRole: Error, CustomStringConvertible {
        public var role: String
        public var superuser: Bool
        public var description: String {
            "DATABASE_USER \(role) is \(superuser ? "a superuser" : "a BYPASSRLS role"): row-level security would not "
                + "separate tenants. Connect as the application role (scaffold_app), which the migrations create."
        }
    }

    /// Refuses to serve as a role that bypasses row-level security.
    func refuseUnguardedRole() async throws {
        // Retried like the warm load: the database may still be starting.
        var delay = Duration.milliseconds(100)
        while true {
            do {
                let rows = try await client.query(
                    "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user", logger: logger)
                for try await (role, superuser, bypass) in rows.decode((String, Bool, Bool).self) where superuser || bypass {
                    throw UnguardedRole(role: role, superuser: superuser)
                }
                return
            } catch let error as UnguardedRole {
                throw error
            } catch {
                try Task.checkCancellation()
                logger.warning("database role check failed; retrying", metadata: ["error.type": "\(type(of: error))"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The tenant a transaction acts in.
    struct Tenant: Sendable {
        var orgID: UUID?
        var userID: UUID?
        var projectID: UUID?
    }

    /// Runs `body` in a transaction with the tenant set, emits `events` it returns (in the
    /// transaction for NOTIFY, after commit otherwise), and rethrows the body's own errors.
    func transaction<Result: Sendable>(
        _ tenant: Tenant,
        _ body: (PostgresConnection, inout [PlatformEvent]) async throws -> Result
    ) async throws -> Result {
        let (result, events) = try await client.withConnection { connection -> (Result, [PlatformEvent]) in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query(
                    """
                    SELECT set_config('app.org_id', \(tenant.orgID?.lowercased ?? ""), true),
                           set_config('app.user_id', \(tenant.userID?.lowercased ?? ""), true),
                           set_config('app.project_id', \(tenant.projectID?.lowercased ?? ""), true)
                    """,
                    logger: logger)
                var events: [PlatformEvent] = []
                let result = try await body(connection, &events)
                if transport.publishMode == .inTransaction {
                    for event in events {
                        try await PostgresEventTransport.notify(event, on: connection, logger: logger)
                    }
                }
                try await connection.query("COMMIT", logger: logger)
                return (result, events)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        if transport.publishMode == .afterCommit {
            for event in events {
                do {
                    try await transport.publish(event)
                } catch {
                    // The write stands; receivers heal from SQL on their next reconcile.
                    logger.warning("event publish failed after commit", metadata: ["error.type": "\(type(of: error))"])
                }
            }
        }
        return result
    }
}

extension PSQLError {
    /// The SQLSTATE code of a server error.
    var sqlState: String? { serverInfo?[.sqlState] }
}

/// SQLSTATE codes platform-api reacts to.
enum SQLState {
    static let uniqueViolation = "23505"
    static let foreignKeyViolation = "23503"
}
