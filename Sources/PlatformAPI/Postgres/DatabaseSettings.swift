import MigrationRunner
import PostgresNIO

/// How platform-api reaches PostgreSQL. It connects as the application role
/// (`scaffold_app`: owns nothing, cannot bypass row-level security).
public struct DatabaseSettings: Sendable, Equatable {
    /// Host name or address; ignored when `unixSocketPath` is set.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Role to log in as.
    public var username: String
    /// Password, from a Kubernetes Secret in the platform; never logged.
    public var password: String?
    /// Database name.
    public var database: String
    /// Connects over this Unix socket instead of TCP when set.
    public var unixSocketPath: String?
    /// How TLS is negotiated and what is verified (libpq's `sslmode`): `verify-full` in
    /// the generated platform, `disable` on loopback.
    public var sslMode: DatabaseURL.SSLMode
    /// PEM file of the CA that issued the server's certificate (`sslrootcert`).
    public var sslRootCertificate: String?
    /// Largest number of pooled connections per instance.
    public var maximumConnections: Int

    /// Creates settings.
    public init(
        host: String = "127.0.0.1",
        port: Int = 5432,
        username: String = "scaffold_app",
        password: String? = nil,
        database: String = "scaffold",
        unixSocketPath: String? = nil,
        sslMode: DatabaseURL.SSLMode = .disable,
        sslRootCertificate: String? = nil,
        maximumConnections: Int = 20
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.unixSocketPath = unixSocketPath
        self.sslMode = sslMode
        self.sslRootCertificate = sslRootCertificate
        self.maximumConnections = maximumConnections
    }

    /// The pool configuration for `PostgresClient`.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let unixSocketPath {
            configuration = .init(unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        } else {
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database,
                tls: sslMode.clientTLS(rootCertificate: sslRootCertificate)
            )
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        return configuration
    }

    /// The configuration of a single dedicated connection (the `LISTEN` connection), with
    /// the pool's TLS: it throws rather than fall back to plain text.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let unixSocketPath {
            return .init(unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        }
        return .init(
            host: host, port: port, username: username, password: password, database: database,
            tls: try sslMode.connectionTLS(rootCertificate: sslRootCertificate)
        )
    }
}
