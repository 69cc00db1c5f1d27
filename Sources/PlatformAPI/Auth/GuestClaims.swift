import Foundation
import JWTKit

/// The claims of a platform-api access token: a guest user id and its `guest-NNNN`
/// key, a unique token id (`jti`) for revocation, and a short lifetime. No personal
/// data: guests are anonymous by design.
public struct GuestClaims: JWTPayload, Equatable {
    /// Longest lifetime a token may have (the platform's rule: at most 15 minutes).
    public static let maximumLifetime: TimeInterval = 15 * 60
    /// The issuer every token carries and every verification checks.
    public static let issuer = "platform-api"

    /// The guest user's id.
    public var sub: SubjectClaim
    /// The guest user's public key, `guest-NNNN`.
    public var guestKey: String
    /// The token's unique id, the handle for revocation.
    public var jti: IDClaim
    /// Issuer.
    public var iss: IssuerClaim
    /// Issued at.
    public var iat: IssuedAtClaim
    /// Expiry.
    public var exp: ExpirationClaim
    /// Whether the bearer may change service configuration.
    public var admin: Bool

    enum CodingKeys: String, CodingKey {
        case sub, jti, iss, iat, exp
        case guestKey = "gst"
        case admin = "adm"
    }

    /// Creates claims.
    public init(userID: UUID, guestKey: String, jti: String, issuedAt: Date, expiresAt: Date, admin: Bool) {
        self.sub = SubjectClaim(value: userID.uuidString.lowercased())
        self.guestKey = guestKey
        self.jti = IDClaim(value: jti)
        self.iss = IssuerClaim(value: Self.issuer)
        self.iat = IssuedAtClaim(value: issuedAt)
        self.exp = ExpirationClaim(value: expiresAt)
        self.admin = admin
    }

    /// Rejects expired tokens, foreign issuers and lifetimes above the maximum.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unknown issuer") }
        guard exp.value.timeIntervalSince(iat.value) <= Self.maximumLifetime + 1 else {
            throw JWTError.claimVerificationFailure(failedClaim: exp, reason: "lifetime above 15 minutes")
        }
        guard UUID(uuidString: sub.value) != nil else {
            throw JWTError.claimVerificationFailure(failedClaim: sub, reason: "subject is not a user id")
        }
    }
}

/// Who is calling, once the bearer token has been verified.
public struct AuthenticatedGuest: Sendable, Equatable {
    /// The guest user's id.
    public var userID: UUID
    /// The guest user's public key.
    public var guestKey: String
    /// The token's id.
    public var jti: String
    /// When the token expires.
    public var expiresAt: Date
    /// Whether the bearer may change service configuration.
    public var isAdmin: Bool
}
