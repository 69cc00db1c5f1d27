import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PlatformAPI

/// A response with its body parsed as JSON when it is JSON.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    /// The body as a JSON object (empty when it is not one).
    var json: [String: JSONValue] {
        guard case .object(let object)? = try? JSONValue(jsonText: text) else { return [:] }
        return object
    }

    /// A string field of the body.
    func string(_ key: String) -> String? {
        if case .string(let value)? = json[key] { return value }
        return nil
    }

    /// A nested object of the body.
    func object(_ key: String) -> [String: JSONValue] {
        if case .object(let value)? = json[key] { return value }
        return [:]
    }
}

/// Sends requests to platform-api, through the router (`app.test(.router)`) or over TCP.
struct APIClient: Sendable {
    let send: @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws -> APIResponse

    /// Through a HummingbirdTesting client.
    init(_ client: any TestClientProtocol) {
        send = { uri, method, headers, body in
            let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
            return APIResponse(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// Over one keep-alive TCP connection to a live instance.
    init(live client: TestClient) {
        send = { uri, method, headers, body in
            let response = try await client.execute(.init(uri, method: method, headers: headers, body: body))
            return APIResponse(status: response.status, headers: response.headers, text: response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// Sends `method path` with an optional bearer token and JSON body.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> APIResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await send(path, method, headers, json.map { ByteBuffer(string: $0) })
    }

    // MARK: Scenario helpers

    /// A signed-in guest.
    struct Guest: Sendable {
        var token: String
        var userID: String
        var guestKey: String
        var jti: String
    }

    func signIn() async throws -> Guest {
        let response = try await call(.post, "/auth/guest")
        guard response.status == .created, let token = response.string("access_token"), let jti = response.string("jti"),
            case .string(let userID)? = response.object("user")["id"], case .string(let key)? = response.object("user")["guest_key"]
        else { throw ScenarioError("guest sign-in failed: \(response.status) \(response.text)") }
        return Guest(token: token, userID: userID, guestKey: key, jti: jti)
    }

    func signInAdmin(key: String) async throws -> Guest {
        let response = try await call(.post, "/auth/admin", json: #"{"key":"\#(key)"}"#)
        guard response.status == .created, let token = response.string("access_token"), let jti = response.string("jti"),
            case .string(let userID)? = response.object("user")["id"], case .string(let guestKey)? = response.object("user")["guest_key"]
        else { throw ScenarioError("admin sign-in failed: \(response.status) \(response.text)") }
        return Guest(token: token, userID: userID, guestKey: guestKey, jti: jti)
    }

    /// Creates a committed organization and returns (org id, default project id).
    func createOrganization(_ guest: Guest, slug: String, key: String? = nil, region: String = "eu-west") async throws -> (org: String, project: String) {
        let response = try await call(
            .post, "/orgs", token: guest.token,
            json: #"{"operation_id":"\#(key ?? "op-\(slug)")","slug":"\#(slug)","display_name":"Org \#(slug)","home_region":"\#(region)"}"#)
        guard response.status == .created, let org = response.string("id"), let project = response.string("default_project_id") else {
            throw ScenarioError("organization creation failed: \(response.status) \(response.text)")
        }
        return (org, project)
    }

    /// Opens a chat and returns its id.
    func openChat(_ guest: Guest, org: String, project: String) async throws -> String {
        let response = try await call(.post, "/orgs/\(org)/projects/\(project)/chats", token: guest.token)
        guard response.status == .created, case .string(let id)? = response.object("chat")["id"] else {
            throw ScenarioError("opening a chat failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Sends a canned action and returns the response.
    @discardableResult
    func sendAction(_ guest: Guest, org: String, project: String, chat: String, _ action: String) async throws -> APIResponse {
        try await call(.post, "/orgs/\(org)/projects/\(project)/chats/\(chat)/actions", token: guest.token, json: #"{"action":"\#(action)"}"#)
    }
}

/// A step of a test scenario that did not go as expected.
struct ScenarioError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
