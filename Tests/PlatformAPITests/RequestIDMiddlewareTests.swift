import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PlatformAPI
import Testing

/// `X-Request-Id` on every kind of answer, through the router (no tracer bootstrapped:
/// spans are no-ops, ids are still given).
@Suite struct RequestIDTests {
    static let header = HTTPField.Name("X-Request-Id")!

    @Test func everyAnswerCarriesTheRequestID() async throws {
        let sink = JSONLogSink.capturing()
        let logger = Logger(label: "request-id-tests") { label in
            JSONLogHandler(label: label, level: .debug, metadataProvider: RequestIdentity.metadataProvider, sink: sink)
        }
        let base = await RouterTests.makeRuntime()
        let runtime = await PlatformRuntime(configuration: base.configuration, dependencies: .inMemory(), logger: logger)
        try await buildApplication(runtime: runtime).test(.router) { client in
            let api = APIClient(client)
            // A success, an error thrown by a middleware (401), a handler's refusal (422) and
            // an unknown route (404): the caller's id comes back on each.
            let ok = try await api.call(.get, "/healthz", headers: [Self.header: "id-ok"])
            #expect(ok.status == .ok && ok.headers[Self.header] == "id-ok")
            let unauthorized = try await api.call(.get, "/me", headers: [Self.header: "id-401"])
            #expect(unauthorized.status == .unauthorized && unauthorized.headers[Self.header] == "id-401")
            let bad = try await api.call(.post, "/auth/guest", json: #"{"email":"a@b.c"}"#, headers: [Self.header: "id-422"])
            #expect(bad.status == .unprocessableContent && bad.headers[Self.header] == "id-422")
            let missing = try await api.call(.get, "/nowhere", headers: [Self.header: "id-404"])
            #expect(missing.status == .notFound && missing.headers[Self.header] == "id-404")
            // Without one, or with one that is not an id, a fresh id per request.
            let first = try #require(try await api.call(.get, "/healthz").headers[Self.header])
            let long = String(repeating: "a", count: 129)
            let second = try #require(try await api.call(.get, "/healthz", headers: [Self.header: long]).headers[Self.header])
            #expect(first != second && second != long)
        }
        // The access line of a refused request names it, as a served one's does.
        let lines = sink.captured.compactMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        #expect(lines.contains { $0["request_id"] == "id-401" && $0["http.status"] == "401" })
        #expect(lines.contains { $0["request_id"] == "id-ok" && $0["http.status"] == "200" })
    }
}
