import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformAPI
import ScaffoldCore
import TestSupport
import Testing

/// What the OpenTelemetry variables make platform-api do with its spans.
@Suite struct TraceExportPlanTests {
    @Test func planFollowsTheStandardVariables() throws {
        // No endpoint (scaffold dev, tests): spans and ids, nothing sent anywhere.
        #expect(try TraceExport.plan(environment: [:]) == TraceExport(enabled: true, endpoint: nil))
        #expect(try TraceExport.plan(environment: ["OTEL_TRACES_EXPORTER": "otlp"]) == TraceExport(enabled: true, endpoint: nil))
        // The generated Deployment's endpoint: the signal path is appended, as the specification says.
        let tempo = "http://tempo.monitoring.svc.cluster.local:4318"
        #expect(try TraceExport.plan(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": tempo]).endpoint == tempo + "/v1/traces")
        #expect(try TraceExport.plan(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": tempo + "/"]).endpoint == tempo + "/v1/traces")
        // The per-signal endpoint is used as it is, and wins.
        #expect(
            try TraceExport.plan(environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": tempo, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://other:4318/custom",
            ]).endpoint == "http://other:4318/custom")
        // `none` keeps the ids but sends nothing; the SDK switch removes tracing altogether.
        #expect(
            try TraceExport.plan(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": tempo, "OTEL_TRACES_EXPORTER": "none"])
                == TraceExport(enabled: true, endpoint: nil))
        #expect(
            try TraceExport.plan(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": tempo, "OTEL_SDK_DISABLED": "true"])
                == TraceExport(enabled: false, endpoint: nil))
        #expect(try TraceExport.plan(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"]).enabled)
        // The startup line names the endpoint, never credentials in it.
        #expect(TraceExport(enabled: true, endpoint: "http://user:pass@tempo:4318/v1/traces?token=t").summary == "otlp http://tempo:4318/v1/traces")
        #expect(TraceExport(enabled: true, endpoint: nil).summary == "none")

        // What this build cannot do is refused with a hint, not silently dropped.
        let grpc = #expect(throws: TraceExport.Problem.self) {
            try TraceExport.plan(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": tempo, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        }
        #expect(grpc?.description.contains("4318") == true)
        let console = #expect(throws: TraceExport.Problem.self) {
            try TraceExport.plan(environment: ["OTEL_TRACES_EXPORTER": "console"])
        }
        #expect(console?.variable == "OTEL_TRACES_EXPORTER")
    }
}

extension DatabaseBackedTests {
    /// The built `platform-api` executable, started as the Deployment starts it (only
    /// environment variables), exporting to a collector in the test.
    @Suite struct TraceExportTests {
        /// A caller's W3C trace context.
        struct Caller {
            var traceID = Self.hex(16)
            var spanID = Self.hex(8)
            var traceparent: String { "00-\(traceID)-\(spanID)-01" }

            static func hex(_ bytes: Int) -> String {
                (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            }
        }

        /// One running platform-api process on a fresh database.
        struct Process {
            var child: ChildProcess
            var port: Int
            var log: URL
            var database: String

            /// The JSON log lines it wrote so far.
            var lines: [[String: String]] {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                return text.split(separator: "\n").compactMap { line in
                    try? JSONDecoder().decode([String: String].self, from: Data(line.utf8))
                }
            }

            func withClient<T: Sendable>(_ body: @escaping @Sendable (APIClient) async throws -> T) async throws -> T {
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in try await body(APIClient(live: client)) }
            }
        }

