import Foundation
import Logging
import MigrationRunner

/// Everything platform-api needs to start, read from environment variables (the
/// generated Deployment sets them; secrets come from Kubernetes Secrets). Where two names
/// are listed, the first wins; the short names match the blueprint's service `config`
/// and `secrets` (e.g. `CONFIG_TRANSPORT: redis`, secret `JWT_SECRET`). The secret variables
/// (``fileVariables``) may instead be given as `NAME_FILE`, the path of a file holding the
/// value (``EnvironmentFiles``): the generated Deployment mounts its Secret and sets only those.
///
/// | Variable | Meaning | Default |
/// |---|---|---|
/// | `PLATFORM_API_HOST`; `PLATFORM_API_PORT` or `PORT` | listen address | `0.0.0.0`, `8080` |
/// | `JWT_SECRET` or `PLATFORM_API_JWT_SECRET` | HS256 signing secret, at least 32 bytes (required, never logged) | — |
/// | `PLATFORM_API_TOKEN_TTL_SECONDS` | token lifetime, at most 900 | `900` |
/// | `PLATFORM_API_ADMIN_KEY` | key exchanged at `POST /auth/admin` for a config-admin token | unset: disabled |
/// | `PLATFORM_API_REGIONS` or `SCAFFOLD_REGION` | comma-separated home regions organizations may choose (the generated ConfigMap sets `SCAFFOLD_REGION`, the cluster's region) | any |
/// | `CONFIG_TRANSPORT` or `PLATFORM_API_EVENTS` | `postgres` (LISTEN/NOTIFY) or `redis` | `postgres` |
/// | `PLATFORM_API_RECONCILE_SECONDS` | config/denylist reconcile period | `300` |
/// | `PLATFORM_API_RECOVERY_SECONDS` | recovery loop period for PENDING organizations | `10` |
/// | `PLATFORM_API_PENDING_GRACE_SECONDS` | age before a PENDING organization is recovered | `30` |
/// | `PLATFORM_API_SIGNIN_BURST`, `PLATFORM_API_SIGNIN_PER_MINUTE` | sign-in (guest and admin) per client address | `20`, `10` |
/// | `PLATFORM_API_ORGS_BURST`, `PLATFORM_API_ORGS_PER_MINUTE` | `POST /orgs` per user | `5`, `2` |
/// | `PLATFORM_API_CHAT_BURST`, `PLATFORM_API_CHAT_PER_MINUTE` | chat writes (open, close, actions) per user | `30`, `120` |
/// | `PLATFORM_API_WS_BURST`, `PLATFORM_API_WS_PER_MINUTE` | WebSocket connections opened per user | `10`, `30` |
/// | `PLATFORM_API_WS_MAX_PER_USER` | WebSocket connections one user may hold open per instance | `5` |
/// | `PLATFORM_API_TRUSTED_PROXIES` | comma-separated CIDRs whose `X-Forwarded-For` is believed | none |
/// | `PLATFORM_API_IDLE_TIMEOUT_SECONDS` | idle keep-alive connections are closed after | `60` |
/// | `PLATFORM_API_REQUEST_TIMEOUT_SECONDS` | a request still unanswered after this gets 503 | `30` |
/// | `PLATFORM_API_CHAT_RETENTION_DAYS` | closed chats are deleted after (1…3650) | `30` |
/// | `PLATFORM_API_PURGE_SECONDS` | retention job period | `3600` |
/// | `LOG_LEVEL` or `PLATFORM_API_LOG_LEVEL` | `trace` … `critical` | `info` |
/// | `DATABASE_URL` | `postgres://scaffold_app@host:5432/scaffold?sslmode=verify-full&sslrootcert=/ca.crt`; the fields below override it | — |
/// | `DATABASE_HOST`, `DATABASE_PORT`, `DATABASE_NAME`, `DATABASE_USER`, `DATABASE_PASSWORD`, `DATABASE_SOCKET`, `DATABASE_MAX_CONNECTIONS` | PostgreSQL, as the application role | `127.0.0.1`, `5432`, `scaffold`, `scaffold_app`, —, —, `20` |
/// | `DATABASE_SSLMODE` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`), `DATABASE_SSLROOTCERT` | TLS as libpq's `sslmode`/`sslrootcert`; the generated platform sets `verify-full` and the store's CA | `disable`, system roots |
/// | `REDIS_HOST`, `REDIS_PORT`, `REDIS_USERNAME`, `REDIS_PASSWORD`, `REDIS_CHANNEL_PREFIX` | Redis, when the transport is `redis` | `127.0.0.1`, `6379`, —, —, `platform:` |
/// | `REDIS_TLS` (`true`/`false`), `REDIS_CACERT` | TLS to Redis, verifying the host against the CA file | `false`, system roots |
public struct AppConfiguration: Sendable {
    /// Which event transport carries hot-reload, revocation and chat fan-out events.
    public enum Events: Sendable, Equatable {
        /// PostgreSQL `LISTEN/NOTIFY`, sent in the writer's transaction.
        case postgres
        /// Redis pub/sub at this endpoint.
        case redis(RedisEndpoint)
    }

