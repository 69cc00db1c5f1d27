import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The request context of platform-api: Hummingbird's core storage, WebSocket upgrade
/// support, and the caller once `AuthMiddleware` has verified the bearer token.
public struct APIRequestContext: RequestContext, WebSocketRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// Where a WebSocket route leaves its handler for the upgrade.
    public let webSocket: WebSocketHandlerReference<Self>
    /// The verified caller; nil on public routes.
    public var guest: AuthenticatedGuest?
    /// The TCP peer's IP address; nil when unknown (router tests run without a socket).
    public let peerAddress: String?

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        guest = nil
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller, or 401.
    public func requireGuest() throws -> AuthenticatedGuest {
        guard let guest else { throw APIError.unauthorized() }
        return guest
    }
}