        /// Starts platform-api with `otel` added to its environment and waits for `/readyz`.
        func start(otel: [String: String], folder: TemporaryDirectory) async throws -> Process? {
            let executable = DevSessionTests.platformAPI
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                Issue.record("build the platform-api product first (swift build --product platform-api): \(executable)")
                return nil
            }
            guard TestServers.postgres != nil else { return nil }
            let database = try await TestServers.freshDatabase()
            let port = try LoopbackPort.free()
            let environment = [
                "PLATFORM_API_HOST": "127.0.0.1", "PLATFORM_API_PORT": String(port), "JWT_SECRET": LiveInstance.jwtSecret,
                "DATABASE_HOST": database.host, "DATABASE_PORT": String(database.port), "DATABASE_NAME": database.database,
                "DATABASE_USER": database.username, "LOG_LEVEL": "debug",
            ].merging(otel) { $1 }
            let log = folder.url.appendingPathComponent("platform-api-\(port).log")
            let child = try ChildProcess.spawn(executable, ["serve"], environment: environment, output: log, name: "platform-api")
            let process = Process(child: child, port: port, log: log, database: database.database)
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, child.isRunning {
                if LoopbackPort.isListening(port) {
                    let status = try? await process.withClient { api -> HTTPResponse.Status in try await api.call(.get, "/readyz").status }
                    if status == .ok { return process }
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            _ = await child.stop()
            throw ScenarioError("platform-api did not become ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }

        /// Signs a guest in as `caller`, with `requestID` in `X-Request-Id`.
        func signIn(_ process: Process, caller: Caller, requestID: String?) async throws -> APIResponse {
            var fields: HTTPFields = [HTTPField.Name("traceparent")!: caller.traceparent]
            if let requestID { fields[HTTPField.Name("X-Request-Id")!] = requestID }
            let headers = fields
            return try await process.withClient { api in try await api.call(.post, "/auth/guest", headers: headers) }
        }

        @Test func requestSpanAndItsDatabaseSpanReachTheCollector() async throws {
            let collector = try await OTLPCollector.start()
            let folder = try TemporaryDirectory(prefix: "traces")
            guard let process = try await start(otel: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)", "OTEL_BSP_SCHEDULE_DELAY": "100",
                "OTEL_SERVICE_NAME": "platform-api-traces-test", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test,cloud.region=tr",
            ], folder: folder) else { return await collector.stop() }
            let caller = Caller()
            let response = try await signIn(process, caller: caller, requestID: "req-trace-1")
            #expect(response.status == .created)
            #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "req-trace-1")

            let server = try await collector.waitForSpan { $0.traceID == caller.traceID && $0.kind == 2 }
            let database = try await collector.waitForSpan { $0.traceID == caller.traceID && $0.kind == 3 }
            #expect(await process.child.stop() == 0)
            await collector.stop()

            let span = try #require(server, "no server span of the caller's trace among \(collector.spans.map(\.name))")
            #expect(span.parentSpanID == caller.spanID)
            #expect(span.name == "/auth/guest")
            #expect(span.attributes["http.route"] == "/auth/guest")
            #expect(span.attributes["http.request.method"] == "POST")
            #expect(span.attributes["http.response.status_code"] == "201")
            #expect(span.attributes["http.request.header.x_request_id"] == "req-trace-1")
            #expect(span.statusCode != 2)
            #expect(span.resource["service.name"] == "platform-api-traces-test")
            #expect(span.resource["deployment.environment"] == "test")
            #expect(span.resource["cloud.region"] == "tr")

            let child = try #require(database, "no client span under the request")
            #expect(child.name == "postgresql createGuest")
            #expect(child.parentSpanID == span.spanID)
            #expect(child.attributes["db.system.name"] == "postgresql")
            #expect(child.attributes["db.namespace"] == process.database)
            #expect(child.attributes["server.address"] == "127.0.0.1")
        }

        @Test func aRevocationTracesItsTransactionAndItsRedisPublish() async throws {
            guard try TestTools.require("redis-server") else { return }
            let redis = try await RedisServer.start()
            defer { redis.stop() }
            let collector = try await OTLPCollector.start()
            let folder = try TemporaryDirectory(prefix: "traces")
            guard let process = try await start(otel: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)", "OTEL_BSP_SCHEDULE_DELAY": "100",
                "CONFIG_TRANSPORT": "redis", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": String(redis.port),
            ], folder: folder) else { return await collector.stop() }
            let caller = Caller()
            let status = try await process.withClient { api -> HTTPResponse.Status in
                let guest = try await api.signIn()
                return try await api.call(.post, "/auth/revoke", token: guest.token, headers: [HTTPField.Name("traceparent")!: caller.traceparent]).status
            }
            #expect(status == .noContent)
            let publish = try await collector.waitForSpan { $0.traceID == caller.traceID && $0.name == "redis PUBLISH" }
            #expect(await process.child.stop() == 0)
            await collector.stop()

            let spans = collector.spans.filter { $0.traceID == caller.traceID }
            let server = try #require(spans.first { $0.kind == 2 }, "\(spans)")
            #expect(server.name == "/auth/revoke")
            let transaction = try #require(spans.first { $0.name == "postgresql revoke" }, "\(spans.map(\.name))")
            #expect(transaction.parentSpanID == server.spanID)
            let published = try #require(publish, "\(spans.map(\.name))")
            // After the commit, beside the transaction, not inside it.
            #expect(published.parentSpanID == server.spanID)
            #expect(published.kind == 3)
            #expect(published.attributes["db.system.name"] == "redis")
            #expect(published.attributes["server.port"] == String(redis.port))
            #expect(published.attributes["messaging.destination.name"]?.hasPrefix("platform:") == true)
        }