    /// Listen address.
    public var host: String
    /// Listen port (0 picks a free port, for tests).
    public var port: Int
    /// HS256 secret; never logged.
    public var jwtSecret: String
    /// Token lifetime in seconds (at most 900).
    public var tokenLifetime: TimeInterval
    /// Key for `POST /auth/admin`; nil disables admin tokens.
    public var adminKey: String?
    /// Regions an organization may choose as home; empty allows any.
    public var allowedRegions: [String]
    /// The database.
    public var database: DatabaseSettings
    /// The event transport.
    public var events: Events
    /// Period of the configuration and denylist reconcile loop.
    public var reconcileInterval: Duration
    /// Period of the PENDING-organization recovery loop.
    public var recoveryInterval: Duration
    /// Age after which a PENDING organization is considered abandoned by a crash.
    public var pendingGrace: Duration
    /// Log level.
    public var logLevel: Logger.Level
    /// Identifies this instance in logs and `/readyz`.
    public var instanceName: String
    /// Prefix of the Redis channel names (several platforms may share one Redis).
    public var redisChannelPrefix: String = "platform:"
    /// How long a guarded request waits for the first denylist read before it is refused
    /// with 503 (an instance starts serving `/healthz` and `/readyz` at once).
    public var denylistWait: Duration = .seconds(1)
    /// Rate limits, connection caps, timeouts and retention.
    public var limits = LimitSettings()

