import HTTPTypes
import Hummingbird

/// Verifies the bearer token of every request on the routes it guards.
///
/// The token comes from `Authorization: Bearer …`, or, for browsers opening a WebSocket
/// (which cannot set headers), from the `Sec-WebSocket-Protocol` list `bearer, <token>`;
/// never from the URL, which ends up in access logs. A revoked token is refused, and
/// until this instance has read the denylist once every request is refused with 503
/// (after waiting `denylistWait` for it): a just-started instance does not know yet
/// which tokens were revoked.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let tokens: TokenService
    let revocations: RevocationList
    let denylistLoaded: ReadinessGate
    let denylistWait: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard await denylistLoaded.wait(upTo: denylistWait) else {
            throw APIError.unavailable("denylist_not_loaded", "this instance has not read the token denylist yet; retry")
        }
        guard let token = Self.bearerToken(in: request) else { throw APIError.unauthorized() }
        let guest: AuthenticatedGuest
        do {
            guest = try await tokens.verify(token)
        } catch {
            throw APIError.unauthorized("the bearer token is invalid or expired")
        }
        if revocations.contains(guest.jti) {
            throw APIError.unauthorized("the bearer token has been revoked")
        }
        var context = context
        context.guest = guest
        context.logger[metadataKey: "user_id"] = "\(guest.userID.lowercased)"
        return try await next(request, context)
    }

    /// The token of `Authorization: Bearer`, else of `Sec-WebSocket-Protocol: bearer, <token>`.
    static func bearerToken(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return nil
        }
        if let protocols = request.headers[.secWebSocketProtocol] {
            let items = protocols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if items.count == 2, items[0] == WebSocketAuth.subprotocol { return items[1] }
        }
        return nil
    }
}

/// The WebSocket subprotocol browsers use to carry their token.
enum WebSocketAuth {
    static let subprotocol = "bearer"
}
