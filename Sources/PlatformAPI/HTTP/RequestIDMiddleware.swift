import HTTPTypes
import Hummingbird
import Logging
import Tracing

/// Gives every request an id and answers it in `X-Request-Id`: the caller's own when it
/// sent a plausible one (a proxy's or another service's), else Hummingbird's per-request
/// id. The id rides in the task's `ServiceContext`, so every line logged while the request
/// is handled, by any logger (the repositories' and the saga's too), carries `request_id`
/// through ``RequestIdentity/metadataProvider``, and the request span records it as
/// `http.request.header.x_request_id`.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let generated = context.logger[metadataKey: Self.hummingbirdKey].map { "\($0)" }
        let id = RequestIdentity.accepted(request.headers[.xRequestID]) ?? generated ?? RequestID().description
        // One id per line: the request's replaces Hummingbird's own key.
        context.logger[metadataKey: Self.hummingbirdKey] = nil
        var head = request.head
        head.headerFields[.xRequestID] = id
        let request = Request(head: head, body: request.body)
        var serviceContext = ServiceContext.current ?? .topLevel
        serviceContext.requestID = id
        do {
            var response = try await ServiceContext.withValue(serviceContext) { try await next(request, context) }
            response.headers[.xRequestID] = id
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[.xRequestID] = id
            return response
        } catch {
            // What Hummingbird answers an error that is not an HTTP error, with the id.
            context.logger.debug("Unrecognised Error", metadata: ["error.type": "\(type(of: error))"])
            return Response(status: .internalServerError, headers: [.xRequestID: id])
        }
    }

    private static let hummingbirdKey = "hb.request.id"
}

/// The request id in the task's context, and its log metadata.
public enum RequestIdentity {
    /// `request_id` of the request being handled, if any (`LoggingSystem`'s metadata
    /// provider, with ``TraceExport/metadataProvider``).
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = ServiceContext.current?.requestID else { return [:] }
        return ["request_id": .string(id)]
    }

    /// A caller's id when it is one: 1…128 characters of letters, digits, `-`, `_`, `.`,
    /// `:` (a UUID, a ULID, a proxy's hex id). Anything else (a log-injection attempt, a
    /// megabyte of text) is replaced by a fresh id.
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count) else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
                true
            default:
                false
            }
        }
        return allowed ? value : nil
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let xRequestID = Self("X-Request-Id")!
}

private enum RequestIDKey: ServiceContextKey {
    typealias Value = String
    static var nameOverride: String? { "request_id" }
}

extension ServiceContext {
    /// The id of the request this task is handling.
    var requestID: String? {
        get { self[RequestIDKey.self] }
        set { self[RequestIDKey.self] = newValue }
    }
}