    /// Creates a configuration; defaults suit tests on loopback.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        jwtSecret: String,
        tokenLifetime: TimeInterval = GuestClaims.maximumLifetime,
        adminKey: String? = nil,
        allowedRegions: [String] = [],
        database: DatabaseSettings = DatabaseSettings(),
        events: Events = .postgres,
        reconcileInterval: Duration = .seconds(300),
        recoveryInterval: Duration = .seconds(10),
        pendingGrace: Duration = .seconds(30),
        logLevel: Logger.Level = .info,
        instanceName: String = "platform-api"
    ) {
        self.host = host
        self.port = port
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
        self.adminKey = adminKey
        self.allowedRegions = allowedRegions
        self.database = database
        self.events = events
        self.reconcileInterval = reconcileInterval
        self.recoveryInterval = recoveryInterval
        self.pendingGrace = pendingGrace
        self.logLevel = logLevel
        self.instanceName = instanceName
    }

    /// The variables that may come from a file (`NAME_FILE`): the secret ones.
    public static let fileVariables = [
        "JWT_SECRET", "PLATFORM_API_JWT_SECRET", "PLATFORM_API_ADMIN_KEY", "DATABASE_URL", "DATABASE_PASSWORD",
        "REDIS_USERNAME", "REDIS_PASSWORD",
    ]

    /// Reads the configuration from environment variables, reporting every problem at once.
    public static func fromEnvironment(_ given: [String: String]) throws(ConfigurationErrors) -> AppConfiguration {
        let (environment, fileProblems) = EnvironmentFiles.resolve(given, names: fileVariables)
        var problems: [String] = fileProblems.map(\.description)
        func value(_ names: String...) -> String? {
            for name in names {
                if let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty { return raw }
            }
            return nil
        }
        func integer(_ names: String..., default fallback: Int, range: ClosedRange<Int>) -> Int {
            for name in names {
                guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { continue }
                guard let number = Int(raw), range.contains(number) else {
                    problems.append("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got `\(raw)`")
                    return fallback
                }
                return number
            }
            return fallback
        }

        let secret = value("JWT_SECRET", "PLATFORM_API_JWT_SECRET") ?? ""
        if secret.utf8.count < 32 {
            problems.append("JWT_SECRET must be set to at least 32 bytes (its value is never logged)")
        }
        var logLevel = Logger.Level.info
        if let raw = value("LOG_LEVEL", "PLATFORM_API_LOG_LEVEL") {
            if let level = Logger.Level(rawValue: raw.lowercased()) {
                logLevel = level
            } else {
                problems.append("LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got `\(raw)`")
            }
        }
        var database = DatabaseSettings()
        if let url = value("DATABASE_URL") {
            do {
                let parsed = try DatabaseURL(url, environment: environment)
                database.host = parsed.host ?? database.host
                database.port = parsed.port
                database.username = parsed.username
                database.password = parsed.password
                database.database = parsed.database
                database.unixSocketPath = parsed.socketDirectory.map { "\($0)/.s.PGSQL.\(parsed.port)" }
                database.sslMode = parsed.sslMode
                database.sslRootCertificate = parsed.sslRootCertificate
            } catch {
                problems.append("DATABASE_URL: \(error)")
            }
        }
        database.host = value("DATABASE_HOST") ?? database.host
        database.port = integer("DATABASE_PORT", default: database.port, range: 1...65535)
        database.username = value("DATABASE_USER") ?? database.username
        database.password = value("DATABASE_PASSWORD") ?? database.password
        database.database = value("DATABASE_NAME") ?? database.database
        database.unixSocketPath = value("DATABASE_SOCKET") ?? database.unixSocketPath
        database.maximumConnections = integer("DATABASE_MAX_CONNECTIONS", default: 20, range: 2...500)
        if let raw = value("DATABASE_SSLMODE") {
            if let mode = DatabaseURL.SSLMode(rawValue: raw.lowercased()) {
                database.sslMode = mode
            } else {
                problems.append("DATABASE_SSLMODE must be one of \(DatabaseURL.SSLMode.allCases.map(\.rawValue).joined(separator: ", ")), got `\(raw)`")
            }
        }
        database.sslRootCertificate = value("DATABASE_SSLROOTCERT") ?? database.sslRootCertificate
        if let path = database.sslRootCertificate, database.sslMode != .disable, !FileManager.default.isReadableFile(atPath: path) {
            problems.append("DATABASE_SSLROOTCERT: cannot read \(path)")
        }
        if database.unixSocketPath != nil, database.sslMode != .disable, database.sslMode != .prefer {
            problems.append("DATABASE_SSLMODE=\(database.sslMode.rawValue) cannot be used with DATABASE_SOCKET")
        }
        var events = Events.postgres
        switch value("CONFIG_TRANSPORT", "PLATFORM_API_EVENTS")?.lowercased() ?? "postgres" {
        case "postgres": events = .postgres
        case "redis":
            var tls: RedisTLS?
            switch value("REDIS_TLS")?.lowercased() {
            case nil, "false": tls = nil
            case "true": tls = RedisTLS(rootCertificate: value("REDIS_CACERT"))
            case let other?: problems.append("REDIS_TLS must be `true` or `false`, got `\(other)`")
            }
            if let path = tls?.rootCertificate, !FileManager.default.isReadableFile(atPath: path) {
                problems.append("REDIS_CACERT: cannot read \(path)")
            }
            events = .redis(
                RedisEndpoint(
                    host: value("REDIS_HOST") ?? "127.0.0.1",
                    port: integer("REDIS_PORT", default: 6379, range: 1...65535),
                    username: value("REDIS_USERNAME"),
                    password: value("REDIS_PASSWORD"),
                    tls: tls
                ))
        case let other: problems.append("CONFIG_TRANSPORT must be `postgres` or `redis`, got `\(other)`")
        }
        var configuration = AppConfiguration(
            host: value("PLATFORM_API_HOST") ?? "0.0.0.0",
            port: integer("PLATFORM_API_PORT", "PORT", default: 8080, range: 0...65535),
            jwtSecret: secret,
            tokenLifetime: TimeInterval(integer("PLATFORM_API_TOKEN_TTL_SECONDS", default: 900, range: 30...900)),
            adminKey: value("PLATFORM_API_ADMIN_KEY"),
            // A cluster serves its own region: organizations homed elsewhere belong to another cluster.
            allowedRegions: (value("PLATFORM_API_REGIONS", "SCAFFOLD_REGION") ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted(),
            database: database,
            events: events,
            reconcileInterval: .seconds(integer("PLATFORM_API_RECONCILE_SECONDS", default: 300, range: 1...86_400)),
            recoveryInterval: .seconds(integer("PLATFORM_API_RECOVERY_SECONDS", default: 10, range: 1...3_600)),
            pendingGrace: .seconds(integer("PLATFORM_API_PENDING_GRACE_SECONDS", default: 30, range: 1...86_400)),
            logLevel: logLevel,
            instanceName: value("PLATFORM_API_INSTANCE", "HOSTNAME") ?? "platform-api"
        )
        configuration.redisChannelPrefix = value("REDIS_CHANNEL_PREFIX") ?? "platform:"
        var limits = LimitSettings()
        func rate(_ name: String, _ fallback: RateLimit) -> RateLimit {
            RateLimit(
                burst: integer("PLATFORM_API_\(name)_BURST", default: fallback.burst, range: 1...100_000),
                perMinute: integer("PLATFORM_API_\(name)_PER_MINUTE", default: fallback.perMinute, range: 1...1_000_000))
        }
        limits.signIn = rate("SIGNIN", limits.signIn)
        limits.organizationCreation = rate("ORGS", limits.organizationCreation)
        limits.chatActions = rate("CHAT", limits.chatActions)
        limits.webSocketOpens = rate("WS", limits.webSocketOpens)
        limits.webSocketsPerUser = integer("PLATFORM_API_WS_MAX_PER_USER", default: limits.webSocketsPerUser, range: 1...1_000)
        for entry in (value("PLATFORM_API_TRUSTED_PROXIES") ?? "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            if let network = IPNetwork(text) {
                limits.trustedProxies.append(network)
            } else {
                problems.append("PLATFORM_API_TRUSTED_PROXIES must list IP networks like `10.0.0.0/8` or `fd00::/8`, got `\(text)`")
            }
        }
        limits.idleTimeout = .seconds(integer("PLATFORM_API_IDLE_TIMEOUT_SECONDS", default: 60, range: 1...3_600))
        limits.requestTimeout = .seconds(integer("PLATFORM_API_REQUEST_TIMEOUT_SECONDS", default: 30, range: 1...600))
        limits.closedChatRetention = .seconds(86_400 * integer("PLATFORM_API_CHAT_RETENTION_DAYS", default: 30, range: 1...3_650))
        limits.purgeInterval = .seconds(integer("PLATFORM_API_PURGE_SECONDS", default: 3_600, range: 1...86_400))
        configuration.limits = limits
        if !problems.isEmpty { throw ConfigurationErrors(problems: problems) }
        return configuration
    }
}

/// Every problem found in the environment, reported together.
public struct ConfigurationErrors: Error, CustomStringConvertible {
    /// One line per problem.
    public var problems: [String]
    /// All problems, one per line.
    public var description: String {
        problems.map { "error: \($0)" }.joined(separator: "\n")
    }
}