        @Test func logLinesOfARequestCarryItsRequestIDAndTraceID() async throws {
            let folder = try TemporaryDirectory(prefix: "traces")
            guard let process = try await start(otel: [:], folder: folder) else { return }
            let caller = Caller()
            let given = try await signIn(process, caller: caller, requestID: "req-logs-1")
            // A caller without an id, and one whose id could forge log lines, get a fresh one.
            let generated = try await signIn(process, caller: Caller(), requestID: nil)
            let forged = try await signIn(process, caller: Caller(), requestID: "x\"} {\"level\":\"critical")
            #expect(await process.child.stop() == 0)

            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "req-logs-1")
            let generatedID = try #require(generated.headers[HTTPField.Name("X-Request-Id")!])
            let replacedID = try #require(forged.headers[HTTPField.Name("X-Request-Id")!])
            #expect(!generatedID.isEmpty && replacedID != "x\"} {\"level\":\"critical")
            #expect(generatedID != replacedID)

            let lines = process.lines
            let ofRequest = lines.filter { $0["request_id"] == "req-logs-1" }
            // The access line (the request's logger) and the transaction's line (the
            // runtime's logger): every one carries the caller's trace.
            let access = ofRequest.first { $0["msg"] == "request" }
            #expect(access?["http.route"] == "/auth/guest")
            #expect(access?["http.status"] == "201")
            // The transaction's line, from the runtime's logger in the pool's own task, under
            // the database span.
            let committed = ofRequest.first { $0["msg"] == "transaction committed" }
            #expect(committed?["db.operation"] == "createGuest")
            #expect(committed?["span_id"] != nil && committed?["span_id"] != access?["span_id"])
            for line in ofRequest {
                #expect(line["trace_id"] == caller.traceID, "\(line)")
                #expect(line["span_id"]?.count == 16, "\(line)")
            }
            // Every line written while a request was handled names its request.
            for line in lines where line["http.route"] != nil {
                #expect(line["request_id"] != nil && line["trace_id"] != nil, "\(line)")
            }
            #expect(lines.contains { $0["request_id"] == generatedID })
            #expect(lines.contains { $0["request_id"] == replacedID })
            #expect(!lines.contains { $0["request_id"]?.contains("critical") == true })
            #expect(!lines.contains { $0["hb.request.id"] != nil })
            // Lines outside requests (startup, background loops) carry neither.
            let startup = try #require(lines.first { $0["msg"] == "traces" })
            #expect(startup["otel.exporter"] == "none")
            #expect(startup["request_id"] == nil && startup["trace_id"] == nil)
        }

        @Test func withoutAnEndpointNothingIsSentAndTheServiceWorks() async throws {
            let collector = try await OTLPCollector.start()
            let folder = try TemporaryDirectory(prefix: "traces")
            // `none` with the collector as endpoint: nothing reaches it.
            guard let silenced = try await start(otel: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)", "OTEL_TRACES_EXPORTER": "none",
                "OTEL_BSP_SCHEDULE_DELAY": "50",
            ], folder: folder) else { return await collector.stop() }
            #expect(try await signIn(silenced, caller: Caller(), requestID: nil).status == .created)
            // The exporter stops last and flushes: after a graceful exit nothing is left to send.
            #expect(await silenced.child.stop() == 0)
            #expect(collector.requests == 0)

            // No endpoint at all (scaffold dev): the collector on OTLP's default port 4318
            // hears nothing, where swift-otel alone would fall back to localhost:4318.
            let defaultPort = try? await OTLPCollector.start(port: 4318)
            guard let plain = try await start(otel: ["OTEL_TRACES_EXPORTER": "otlp", "OTEL_BSP_SCHEDULE_DELAY": "50"], folder: folder) else {
                await defaultPort?.stop()
                return await collector.stop()
            }
            #expect(try await signIn(plain, caller: Caller(), requestID: nil).status == .created)
            #expect(await plain.child.stop() == 0)
            if let defaultPort {
                #expect(defaultPort.requests == 0)
                await defaultPort.stop()
            }
            #expect(collector.requests == 0)
            await collector.stop()
        }

        @Test func sigtermFlushesTheSpansOfDrainedRequests() async throws {
            let collector = try await OTLPCollector.start()
            let folder = try TemporaryDirectory(prefix: "traces")
            // A schedule far longer than the test: only the shutdown's flush can send the spans.
            guard let process = try await start(otel: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)", "OTEL_BSP_SCHEDULE_DELAY": "600000",
            ], folder: folder) else { return await collector.stop() }
            let caller = Caller()
            #expect(try await signIn(process, caller: caller, requestID: nil).status == .created)
            #expect(collector.spans.isEmpty)
            #expect(await process.child.stop() == 0)
            await collector.stop()
            let ofCaller = collector.spans.filter { $0.traceID == caller.traceID }
            #expect(ofCaller.map(\.name).sorted() == ["/auth/guest", "postgresql createGuest"])
            #expect(ofCaller.map(\.kind).sorted() == [2, 3])
        }
    }
}
