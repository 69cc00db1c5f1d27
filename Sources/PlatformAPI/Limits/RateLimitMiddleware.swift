import HTTPTypes
import Hummingbird

/// Refuses a request with 429 and `Retry-After` when its key's bucket is empty.
///
/// Keyed by the client address (public routes: sign-in) or by the authenticated user
/// (routes behind `AuthMiddleware`); each use gets its own limiter, so the limits of
/// different actions are independent.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// What a bucket belongs to.
    enum Key: Sendable {
        /// The client address (see `ClientAddressResolver`).
        case clientAddress(ClientAddressResolver)
        /// The authenticated user.
        case user
    }

    let limiter: RateLimiter
    let key: Key
    /// Names the action in the error message and the metric label, e.g. `sign_in`.
    let action: String
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let bucket: String
        switch key {
        case .clientAddress(let resolver):
            bucket = resolver.resolve(
                peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor])
        case .user:
            bucket = try context.requireGuest().userID.lowercased
        }
        if case .limited(let retryAfter) = limiter.acquire(bucket) {
            metrics.recordRateLimited(action)
            throw APIError.tooManyRequests(
                "the \(action) rate limit is exhausted; retry in \(retryAfter.wholeSecondsRoundedUp) s", retryAfter: retryAfter)
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`, set by reverse proxies.
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

extension Duration {
    /// Whole seconds, rounded up, at least 1 (for `Retry-After`).
    var wholeSecondsRoundedUp: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
