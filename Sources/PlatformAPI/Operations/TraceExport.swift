import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Where platform-api's traces go, read from the standard OpenTelemetry variables.
///
/// Every request gets a server span (`TracingMiddleware`) whose trace continues the caller's
/// W3C `traceparent`, with child spans for its database transactions and Redis publishes;
/// log lines carry the trace id. Spans are exported over OTLP/HTTP (protobuf) by a batch
/// processor, only when an endpoint is configured: the generated Deployment points
/// `OTEL_EXPORTER_OTLP_ENDPOINT` at the region's Tempo; `scaffold dev` and tests set none,
/// so nothing is sent (ids are still made, so logs stay correlated with callers).
///
/// | Variable | Meaning | Default |
/// |---|---|---|
/// | `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) | the collector | unset: no export |
/// | `OTEL_TRACES_EXPORTER` | `otlp` or `none` | `otlp` |
/// | `OTEL_EXPORTER_OTLP_PROTOCOL`, `…_TRACES_PROTOCOL` | `http/protobuf` or `http/json` (no gRPC in this build) | `http/protobuf` |
/// | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` | the resource | `platform-api` |
/// | `OTEL_BSP_SCHEDULE_DELAY` (ms), `OTEL_BSP_*` | the batch span processor | `5000` |
/// | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | sampling | `parentbased_always_on` |
/// | `OTEL_SDK_DISABLED` | `true`: no tracer at all (no trace ids in logs) | `false` |
public struct TraceExport: Sendable, Equatable {
    /// Whether spans are made at all.
    public var enabled: Bool
    /// The collector endpoint spans are sent to; nil: spans are made but not sent.
    public var endpoint: String?

    /// A decision made by hand (tests); ``plan(environment:)`` reads it from the environment.
    public init(enabled: Bool, endpoint: String?) {
        self.enabled = enabled
        self.endpoint = endpoint
    }

    /// For the startup log line: `otlp <endpoint>` without credentials or query, or `none`.
    public var summary: String {
        guard let endpoint else { return enabled ? "none" : "disabled" }
        guard var components = URLComponents(string: endpoint) else { return "otlp" }
        components.user = nil
        components.password = nil
        components.query = nil
        return "otlp \(components.string ?? "")"
    }

    /// A variable that asks for something this build cannot do.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var variable: String
        public var value: String
        public var hint: String
        public var description: String { "error: \(variable)=\(value) is not supported: \(hint)" }
    }

    /// Decides from the environment; throws for an exporter or protocol this build lacks.
    public static func plan(environment: [String: String]) throws -> TraceExport {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        if value("OTEL_SDK_DISABLED")?.lowercased() == "true" { return TraceExport(enabled: false, endpoint: nil) }
        var exporting = true
        if let exporter = value("OTEL_TRACES_EXPORTER") {
            switch exporter.lowercased() {
            case "otlp": break
            case "none": exporting = false
            default:
                throw Problem(
                    variable: "OTEL_TRACES_EXPORTER", value: exporter,
                    hint: "use `otlp` (with OTEL_EXPORTER_OTLP_ENDPOINT) or `none`; standard output carries the JSON logs only")
            }
        }
        for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            guard let proto = value(name) else { continue }
            guard ["http/protobuf", "http/json"].contains(proto.lowercased()) else {
                throw Problem(
                    variable: name, value: proto,
                    hint: "platform-api exports OTLP over HTTP only: set `http/protobuf` and the collector's HTTP port (4318)")
            }
            break
        }
        let endpoint: String?
        if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            endpoint = traces
        } else if let shared = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            endpoint = shared.hasSuffix("/") ? shared + "v1/traces" : shared + "/v1/traces"
        } else {
            endpoint = nil
        }
        return TraceExport(enabled: true, endpoint: exporting ? endpoint : nil)
    }

    /// Bootstraps the process-wide tracer (once per process: the executable's start) and
    /// returns the service that runs the batch processor and the exporter; run it first in
    /// the service group, so that it stops last and flushes the spans of the requests the
    /// server drained. Nil when disabled.
    public func bootstrap(environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard enabled else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "platform-api"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        configuration.traces.exporter = endpoint == nil ? .none : .otlp
        var environment = environment
        // Decided above: an `otlp` without an endpoint must not fall back to localhost:4318.
        environment["OTEL_TRACES_EXPORTER"] = nil
        return try OTel.bootstrap(configuration: configuration, environment: environment)
    }

    /// Log metadata of the task's span: `trace_id`, `span_id` (the `LoggingSystem`'s
    /// metadata provider, with ``RequestIdentity/metadataProvider``).
    public static var metadataProvider: Logger.MetadataProvider {
        OTel.makeLoggingMetadataProvider()
    }
}
