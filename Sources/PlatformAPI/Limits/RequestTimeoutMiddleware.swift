import Hummingbird

/// Answers 503 `request_timeout` (with `Retry-After: 1`) when a request takes longer than
/// `timeout`: reading its body (a client trickling bytes) and producing the response.
///
/// 503 rather than 504: there is no upstream that timed out, this service is the one that
/// gave up, and 503 with `Retry-After` is what clients and ingress-nginx retry on. The
/// handler is cancelled; the answer goes out when its current await returns (every await
/// in the handlers — the body, PostgreSQL, Redis — honours cancellation). A WebSocket's
/// lifetime after the upgrade is not a request and is not limited here.
struct RequestTimeoutMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let timeout: Duration
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // The group ends before `handle` returns, and `next` runs once, in one task.
            let handler = UncheckedSendable(next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.value(request, context) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    metrics.requestTimeouts.increment()
                    throw APIError.unavailable("request_timeout", "the request took longer than \(timeout.wholeSecondsRoundedUp) s")
                }
                return response
            }
        }
    }
}

/// Carries a value the compiler cannot prove Sendable into a child task that is known to
/// finish before the value's scope ends.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
