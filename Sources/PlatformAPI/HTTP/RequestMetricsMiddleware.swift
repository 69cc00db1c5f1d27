import Hummingbird
import Logging

/// Counts and times every request by method, route pattern and status, and writes one
/// access log line with the same fields (never the query string, a body or a header).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            record(method: method, context: context, status: Int(response.status.code), start: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(method: method, context: context, status: Int(status), start: start)
            throw error
        }
    }

    private func record(method: String, context: Context, status: Int, start: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(method: method, route: route, status: status, duration: duration)
        context.logger.log(
            level: status >= 500 ? .error : .debug,
            "request",
            metadata: [
                "http.method": "\(method)", "http.route": "\(route)", "http.status": "\(status)",
                "duration_ms": "\(Double(duration.nanoseconds) / 1_000_000)",
            ])
    }
}
