import PostgresNIO

/// The parts of a PostgreSQL error a person can act on: SQLSTATE, message, detail, hint.
///
/// `PSQLError`'s own description is deliberately generic (it may not print query text); this
/// reads the server's fields, which never contain bind values or passwords.
public struct PostgresErrorSummary: Sendable, Equatable, CustomStringConvertible {
    /// The five-character SQLSTATE (`42501`), when the server answered with an error.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The constraint a violation concerns, when there is one.
    public var constraint: String?

    /// Summarises any error thrown by PostgresNIO (or anything else, by its description).
    public init(_ error: any Error) {
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                sqlState = server[.sqlState]
                message = server[.message] ?? "server error"
                detail = server[.detail]
                hint = server[.hint]
                constraint = server[.constraintName]
            } else {
                message = "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
            }
        } else {
            message = "\(error)"
        }
    }

    public var description: String {
        var text = sqlState.map { "\($0): \(message)" } ?? message
        if let detail { text += " (\(detail))" }
        if let hint { text += " hint: \(hint)" }
        return text
    }
}
