import Foundation
import Logging
import PostgresNIO
import Synchronization
import Tracing

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
    /// How long a transaction waits for a pooled connection before it is refused with 503.
    let leaseTimeout: Duration
    /// How long a request waits for its whole transaction before it is answered 503.
    let transactionTimeout: Duration
    /// What each transaction's span says about the server (`settings` of the initialiser).
    let spanAttributes: SpanAttributes

    /// Creates the database access; `client` must be run as a service. While PostgreSQL
    /// is down the pool keeps connection requests queued (up to its 15 s circuit breaker),
    /// so a transaction gives up after `leaseTimeout` instead, and a request stops waiting
    /// for a transaction after `transactionTimeout`: no request waits on a dead or
    /// stalled database longer than that. `settings` (the ones `client` was made from)
    /// name the server and database in the spans of the transactions a request makes.
    public init(
        client: PostgresClient, transport: any EventTransport, leaseTimeout: Duration = .seconds(1),
        transactionTimeout: Duration = .milliseconds(1500), settings: DatabaseSettings? = nil, logger: Logger
    ) {
        self.client = client
        self.transport = transport
        self.leaseTimeout = leaseTimeout
        self.transactionTimeout = transactionTimeout
        self.logger = logger
        if let settings {
            spanAttributes = serverSpanAttributes(
                system: "postgresql", host: settings.unixSocketPath ?? settings.host,
                port: settings.unixSocketPath == nil ? settings.port : nil, namespace: settings.database)
        } else {
            var attributes = SpanAttributes()
            attributes["db.system.name"] = "postgresql"
            spanAttributes = attributes
        }
    }

    /// The repositories over this database.
    public var repositories: Repositories {
        let repositories = PostgresRepositories(database: self)
        return Repositories(
            guests: repositories, organizations: repositories, projects: repositories, chats: repositories, configs: repositories)
    }

    /// Whether the database answers a trivial query (false after `leaseTimeout` without a connection).
    public func ping() async -> Bool {
        let logger = self.logger
        do {
            try await withConnection { connection in _ = try await connection.query("SELECT 1", logger: logger) }
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
    /// A connection not leased within `leaseTimeout`, or lost under the transaction (a
    /// restarted server), is a 503 the client may retry. Within a request, the transaction
    /// is a client span named after the repository method (`function`).
    func transaction<Result: Sendable>(
        _ tenant: Tenant,
        function: String = #function,
        _ body: @escaping @Sendable (PostgresConnection, inout [PlatformEvent]) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        let transport = self.transport
        let operation = String(function.prefix { $0 != "(" })
        var attributes = spanAttributes
        attributes["db.operation.name"] = "transaction"
        attributes["code.function.name"] = operation
        let (result, events) = try await withClientSpan("postgresql \(operation)", attributes: attributes) {
            try await withConnection { connection -> (Result, [PlatformEvent]) in
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
                    // Within a request, the line carries its request id and this span's id.
                    logger.debug("transaction committed", metadata: ["db.operation": "\(operation)"])
                    return (result, events)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
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

    /// Runs `body` on a pooled connection, or throws a 503 when none was leased within
    /// `leaseTimeout` (the body then never runs: `LeaseRace`) or when the transaction has
    /// not finished within `transactionTimeout` (it is left to finish or fail on its own;
    /// the request stops waiting for it). The work runs in a task of its own so that
    /// giving up never waits for a pool or a connection that does not answer.
    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let race = LeaseRace()
        let client = self.client
        let (leaseTimeout, transactionTimeout, logger) = (self.leaseTimeout, self.transactionTimeout, self.logger)
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let reply = OnceReply(continuation)
                let work = Task {
                    do {
                        let value = try await client.withConnection { connection in
                            guard race.claim(.leased, connection) else { throw CancellationError() }
                            return try await body(connection)
                        }
                        reply.resume(with: .success(value))
                    } catch {
                        reply.resume(with: .failure(error))
                    }
                }
                reply.watch(
                    Task {
                        try? await Task.sleep(for: leaseTimeout)
                        if Task.isCancelled { return }
                        if race.claim(.timedOut) {
                            work.cancel()
                            reply.resume(with: .failure(DatabaseUnavailable(reason: "no database connection within \(leaseTimeout); retry")))
                            return
                        }
                        try? await Task.sleep(for: transactionTimeout - leaseTimeout)
                        if Task.isCancelled { return }
                        if reply.resume(with: .failure(DatabaseUnavailable(reason: "the database did not answer within \(transactionTimeout); retry"))) {
                            // Seen across a PostgreSQL restart: a query that never completes. Closing
                            // its connection fails it, which rolls the transaction back and gives
                            // the pool its slot back instead of losing it for good.
                            logger.warning("transaction exceeded its timeout; closing its connection", metadata: ["timeout": "\(transactionTimeout)"])
                            try? await race.connection?.close()
                        }
                    })
            }
        } catch let error as DatabaseUnavailable {
            throw APIError.unavailable("database_unavailable", error.reason)
        } catch let error as PSQLError where error.isConnectionLoss {
            throw APIError.unavailable("database_unavailable", "the database connection was lost; retry")
        }
    }
}

/// Decides once whether a transaction got its connection or gave up waiting for one, and
/// remembers the connection it got.
private final class LeaseRace: Sendable {
    enum Outcome { case leased, timedOut }
    private let state = Mutex<(outcome: Outcome?, connection: PostgresConnection?)>((nil, nil))

    /// True for the first claim only.
    func claim(_ claimed: Outcome, _ connection: PostgresConnection? = nil) -> Bool {
        state.withLock { state in
            guard state.outcome == nil else { return false }
            state = (claimed, connection)
            return true
        }
    }

    /// The leased connection, once leased.
    var connection: PostgresConnection? { state.withLock { $0.connection } }
}

/// Resumes a continuation once, with whichever outcome comes first, and then stops the
/// timer watching it.
private final class OnceReply<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var timer: Task<Void, Never>?
    }
    private let state: Mutex<State>

    init(_ continuation: CheckedContinuation<T, any Error>) {
        state = Mutex(State(continuation: continuation))
    }

    /// Keeps the timer to cancel once resumed (cancels it at once if already resumed).
    func watch(_ timer: Task<Void, Never>) {
        let resumed = state.withLock { state in
            state.timer = timer
            return state.continuation == nil
        }
        if resumed { timer.cancel() }
    }

    /// Resumes with `result` if nothing did before; whether this call did.
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        let (continuation, timer) = state.withLock { state in
            defer { state.continuation = nil }
            return (state.continuation, state.timer)
        }
        guard let continuation else { return false }
        timer?.cancel()
        continuation.resume(with: result)
        return true
    }
}

/// No pooled connection within the lease timeout, or no answer within the transaction timeout.
private struct DatabaseUnavailable: Error {
    var reason: String
}

extension PSQLError {
    /// The connection closed or failed under the query (a restarted or unreachable server).
    /// Also the server's own goodbyes: SQLSTATE class 57P (terminated by an administrator,
    /// shutting down, starting up) and 08 (connection exceptions).
    var isConnectionLoss: Bool {
        if [PSQLError.Code.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection].contains(code) { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("57P") || sqlState.hasPrefix("08")
    }

    /// The SQLSTATE code of a server error.
    var sqlState: String? { serverInfo?[.sqlState] }
}

/// SQLSTATE codes platform-api reacts to.
enum SQLState {
    static let uniqueViolation = "23505"
    static let foreignKeyViolation = "23503"
}
