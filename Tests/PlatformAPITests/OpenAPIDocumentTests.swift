import Foundation
import Hummingbird
import PlatformAPI
import Testing
import Yams

/// The OpenAPI document served at `/openapi.yaml` describes exactly the registered routes.
@Suite struct OpenAPIDocumentTests {
    @Test func documentMatchesTheRegisteredRoutes() async throws {
        let runtime = await RouterTests.makeRuntime()
        let router = buildRouter(runtime: runtime)
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(registered.count > 20)

        let served = try await buildApplication(runtime: runtime).test(.router) { client in
            let response = try await APIClient(client).call(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            return response.text
        }
        let document = try #require(try Yams.load(yaml: served) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var documented = Set<String>()
        for (path, item) in paths {
            guard let operations = item as? [String: Any] else { continue }
            for key in operations.keys where methods.contains(key) {
                documented.insert("\(key.uppercased()) \(path)")
            }
        }
        let undocumented = registered.subtracting(documented).sorted()
        let phantom = documented.subtracting(registered).sorted()
        #expect(undocumented.isEmpty, "routes missing from openapi.yaml: \(undocumented)")
        #expect(phantom.isEmpty, "openapi.yaml paths without a route: \(phantom)")

        // Every operation has a unique operationId and at least one response.
        var operationIDs: [String] = []
        for (_, item) in paths {
            for (key, operation) in (item as? [String: Any]) ?? [:] where methods.contains(key) {
                let operation = try #require(operation as? [String: Any])
                operationIDs.append(try #require(operation["operationId"] as? String))
                #expect(!((operation["responses"] as? [String: Any]) ?? [:]).isEmpty)
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count)
        // Every canned action the service accepts is in the document's enum, and nothing else.
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let canned = try #require((schemas["CannedAction"] as? [String: Any])?["enum"] as? [String])
        #expect(canned == CannedAction.allCases.map(\.rawValue))
    }
}
