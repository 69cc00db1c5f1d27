import Foundation
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database?sslmode=…` connection URL.
///
/// Accepted query parameters (as libpq): `sslmode` (`disable`, `prefer` — the default —,
/// `require`, `verify-ca`, `verify-full`), `sslrootcert` (CA bundle for the verify modes),
/// `host` (a unix-socket directory, for `postgres:///db?host=/run/postgresql`), `port`,
/// `connect_timeout` (seconds) and `application_name`. Any other parameter is an error, so a
/// typo such as `sslmod=require` cannot silently downgrade security.
///
/// The password comes from the URL or, when the URL has none, from `PGPASSWORD`. It is
/// never part of `description`, and no error message quotes the URL.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// How TLS is negotiated, with libpq's meanings.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (loopback, or unix sockets).
        case disable
        /// TLS when the server offers it, without certificate verification.
        case prefer
        /// TLS or fail, without certificate verification.
        case require
        /// TLS or fail; the certificate must chain to a trusted CA (host name not checked).
        case verifyCA = "verify-ca"
        /// TLS or fail; the certificate must chain to a trusted CA and match the host name.
        case verifyFull = "verify-full"
    }

    /// The TCP host, or `nil` when connecting through a unix socket.
    public var host: String?
    /// The directory holding the server's unix socket, when not using TCP.
    public var socketDirectory: String?
    public var port: Int
    public var username: String
    /// Kept out of `description`; only `configuration()` reads it.
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of trusted CAs for `verify-ca` / `verify-full` (system roots otherwise).
    public var sslRootCertificate: String?
    public var connectTimeoutSeconds: Int?
    public var applicationName: String?

    /// A URL that cannot be used. The message names the problem, never the URL's text.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = "invalid database URL: \(description)" }
    }

    /// Parses `url`; `environment` supplies `PGPASSWORD` when the URL carries no password.
    public init(_ url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw ParseError("the scheme must be postgres:// or postgresql://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("#") { throw ParseError("a fragment (#…) is not allowed") }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }

        var username: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.decode(userInfo[..<colon], "user name")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                username = try Self.decode(userInfo, "user name")
            }
        }

        var host: String?
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw ParseError("unclosed [ in an IPv6 host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw ParseError("unexpected text after the IPv6 host")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = try Self.decode(hostPort[..<colon], "host")
            portText = hostPort[hostPort.index(after: colon)...]
        } else if !hostPort.isEmpty {
            host = try Self.decode(hostPort, "host")
        }
        if let host, host.contains(",") { throw ParseError("several hosts are not supported") }

        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0], "query parameter name")
            guard parts.count == 2 else { throw ParseError("query parameter \(key) has no value") }
            guard Self.knownParameters.contains(key) else {
                throw ParseError(
                    "unknown query parameter \(key) (known: \(Self.knownParameters.sorted().joined(separator: ", ")))")
            }
            guard parameters[key] == nil else { throw ParseError("query parameter \(key) is given twice") }
            parameters[key] = try Self.decode(parts[1], "query parameter \(key)")
        }

        if let socketHost = parameters["host"] { host = socketHost }
        if let portParameter = parameters["port"] { portText = Substring(portParameter) }
        if let text = portText, !text.isEmpty {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw ParseError("the port must be a number from 1 to 65535")
            }
            self.port = port
        } else {
            self.port = 5432
        }

        guard let host, !host.isEmpty else {
            throw ParseError("no host (use postgres://user@host:port/db, or ?host=/socket/directory)")
        }
        if host.hasPrefix("/") {
            self.host = nil
            self.socketDirectory = host
        } else {
            self.host = host
            self.socketDirectory = nil
        }
        guard let username, !username.isEmpty else { throw ParseError("no user name (postgres://user@host/db)") }
        self.username = username
        self.password = password ?? environment["PGPASSWORD"]
        let database = try Self.decode(path, "database name")
        guard !database.isEmpty, !database.contains("/") else { throw ParseError("no database name (postgres://user@host/db)") }
        self.database = database

        if let mode = parameters["sslmode"] {
            guard let parsed = SSLMode(rawValue: mode) else {
                throw ParseError(
                    "sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.sslMode = parsed
        } else {
            self.sslMode = .prefer
        }
        if socketDirectory != nil && sslMode != .disable && sslMode != .prefer {
            throw ParseError("sslmode=\(sslMode.rawValue) cannot be used with a unix socket")
        }
        self.sslRootCertificate = parameters["sslrootcert"]
        if let timeout = parameters["connect_timeout"] {
            guard let seconds = Int(timeout), seconds > 0 else { throw ParseError("connect_timeout must be a positive number of seconds") }
            self.connectTimeoutSeconds = seconds
        }
        self.applicationName = parameters["application_name"]
    }

    static let knownParameters: Set<String> = [
        "sslmode", "sslrootcert", "host", "port", "connect_timeout", "application_name",
    ]

    private static func decode(_ text: Substring, _ what: String) throws -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw ParseError("the \(what) has an invalid %-escape")
        }
        return decoded
    }

    /// The URL with the password replaced by `***`: safe to log.
    public var description: String {
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        let credentials = password == nil ? user : "\(user):***"
        let location: String
        if let host {
            location = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        } else {
            location = ""
        }
        var text = "postgres://\(credentials)@\(location)/\(database)?sslmode=\(sslMode.rawValue)"
        if let socketDirectory { text += "&host=\(socketDirectory)&port=\(port)" }
        return text
    }

    /// The PostgresNIO configuration for this URL (TCP or unix socket, TLS per `sslMode`).
    public func configuration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password,
                database: database)
        } else {
            configuration = PostgresConnection.Configuration(
                host: host ?? "localhost", port: port, username: username, password: password, database: database,
                tls: try tls())
        }
        if let connectTimeoutSeconds { configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds)) }
        if let applicationName { configuration.options.additionalStartupParameters.append(("application_name", applicationName)) }
        return configuration
    }

    private func tls() throws -> PostgresConnection.Configuration.TLS {
        try sslMode.connectionTLS(rootCertificate: sslRootCertificate)
    }
}

extension DatabaseURL.SSLMode {
    /// The client's TLS configuration in this mode (libpq's meanings), nil for `disable`:
    /// the one place that decides what is verified, shared by every PostgreSQL client here.
    public func tlsConfiguration(rootCertificate: String?) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch self {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let rootCertificate { configuration.trustRoots = .file(rootCertificate) }
        return configuration
    }

    /// The TLS of a single connection in this mode; throws when the root certificate
    /// cannot be loaded (never a silent fall back to plain text).
    public func connectionTLS(rootCertificate: String?) throws -> PostgresConnection.Configuration.TLS {
        guard let configuration = tlsConfiguration(rootCertificate: rootCertificate) else { return .disable }
        let context = try NIOSSLContext(configuration: configuration)
        return self == .prefer ? .prefer(context) : .require(context)
    }

    /// The TLS of a connection pool in this mode.
    public func clientTLS(rootCertificate: String?) -> PostgresClient.Configuration.TLS {
        guard let configuration = tlsConfiguration(rootCertificate: rootCertificate) else { return .disable }
        return self == .prefer ? .prefer(configuration) : .require(configuration)
    }
}
