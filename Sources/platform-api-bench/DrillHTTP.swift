import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PlatformAPI
import Synchronization

/// The fault drill's HTTP client: one keep-alive connection per instance port, replaced
/// after any failure (a killed instance, a reset connection). Every call reports how long
/// it waited, whatever its outcome; it never throws.
actor DrillHTTP {
    struct Reply: Sendable {
        /// The status, or nil when no response came (`failure` says why).
        var status: Int?
        var json: [String: JSONValue] = [:]
        var headers: [String: String] = [:]
        var waited: Duration
        var failure: String?

        func string(_ key: String) -> String? {
            if case .string(let value)? = json[key] { return value }
            return nil
        }
    }

    private var clients: [Int: TestClient] = [:]
    /// A request waiting longer than this is cut and counted as `timeout` (it already broke the 2 s bound).
    static let timeout = Duration.seconds(5)

    func call(_ port: Int, _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil) async -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let client = self.client(port)
        let start = ContinuousClock.now
        let request = TestClient.Request(path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        // TestClient's own read timeout waits for the request to end; this one does not.
        let outcome = await Self.withTimeout(Self.timeout) { try await client.execute(request) }
        let waited = ContinuousClock.now - start
        switch outcome {
        case .success(let response):
            var object: [String: JSONValue] = [:]
            if let body = response.body, case .object(let parsed)? = try? JSONValue(jsonText: String(buffer: body)) { object = parsed }
            var fields: [String: String] = [:]
            for field in response.headers { fields[field.name.canonicalName] = field.value }
            return Reply(status: response.status.code, json: object, headers: fields, waited: waited)
        case .failure(let error):
            clients[port] = nil
            Task { try? await client.shutdown() }
            return Reply(status: nil, waited: waited, failure: error is TimedOut ? "timeout" : "connection")
        }
    }

    struct TimedOut: Error {}

    /// The outcome of `work`, or `TimedOut` after `limit` (the work is then cancelled and left behind).
    static func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        let task = Task { try await work() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            let once = FirstOutcome(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled, once.resume(.failure(TimedOut())) { task.cancel() }
            }
            Task {
                let result = await task.result
                if once.resume(result) { timer.cancel() }
            }
        }
    }

    /// Resumes a continuation with the first outcome only.
    final class FirstOutcome<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<Result<T, any Error>, Never>?>

        init(_ continuation: CheckedContinuation<Result<T, any Error>, Never>) {
            self.continuation = Mutex(continuation)
        }

        /// Whether this call resumed it.
        func resume(_ result: Result<T, any Error>) -> Bool {
            guard let waiting = continuation.withLock({ value in defer { value = nil }; return value }) else { return false }
            waiting.resume(returning: result)
            return true
        }
    }

    private func client(_ port: Int) -> TestClient {
        if let client = clients[port] { return client }
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: Self.timeout))
        client.connect()
        clients[port] = client
        return client
    }

    func shutdown() async {
        for client in clients.values { try? await client.shutdown() }
        clients = [:]
    }
}
