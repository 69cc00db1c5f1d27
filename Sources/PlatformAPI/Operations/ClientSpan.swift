import Tracing

/// A client span (a database transaction, a Redis publish) as a child of the request span
/// of the task, when the task is handling a request. Background loops (reconcile,
/// recovery, retention) run untraced: each of their queries would otherwise start a trace
/// of its own every few seconds.
///
/// The span ends when `body` returns; an error it throws is recorded on the span and
/// rethrown.
func withClientSpan<T: Sendable>(
    _ name: String, attributes: SpanAttributes, _ body: () async throws -> T
) async throws -> T {
    guard ServiceContext.current?.requestID != nil else { return try await body() }
    return try await withSpan(name, ofKind: .client) { span in
        span.attributes.merge(attributes)
        return try await body()
    }
}

/// The attributes of spans to one server (OpenTelemetry's database and network conventions).
func serverSpanAttributes(system: String, host: String, port: Int?, namespace: String? = nil) -> SpanAttributes {
    var attributes = SpanAttributes()
    attributes["db.system.name"] = system
    attributes["server.address"] = host
    if let port { attributes["server.port"] = port }
    if let namespace { attributes["db.namespace"] = namespace }
    return attributes
}
