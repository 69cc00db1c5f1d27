import Foundation
import HTTPTypes
import Hummingbird

/// `GET /configs`, `GET`/`PUT /configs/{key}`, `GET /configs/{key}/history`: admin tokens only.
///
/// Reads are served from this instance's hot-reloaded copy; writes go to SQL with
/// optimistic concurrency on the version (`ETag`/`If-Match`), append the history and
/// publish a version-only event that makes every instance re-read the key.
struct ConfigController {
    let runtime: PlatformRuntime

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/configs") { _, context in try list(context: context) }
        group.get("/configs/:key") { _, context in try show(context: context) }
        group.put("/configs/:key") { request, context in try await put(request, context: context) }
        group.get("/configs/:key/history") { _, context in try await history(context: context) }
    }

    private func requireAdmin(_ context: APIRequestContext) throws {
        guard try context.requireGuest().isAdmin else { throw APIError.forbidden("configuration needs an admin token") }
    }

    private func key(_ context: APIRequestContext) throws -> String {
        try Validation.configKey(context.parameters.get("key") ?? "")
    }

    static func etag(_ version: Int64) -> String { "\"\(version)\"" }

    func list(context: APIRequestContext) throws -> Response {
        try requireAdmin(context)
        return try JSONResponse.make(Wire.ConfigList(configs: runtime.configCache.entries.map(Wire.Config.init)))
    }

    func show(context: APIRequestContext) throws -> Response {
        try requireAdmin(context)
        guard let entry = runtime.configCache.entry(try key(context)) else { throw APIError.notFound("configuration key") }
        return try JSONResponse.make(Wire.Config(entry), headers: [.eTag: Self.etag(entry.version)])
    }

    /// `If-Match: "<version>"` updates that version; `If-None-Match: *` creates; without
    /// either the write is refused (428), so no client overwrites a change it has not seen.
    func put(_ request: Request, context: APIRequestContext) async throws -> Response {
        try requireAdmin(context)
        let key = try key(context)
        let expected: Int64
        if let ifMatch = request.headers[.ifMatch] {
            let text = ifMatch.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard let version = Int64(text), version >= 0 else {
                throw APIError(.preconditionFailed, code: "invalid_if_match", "If-Match must be a version ETag such as \"3\"")
            }
            expected = version
        } else if request.headers[.ifNoneMatch]?.trimmingCharacters(in: .whitespaces) == "*" {
            expected = 0
        } else {
            throw APIError(.preconditionRequired, code: "if_match_required", "send If-Match with the current ETag, or If-None-Match: * to create")
        }
        let body = try await JSONObject.read(request, allowed: ["value"])
        guard let value = body.fields["value"] else { throw APIError.unprocessable("missing_field", "`value` is required") }
        switch try await runtime.repositories.configs.put(key: key, value: value, expectedVersion: expected) {
        case .written(let entry):
            runtime.configCache.swap(entry)
            return try JSONResponse.make(
                Wire.Config(entry), status: entry.version == 1 ? .created : .ok, headers: [.eTag: Self.etag(entry.version)])
        case .versionMismatch(let current):
            var headers: HTTPFields = [:]
            if let current { headers[.eTag] = Self.etag(current.version) }
            throw APIError(
                .preconditionFailed, code: "version_mismatch",
                current.map { "the current version is \($0.version)" } ?? "the key does not exist", headers: headers)
        }
    }

    func history(context: APIRequestContext) async throws -> Response {
        try requireAdmin(context)
        let key = try key(context)
        let lines = try await runtime.repositories.configs.history(key: key)
        return try JSONResponse.make(
            Wire.ConfigHistory(key: key, history: lines.map { .init(version: $0.version, value: $0.value, changedAt: $0.changedAt) }))
    }
}
