import Crypto
import Foundation
import JWTKit

/// Issues and verifies HS256 access tokens. The signing secret comes from the
/// environment (a Kubernetes Secret in the platform) and is never logged or returned.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    /// Lifetime of issued tokens, at most `GuestClaims.maximumLifetime`.
    public let lifetime: TimeInterval

    /// Creates the service; `lifetime` is clamped to 15 minutes.
    public init(secret: String, lifetime: TimeInterval = GuestClaims.maximumLifetime) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = min(max(lifetime, 1), GuestClaims.maximumLifetime)
    }

    /// An issued token and what it says.
    public struct IssuedToken: Sendable {
        /// The compact JWT.
        public var token: String
        /// Its claims.
        public var claims: GuestClaims
    }

    /// Signs a new token for a guest user, with a fresh random `jti`.
    public func issue(userID: UUID, guestKey: String, admin: Bool = false, now: Date = Date()) async throws -> IssuedToken {
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = GuestClaims(
            userID: userID,
            guestKey: guestKey,
            jti: Self.randomTokenID(),
            issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(lifetime),
            admin: admin
        )
        return IssuedToken(token: try await keys.sign(claims), claims: claims)
    }

    /// Verifies signature, issuer and expiry; does not consult the denylist (see `RevocationList`).
    public func verify(_ token: String) async throws -> AuthenticatedGuest {
        let claims = try await keys.verify(token, as: GuestClaims.self)
        guard let userID = UUID(uuidString: claims.sub.value) else { throw JWTError.generic(identifier: "sub", reason: "not a user id") }
        return AuthenticatedGuest(
            userID: userID,
            guestKey: claims.guestKey,
            jti: claims.jti.value,
            expiresAt: claims.exp.value,
            isAdmin: claims.admin
        )
    }

    /// 128 random bits, hex: unguessable and free of any user data.
    static func randomTokenID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
