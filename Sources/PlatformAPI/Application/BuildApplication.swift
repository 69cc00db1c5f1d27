import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The routes of platform-api. Public: health, readiness, metrics, the OpenAPI document,
/// the web page and guest sign-in; everything else needs a bearer token. Every request is
/// answered within the request timeout; sign-in, organization creation, chat writes and
/// WebSocket connections are rate-limited (`LimitSettings`). Every request has an id
/// (`X-Request-Id`) and a server span continuing the caller's `traceparent`; both are
/// on every line logged while it is handled (`TraceExport`).
public func buildRouter(runtime: PlatformRuntime) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: TracingMiddleware(recordingHeaders: [.xRequestID]))
    router.add(middleware: RequestMetricsMiddleware(metrics: runtime.metrics))
    router.add(middleware: RequestTimeoutMiddleware(timeout: runtime.configuration.limits.requestTimeout, metrics: runtime.metrics))
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
/// background loops), all stopped gracefully on SIGTERM/SIGINT. A connection is closed
/// when it sends no whole first request within `LimitSettings.idleTimeout`, or stays idle
/// that long between requests. `telemetry` (the trace exporter) starts first and stops
/// last, after the server and the loops whose spans it flushes.
public func buildApplication(
    runtime: PlatformRuntime,
    telemetry: [any Service] = [],
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(runtime: runtime)
    var services: [any Service] = telemetry + runtime.dependencies.services
    services.append(PlatformBackgroundService(runtime: runtime))
    let idleTimeout = TimeAmount(runtime.configuration.limits.idleTimeout)
    let webSocketResponder = router.buildResponder()
    let channel = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(idleTimeout: idleTimeout), ws: .init(maxFrameSize: 1 << 16))
    return Application(
        router: router,
        server: HTTPServerBuilder { responder in
            FirstRequestDeadlineChannel(
                base: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: channel),
                timeout: idleTimeout)
        },
        configuration: .init(
            address: .hostname(runtime.configuration.host, port: runtime.configuration.port),
            serverName: "platform-api"
        ),
        services: services,
        onServerRunning: onServerRunning,
        logger: runtime.logger
    )
}

/// The production entry: PostgreSQL repositories, the configured transport, and the
/// trace exporter's service (`TraceExport.bootstrap`), if any.
public func buildApplication(
    configuration: AppConfiguration, telemetry: [any Service] = [], logger: Logger
) async -> some ApplicationProtocol {
    let runtime = await PlatformRuntime(
        configuration: configuration,
        dependencies: .postgres(configuration: configuration, logger: logger),
        logger: logger
    )
    return buildApplication(runtime: runtime, telemetry: telemetry)
}
