import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A tiny OpenTelemetry collector on 127.0.0.1: accepts OTLP/HTTP `POST /v1/traces`
/// (protobuf, as Tempo's receiver on 4318 does), decodes the spans and keeps them.
final class OTLPCollector: Sendable {
    let port: Int
    private let store: Store
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(port: Int, store: Store, task: Task<Void, any Error>, group: ServiceGroup) {
        self.port = port
        self.store = store
        self.task = task
        self.group = group
    }

    /// One received span, with its resource's attributes.
    struct Span: Sendable, Equatable {
        var traceID: String
        var spanID: String
        var parentSpanID: String
        var name: String
        /// OTLP's `SpanKind`: 2 server, 3 client.
        var kind: Int
        var attributes: [String: String]
        /// OTLP's `StatusCode`: 0 unset, 1 ok, 2 error.
        var statusCode: Int
        var resource: [String: String]
    }

    /// Every span received so far.
    var spans: [Span] { store.spans.withLock { $0 } }
    /// How many export requests arrived (decodable or not).
    var requests: Int { store.requests.withLock { $0 } }

    /// Listens on `port` (0: a free one).
    static func start(port: Int = 0) async throws -> OTLPCollector {
        let store = Store()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            store.requests.withLock { $0 += 1 }
            let body = try await request.body.collect(upTo: 8 << 20)
            let spans = try OTLPDecoder.spans(exportRequest: Array(body.readableBytesView)[...])
            store.spans.withLock { $0 += spans }
            // An empty ExportTraceServiceResponse: full success.
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init())
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "otlp-collector")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            throw ScenarioError("the OTLP collector did not start listening")
        }
        return OTLPCollector(port: bound, store: store, task: task, group: group)
    }

    /// Waits (generously: the batch processor's delay plus a loaded machine) until a span
    /// satisfies `predicate`; that span, or nil.
    func waitForSpan(within limit: Duration = .seconds(20), where predicate: (Span) -> Bool) async throws -> Span? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let span = spans.first(where: predicate) { return span }
            try await Task.sleep(for: .milliseconds(50))
        }
        return spans.first(where: predicate)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    private final class Store: Sendable {
        let spans = Mutex<[Span]>([])
        let requests = Mutex(0)
    }
}

/// Reads the protobuf wire format of OTLP's `ExportTraceServiceRequest` (only the fields
/// the tests look at; swift-otel's generated types are internal to it).
enum OTLPDecoder {
    struct Malformed: Error {}

    /// One field: its number, and its value as a varint or as bytes.
    struct Field {
        var number: Int
        var varint: UInt64 = 0
        var bytes: ArraySlice<UInt8> = []
    }

    static func fields(_ data: ArraySlice<UInt8>) throws -> [Field] {
        var fields: [Field] = []
        var index = data.startIndex
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < data.endIndex, shift < 64 else { throw Malformed() }
                let byte = data[index]
                index += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, data.endIndex - index >= count else { throw Malformed() }
            defer { index += count }
            return data[index..<index + count]
        }
        while index < data.endIndex {
            let key = try varint()
            var field = Field(number: Int(key >> 3))
            switch key & 7 {
            case 0: field.varint = try varint()
            case 1: field.bytes = try take(8)
            case 2: field.bytes = try take(Int(try varint()))
            case 5: field.bytes = try take(4)
            default: throw Malformed()
            }
            fields.append(field)
        }
        return fields
    }

    static func spans(exportRequest data: ArraySlice<UInt8>) throws -> [OTLPCollector.Span] {
        var spans: [OTLPCollector.Span] = []
        for resourceSpans in try fields(data) where resourceSpans.number == 1 {
            let parts = try fields(resourceSpans.bytes)
            var resource: [String: String] = [:]
            for field in parts where field.number == 1 {
                resource = try attributes(in: field.bytes, number: 1)
            }
            for scopeSpans in parts where scopeSpans.number == 2 {
                for span in try fields(scopeSpans.bytes) where span.number == 2 {
                    spans.append(try self.span(span.bytes, resource: resource))
                }
            }
        }
        return spans
    }

    private static func span(_ data: ArraySlice<UInt8>, resource: [String: String]) throws -> OTLPCollector.Span {
        var span = OTLPCollector.Span(
            traceID: "", spanID: "", parentSpanID: "", name: "", kind: 0, attributes: [:], statusCode: 0, resource: resource)
        for field in try fields(data) {
            switch field.number {
            case 1: span.traceID = hex(field.bytes)
            case 2: span.spanID = hex(field.bytes)
            case 4: span.parentSpanID = hex(field.bytes)
            case 5: span.name = String(decoding: field.bytes, as: UTF8.self)
            case 6: span.kind = Int(field.varint)
            case 15:
                for status in try fields(field.bytes) where status.number == 3 { span.statusCode = Int(status.varint) }
            default: break
            }
        }
        span.attributes = try attributes(in: data, number: 9)
        return span
    }

    /// The `KeyValue` fields numbered `number` of a message, values as text.
    private static func attributes(in data: ArraySlice<UInt8>, number: Int) throws -> [String: String] {
        var attributes: [String: String] = [:]
        for pair in try fields(data) where pair.number == number {
            var key = ""
            var value = ""
            for field in try fields(pair.bytes) {
                if field.number == 1 { key = String(decoding: field.bytes, as: UTF8.self) }
                if field.number == 2 {
                    for any in try fields(field.bytes) {
                        switch any.number {
                        case 1: value = String(decoding: any.bytes, as: UTF8.self)
                        case 2: value = any.varint != 0 ? "true" : "false"
                        case 3: value = String(Int64(bitPattern: any.varint))
                        default: value = "<\(any.number)>"
                        }
                    }
                }
            }
            attributes[key] = value
        }
        return attributes
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
