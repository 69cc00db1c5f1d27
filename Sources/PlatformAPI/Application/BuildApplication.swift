import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The routes of platform-api. Public: health, readiness, metrics, the OpenAPI document,
/// the web page and guest sign-in; everything else needs a bearer token.
public func buildRouter(runtime: PlatformRuntime) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: runtime.metrics))
    OperationsController(runtime: runtime).addRoutes(to: router)
    AuthController(runtime: runtime).addPublicRoutes(to: router)
    let authenticated = router.group()
        .add(middleware: AuthMiddleware(
            tokens: runtime.tokens, revocations: runtime.revocations,
            denylistLoaded: runtime.denylistLoaded, denylistWait: runtime.configuration.denylistWait))
    AuthController(runtime: runtime).addRoutes(to: authenticated)
    OrganizationController(runtime: runtime).addRoutes(to: authenticated)
    ProjectController(runtime: runtime).addRoutes(to: authenticated)
    ChatController(runtime: runtime).addRoutes(to: authenticated)
    ConfigController(runtime: runtime).addRoutes(to: authenticated)
    return router
}

/// The application for a runtime: the router, HTTP/1 with WebSocket upgrade, and the
/// services running beside the server (the database pool, the event transport and the
/// background loops), all stopped gracefully on SIGTERM/SIGINT.
public func buildApplication(
    runtime: PlatformRuntime,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(runtime: runtime)
    var services: [any Service] = runtime.dependencies.services
    services.append(PlatformBackgroundService(runtime: runtime))
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: .init(maxFrameSize: 1 << 16))),
        configuration: .init(
            address: .hostname(runtime.configuration.host, port: runtime.configuration.port),
            serverName: "platform-api"
        ),
        services: services,
        onServerRunning: onServerRunning,
        logger: runtime.logger
    )
}

/// The production entry: PostgreSQL repositories and the configured transport.
public func buildApplication(configuration: AppConfiguration, logger: Logger) async -> some ApplicationProtocol {
    let runtime = await PlatformRuntime(
        configuration: configuration,
        dependencies: .postgres(configuration: configuration, logger: logger),
        logger: logger
    )
    return buildApplication(runtime: runtime)
}
