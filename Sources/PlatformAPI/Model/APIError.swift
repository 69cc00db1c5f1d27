import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error a client can act on: an HTTP status, a stable machine-readable code and a
/// message. Rendered as `{"error":{"code":…,"message":…}}`; messages never echo request
/// bodies, tokens or anything personal.
public struct APIError: HTTPResponseError, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable code, e.g. `not_found`, `version_mismatch`.
    public var code: String
    /// A human-readable explanation.
    public var message: String
    /// Extra response headers (e.g. `ETag` on a 412).
    public var headers: HTTPFields

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// Renders the JSON body.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(ErrorBody(error: ErrorBody.Detail(code: code, message: message)))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 401: no valid bearer token.
    public static func unauthorized(_ message: String = "a valid bearer token is required") -> APIError {
        APIError(.unauthorized, code: "unauthorized", message, headers: [.wwwAuthenticate: "Bearer"])
    }
    /// 503: this instance cannot answer yet; `Retry-After` in seconds.
    public static func unavailable(_ code: String, _ message: String, retryAfter seconds: Int = 1) -> APIError {
        APIError(.serviceUnavailable, code: code, message, headers: [.retryAfter: "\(seconds)"])
    }
    /// 429: a rate limit; `Retry-After` in whole seconds, rounded up.
    public static func tooManyRequests(_ message: String, retryAfter: Duration) -> APIError {
        APIError(.tooManyRequests, code: "rate_limited", message, headers: [.retryAfter: "\(retryAfter.wholeSecondsRoundedUp)"])
    }
    /// 403: authenticated, but not allowed.
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message) }
    /// 404: absent, or belonging to another tenant (the two are indistinguishable on purpose).
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, code: "not_found", "\(what) not found") }
    /// 409: conflicts with existing state.
    public static func conflict(_ code: String, _ message: String) -> APIError { APIError(.conflict, code: code, message) }
    /// 422: well-formed but not acceptable.
    public static func unprocessable(_ code: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code: code, message)
    }
    /// 400: malformed.
    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message) }
}

/// `{"error":{"code":…,"message":…}}`
private struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }
    var error: Detail
}
