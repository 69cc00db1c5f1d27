import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /auth/guest`, `POST /auth/admin`, `POST /auth/revoke`, `GET /me`.
struct AuthController {
    let runtime: PlatformRuntime

    /// Sign-in is limited per client address: every guest sign-in creates a user that stays,
    /// and admin sign-in must not be a key-guessing oracle.
    func addPublicRoutes(to router: Router<APIRequestContext>) {
        let limited = router.group().add(
            middleware: RateLimitMiddleware(
                limiter: runtime.rateLimiters.signIn,
                key: .clientAddress(ClientAddressResolver(trustedProxies: runtime.configuration.limits.trustedProxies)),
                action: "sign_in", metrics: runtime.metrics))
        limited.post("/auth/guest") { request, _ in try await issueGuest(request) }
        limited.post("/auth/admin") { request, _ in try await issueAdmin(request) }
    }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("/auth/revoke") { request, context in try await revoke(request, context: context) }
        group.get("/me") { _, context in try me(context: context) }
    }

    /// A new anonymous guest and its token. Nothing is asked for: no name, no e-mail.
    func issueGuest(_ request: Request) async throws -> Response {
        _ = try await JSONObject.read(request, allowed: [], emptyAllowed: true)
        let user = try await runtime.repositories.guests.createGuest()
        return try await tokenResponse(for: user, admin: false)
    }

    /// Exchanges the configured admin key for a token allowed to change configuration.
    func issueAdmin(_ request: Request) async throws -> Response {
        guard let adminKey = runtime.configuration.adminKey else { throw APIError.notFound("admin sign-in") }
        let body = try await JSONObject.read(request, allowed: ["key"])
        let offered = try body.string("key") ?? ""
        // Compare digests so the comparison takes the same time whatever the input.
        let matches = SHA256.hash(data: Data(offered.utf8)) == SHA256.hash(data: Data(adminKey.utf8))
        guard matches else { throw APIError.unauthorized("the admin key is not valid") }
        let user = try await runtime.repositories.guests.createGuest()
        return try await tokenResponse(for: user, admin: true)
    }

    private func tokenResponse(for user: GuestUser, admin: Bool) async throws -> Response {
        let issued = try await runtime.tokens.issue(userID: user.id, guestKey: user.guestKey, admin: admin)
        let body = Wire.Token(
            accessToken: issued.token,
            expiresIn: Int(runtime.tokens.lifetime),
            jti: issued.claims.jti.value,
            user: Wire.User(id: user.id.lowercased, guestKey: user.guestKey),
            admin: admin
        )
        return try JSONResponse.make(body, status: .created)
    }

    /// Revokes the caller's own token, or (admins) any token id.
    func revoke(_ request: Request, context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let body = try await JSONObject.read(request, allowed: ["jti"], emptyAllowed: true)
        var jti = guest.jti
        var expiresAt = guest.expiresAt
        if let other = try body.string("jti", required: false), other != guest.jti {
            guard guest.isAdmin else { throw APIError.forbidden("only an admin may revoke another token") }
            jti = try Validation.operationID(other)
            expiresAt = Date().addingTimeInterval(GuestClaims.maximumLifetime)
        }
        // Refused here before anything else can wait (the write, then the event other
        // instances follow): failing closed, a revocation that did not commit still holds here.
        runtime.revocations.insert(jti, expiresAt: expiresAt)
        runtime.chatHub.handle(.tokenRevoked(jti: jti))
        try await runtime.repositories.guests.revoke(jti: jti, expiresAt: expiresAt)
        runtime.metrics.tokensRevoked.increment()
        return Response(status: .noContent)
    }

    func me(context: APIRequestContext) throws -> Response {
        let guest = try context.requireGuest()
        return try JSONResponse.make(
            Wire.Me(
                user: Wire.User(id: guest.userID.lowercased, guestKey: guest.guestKey), jti: guest.jti,
                expiresAt: guest.expiresAt, admin: guest.isAdmin))
    }
}
