import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies strictly and writing JSON responses.
///
/// Bodies are parsed as a JSON object and every key is checked against the keys the
/// route accepts: an unknown key is a 422, so no free text can sneak in beside a
/// canned action, and clients learn about typos at once.
struct JSONObject: Sendable {
    let fields: [String: JSONValue]

    /// Largest body accepted (requests are tiny; configuration values are the largest).
    static let maximumBytes = 64 * 1024

    /// Reads the body; an empty body is an empty object when `emptyAllowed`.
    static func read(
        _ request: Request, allowed: Set<String>, emptyAllowed: Bool = false
    ) async throws -> JSONObject {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", "the request body is larger than \(maximumBytes) bytes")
        }
        if buffer.readableBytes == 0 {
            if emptyAllowed { return JSONObject(fields: [:]) }
            throw APIError.badRequest("a JSON object body is required")
        }
        guard case .object(let fields) = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            // Free text (or any JSON that is not an object) is content the API does not take.
            throw APIError.unprocessable("not_an_object", "the body must be a JSON object; free text is not accepted")
        }
        let unknown = fields.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw APIError.unprocessable(
                "unknown_field", "unknown field(s): \(unknown.joined(separator: ", ")); accepted: \(allowed.sorted().joined(separator: ", "))")
        }
        return JSONObject(fields: fields)
    }

    /// A string field; nil when absent and not required.
    func string(_ key: String, required: Bool = true) throws -> String? {
        switch fields[key] {
        case .string(let value)?: return value
        case nil, .null?:
            if required { throw APIError.unprocessable("missing_field", "`\(key)` is required") }
            return nil
        default: throw APIError.unprocessable("invalid_field", "`\(key)` must be a string")
        }
    }
}

/// Builds JSON responses with sorted keys and ISO 8601 dates (byte-stable output).
enum JSONResponse {
    static func make(_ body: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

/// Path parameters that are ids: a malformed id is simply not found.
extension Parameters {
    func id(_ name: String) throws -> UUID {
        guard let text = self.get(name), let id = UUID(uuidString: text) else { throw APIError.notFound(name.replacingOccurrences(of: "ID", with: "")) }
        return id
    }
}

/// Validation of the names clients choose, matching the database's own checks.
enum Validation {
    /// `^[a-z0-9][a-z0-9-]{0,62}$`
    static func slug(_ value: String) throws -> String {
        guard value.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
            throw APIError.unprocessable("invalid_slug", "`slug` must match ^[a-z0-9][a-z0-9-]{0,62}$")
        }
        return value
    }

    /// 1 to 64 characters, no control characters.
    static func displayName(_ value: String) throws -> String {
        guard (1...64).contains(value.count), !value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw APIError.unprocessable("invalid_display_name", "`display_name` must be 1 to 64 characters without control characters")
        }
        return value
    }

    /// Idempotency keys: `^[A-Za-z0-9._:-]{1,128}$`.
    static func operationID(_ value: String) throws -> String {
        guard value.range(of: "^[A-Za-z0-9._:-]{1,128}$", options: .regularExpression) != nil else {
            throw APIError.unprocessable("invalid_operation_id", "the operation id must match ^[A-Za-z0-9._:-]{1,128}$")
        }
        return value
    }

    /// Configuration keys: `^[a-z][a-z0-9_.-]{0,127}$`.
    static func configKey(_ value: String) throws -> String {
        guard value.range(of: "^[a-z][a-z0-9_.-]{0,127}$", options: .regularExpression) != nil else {
            throw APIError.unprocessable("invalid_key", "configuration keys must match ^[a-z][a-z0-9_.-]{0,127}$")
        }
        return value
    }
}
