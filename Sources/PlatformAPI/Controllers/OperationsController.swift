import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.yaml` and the web page.
struct OperationsController {
    let runtime: PlatformRuntime

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ in try JSONResponse.make(Wire.Health(status: "ok", checks: nil)) }
        router.get("/readyz") { _, _ in try await readiness() }
        router.get("/metrics") { _, _ in metrics() }
        router.get("/regions") { _, _ in try regions() }
        for asset in StaticAssets.all {
            router.get(RouterPath(asset.path)) { _, _ in asset.response() }
        }
    }

    /// 200 when warm-loaded and connected to the database and the event transport, else 503.
    func readiness() async throws -> Response {
        let checks = await runtime.readiness()
        let ready = checks.values.allSatisfy { $0 }
        return try JSONResponse.make(
            Wire.Health(status: ready ? "ready" : "not_ready", checks: checks.mapValues { $0 ? "ok" : "failing" }),
            status: ready ? .ok : .serviceUnavailable)
    }

    /// The home regions an organization may choose (the blueprint's regions, for data residency).
    func regions() throws -> Response {
        let configured = runtime.configuration.allowedRegions
        return try JSONResponse.make(Wire.Regions(regions: configured.isEmpty ? ["local"] : configured, restricted: !configured.isEmpty))
    }

    /// The Prometheus text exposition format, version 0.0.4.
    func metrics() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: runtime.metrics.exposition())))
    }
}

/// The files under `Resources/` served as they are: the OpenAPI document and the web page.
struct StaticAssets: Sendable {
    let path: String
    let contentType: String
    let bytes: [UInt8]

    func response() -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Loaded once from the module's resource bundle.
    static let all: [StaticAssets] = [
        load("/", file: "index.html", type: "text/html; charset=utf-8"),
        load("/app.js", file: "app.js", type: "text/javascript; charset=utf-8"),
        load("/app.css", file: "app.css", type: "text/css; charset=utf-8"),
        load("/openapi.yaml", file: "openapi.yaml", type: "application/yaml; charset=utf-8"),
    ]

    /// The OpenAPI document's text.
    static var openAPIDocument: String {
        String(decoding: all.first { $0.path == "/openapi.yaml" }!.bytes, as: UTF8.self)
    }

    private static func load(_ path: String, file: String, type: String) -> StaticAssets {
        let name = (file as NSString).deletingPathExtension
        let ext = (file as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: ext),
            let data = try? Data(contentsOf: url)
        else {
            fatalError("platform-api resource \(file) is missing from the bundle")
        }
        return StaticAssets(path: path, contentType: type, bytes: Array(data))
    }
}
